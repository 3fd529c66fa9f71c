import { spawn } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { K8S_DEPLOY_EXIT, K8S_SECRET_EXIT } from '../../projenrc';
import { REPO_ROOT } from '../support/synth';

/**
 * scripts/k8s-deploy.sh and scripts/k8s-secret.sh against a fake kubectl (and docker) that
 * records every call and answers like a cluster would: the order of the phases, what a
 * failure at each phase leaves untouched, the undo of a failed rollout, pruning, the Secret
 * built from an env file. No cluster can run here (see devops/doc/guides/kubernetes.md).
 */


interface Result { code: number; stdout: string; stderr: string; calls: string[]; dir: string }

function run(script: string, args: string[], env: Record<string, string> = {}): Promise<Result> {
  const dir = mkdtempSync(join(tmpdir(), 'fake-kubectl-'));
  for (const name of ['kubectl', 'docker']) {
    copyFileSync(join(__dirname, '..', 'support', `fake-${name}.sh`), join(dir, name));
    chmodSync(join(dir, name), 0o755);
  }
  return new Promise((resolve) => {
    const child = spawn(join(REPO_ROOT, 'scripts', script), args, {
      cwd: REPO_ROOT,
      env: { PATH: `${dir}:${process.env.PATH}`, HOME: dir, FAKE_DIR: dir, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    child.on('close', (code) => {
      const callsFile = join(dir, 'calls');
      resolve({ code: code ?? -1, stdout, stderr, dir, calls: existsSync(callsFile) ? readFileSync(callsFile, 'utf8').trim().split('\n') : [] });
    });
  });
}

const ALL_KEYS = 'POSTGRES_PASSWORD DB_OWNER_PASSWORD DB_WRITER_PASSWORD DB_READER_PASSWORD API_TOKEN DASHBOARD_PASSWORD SESSION_SECRET TELEGRAM_BOT_TOKEN TELEGRAM_WEBHOOK_SECRET LLM_API_KEY';
const DIGEST = `sha256:${'0'.repeat(63)}7`;
const digests = { API_IMAGE_DIGEST: DIGEST, BOT_IMAGE_DIGEST: DIGEST, FRONTEND_IMAGE_DIGEST: DIGEST, POSTGRES_IMAGE_DIGEST: DIGEST };
const phase = (calls: string[], pattern: RegExp) => calls.findIndex((c) => pattern.test(c));

describe('scripts/k8s-deploy.sh', () => {
  it('deploys in order: config, secret check, dry run, database, migrate, apps, prune, rollout', async () => {
    const r = await run('k8s-deploy.sh', ['production', '--tag', 'sha-1a2b3c4'], {
      FAKE_SECRET_KEYS: ALL_KEYS,
      FAKE_EXISTING: 'Deployment/api Deployment/devtools Service/api Job/migrate',
    });
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: K8S_DEPLOY_EXIT.DEPLOYED.code, stderr: '' });
    const order = [
      /docker buildx imagetools inspect ghcr.io\/dialogstack\/dialogstack\/api:sha-1a2b3c4/,
      /apply --server-side .* -f \S+\/00-namespace.yaml$/,
      /apply --server-side .* -f \S+\/10-config.yaml$/,
      /get secret dialogstack-secrets/,
      /apply --server-side .*--dry-run=server/,
      /apply --server-side .* -f \S+\/20-postgres.yaml$/,
      /rollout status statefulset\/postgres/,
      /delete job migrate/,
      /apply --server-side .* -f \S+\/30-migrate.yaml$/,
      /get job migrate/,
      /field-manager=k8s-deploy -f (?!\S+\.yaml$)\S+$/,
      /delete deployment\/devtools/,
      /rollout status deployment\/api/,
    ].map((p) => phase(r.calls, p));
    expect(order.every((i) => i >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    // Only what the model no longer renders is pruned.
    expect(r.calls.filter((c) => / delete /.test(c) && !/delete job migrate/.test(c))).toEqual([expect.stringContaining('delete deployment/devtools')]);
    expect(r.stdout).toContain(`api: ghcr.io/dialogstack/dialogstack/api@sha256:${'0'.repeat(63)}7`);
  });

  it('applies the digests it was given, with no placeholder left', async () => {
    const r = await run('k8s-deploy.sh', ['staging'], { FAKE_SECRET_KEYS: ALL_KEYS, ...digests });
    expect(r.code).toBe(0);
    expect(r.calls.some((c) => c.startsWith('docker'))).toBe(false);
  });

  it('refuses a missing or malformed digest before touching the cluster', async () => {
    const r = await run('k8s-deploy.sh', ['production'], { ...digests, BOT_IMAGE_DIGEST: 'latest' });
    expect(r.code).toBe(K8S_DEPLOY_EXIT.USAGE.code);
    expect(r.stderr).toContain("BOT_IMAGE_DIGEST='latest' is not a digest");
    expect(r.calls).toEqual([]);
  });

  it('stops before the apps when a required Secret key is missing', async () => {
    const r = await run('k8s-deploy.sh', ['production'], { ...digests, FAKE_SECRET_KEYS: ALL_KEYS.replace('LLM_API_KEY', '') });
    expect(r.code).toBe(K8S_DEPLOY_EXIT.SECRET.code);
    expect(r.stderr).toContain('lacks LLM_API_KEY');
    expect(phase(r.calls, /dry-run|delete|rollout/)).toBe(-1);
  });

  it('stops when the server refuses the manifests in the dry run', async () => {
    const r = await run('k8s-deploy.sh', ['production'], { ...digests, FAKE_SECRET_KEYS: ALL_KEYS, FAKE_DRY_RUN_FAIL: '1' });
    expect(r.code).toBe(K8S_DEPLOY_EXIT.PREFLIGHT.code);
    expect(phase(r.calls, /20-postgres|delete job/)).toBe(-1);
  });

  it('leaves the apps untouched when migrate fails, and shows its log', async () => {
    const r = await run('k8s-deploy.sh', ['production'], { ...digests, FAKE_SECRET_KEYS: ALL_KEYS, FAKE_MIGRATE: 'Failed' });
    expect(r.code).toBe(K8S_DEPLOY_EXIT.MIGRATE.code);
    expect(r.stderr).toContain('migrate: relation already exists');
    expect(phase(r.calls, /field-manager=k8s-deploy -f (?!\S+\.yaml$)\S+$/)).toBe(-1);
  });

  it('undoes every Deployment it changed, to the revision before, when a rollout fails', async () => {
    const r = await run('k8s-deploy.sh', ['production'], {
      ...digests, FAKE_SECRET_KEYS: ALL_KEYS, FAKE_ROLLOUT_FAIL: 'frontend', FAKE_CHANGED: 'api frontend',
    });
    expect(r.code).toBe(K8S_DEPLOY_EXIT.ROLLED_BACK.code);
    const undone = r.calls.filter((c) => c.includes('rollout undo'));
    expect(undone).toEqual([
      expect.stringContaining('rollout undo deployment/api --to-revision=3'),
      expect.stringContaining('rollout undo deployment/frontend --to-revision=3'),
    ]); // bot did not change: left alone
  });

  it('fails when a tag cannot be resolved to a digest', async () => {
    const r = await run('k8s-deploy.sh', ['production', '--tag', 'missing']);
    expect(r.code).toBe(K8S_DEPLOY_EXIT.PREFLIGHT.code);
    expect(r.stderr).toContain('cannot resolve ghcr.io/dialogstack/dialogstack/');
  });

  it('rejects an unknown environment and lists the known ones', async () => {
    const r = await run('k8s-deploy.sh', ['prod']);
    expect(r.code).toBe(K8S_DEPLOY_EXIT.USAGE.code);
    expect(r.stderr).toMatch(/unknown environment 'prod' \(known: .*production/);
  });
});

describe('scripts/k8s-secret.sh', () => {
  const envFile = () => {
    const file = join(mkdtempSync(join(tmpdir(), 'k8s-secret-')), '.env.production');
    writeFileSync(file, [
      '# production settings', ...ALL_KEYS.split(' ').map((k) => `${k}=value-of-${k}`), 'API_TOKEN="quoted token"', 'LOG_LEVEL=info', '',
    ].join('\n'));
    return file;
  };

  it('builds the Secret from an env file and prints key names, never values', async () => {
    const r = await run('k8s-secret.sh', ['production', envFile()], { LLM_API_KEY: 'from-the-environment' });
    expect(r.code).toBe(0);
    const secret = readFileSync(join(r.dir, 'secret.env'), 'utf8');
    expect(secret).toContain('API_TOKEN=quoted token\n');
    expect(secret).toContain('LLM_API_KEY=from-the-environment\n'); // the environment wins
    expect(secret).not.toContain('LOG_LEVEL'); // not a secret: the ConfigMap's
    expect(r.calls).toEqual([
      expect.stringMatching(/^create secret generic dialogstack-secrets --namespace dialogstack-production --from-env-file=\S+ --dry-run=client --output=yaml$/),
      expect.stringMatching(/^apply --server-side --force-conflicts --field-manager=k8s-secret --namespace dialogstack-production -f /),
    ]);
    expect(`${r.stdout}${r.stderr}`).not.toMatch(/value-of|quoted token|from-the-environment/);
    expect(r.stdout).toContain('TELEGRAM_BOT_TOKEN');
  });

  it('names every required key that has no value, and creates nothing', async () => {
    const file = envFile();
    writeFileSync(file, 'API_TOKEN=x\n');
    const r = await run('k8s-secret.sh', ['staging', file]);
    expect(r.code).toBe(K8S_SECRET_EXIT.USAGE.code);
    expect(r.stderr).toContain('no value for required key(s): POSTGRES_PASSWORD DB_OWNER_PASSWORD DB_WRITER_PASSWORD');
    expect(r.calls).toEqual([]);
  });
});
