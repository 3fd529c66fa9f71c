import { SpawnSyncReturns, execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pipelineDiffCli } from '../../projenrc/review/pipeline-diff-cli';
import { REPO_ROOT } from '../support/synth';

/**
 * `npx projen pipeline-diff` end to end, on a temporary git repository holding this
 * project: `main` is the project as it is, the working tree changes the api's port and adds
 * a secret. Further refs: a commit from before the model, one without a committed snapshot
 * (its model is synthesized in a temporary worktree), one whose .projenrc.ts throws.
 *
 * The first report is also the sample comment in README.md ("Changing the pipeline"): when
 * the wording or the model changes, review and rewrite it with
 * `UPDATE_README_SAMPLE=1 npx jest test/pipeline/pipeline-diff-cli.test.ts`.
 */
const README_SAMPLE = 'pipeline-diff-sample';
const SAMPLE_COMMIT = '1a2b3c4';

let repo: string;

function git(...args: string[]): string {
  return execFileSync('git', ['-c', 'user.name=Review Test', '-c', 'user.email=review@example.com', '-c', 'commit.gpgsign=false', ...args], {
    cwd: repo,
    encoding: 'utf8',
    env: { ...process.env, GIT_AUTHOR_DATE: '2026-01-01T00:00:00Z', GIT_COMMITTER_DATE: '2026-01-01T00:00:00Z' },
  });
}

function pipelineDiff(...args: string[]): SpawnSyncReturns<string> {
  const env = { ...process.env };
  delete env.GITHUB_OUTPUT;
  delete env.GITHUB_STEP_SUMMARY;
  return spawnSync('npx', ['projen', 'pipeline-diff', ...args], { cwd: repo, encoding: 'utf8', env, timeout: 240_000 });
}

function edit(path: string, from: string | RegExp, to: string): void {
  const file = join(repo, path);
  const text = readFileSync(file, 'utf8');
  const next = text.replace(from, to);
  if (next === text) throw new Error(`${path}: '${from}' not found`);
  writeFileSync(file, next);
}

beforeAll(() => {
  repo = mkdtempSync(join(tmpdir(), 'pipeline-diff-repo-'));
  // The project as it is in this checkout, committed files and new ones alike.
  const files = execFileSync('git', ['ls-files', '-co', '--exclude-standard', '-z'], { cwd: REPO_ROOT, encoding: 'utf8' }).split('\0').filter(Boolean);
  git('init', '-q', '-b', 'main');
  writeFileSync(join(repo, 'README.md'), '# before the pipeline model\n');
  git('add', 'README.md');
  git('commit', '-qm', 'before the model');
  git('tag', 'before-model');
  for (const f of files) {
    mkdirSync(dirname(join(repo, f)), { recursive: true });
    cpSync(join(REPO_ROOT, f), join(repo, f), { dereference: false });
  }
  symlinkSync(join(REPO_ROOT, 'node_modules'), join(repo, 'node_modules'), 'dir');
  writeFileSync(join(repo, '.git', 'info', 'exclude'), '/node_modules\n');
  git('add', '-A');
  git('commit', '-qm', 'the model');

  // Side refs: the same model without a committed snapshot, and a model that does not synthesize.
  git('checkout', '-q', '-b', 'side');
  git('rm', '-q', '.projen/stack.json');
  git('commit', '-qm', 'no committed snapshot');
  git('tag', 'no-snapshot');
  edit('.projenrc.ts', 'export function dialogstack(', 'throw new Error(\'this model is broken\');\nexport function dialogstack(');
  git('commit', '-qam', 'broken model');
  git('tag', 'broken');
  git('checkout', '-q', 'main');
  git('branch', '-qD', 'side');

  // The pull request: the api listens on 4100, and a new required secret.
  edit('.projenrc.ts', /(command: \['node', 'src\/api\/dist\/main\.js'\],\n\s+)port: 4000,/, '$1port: 4100,');
  edit('.projenrc.ts', '      CORS_ORIGINS: envVar(\'CORS_ORIGINS\'',
    '      METRICS_TOKEN: envVar(\'METRICS_TOKEN\', { description: \'Bearer token Prometheus sends to /metrics\', required: true, secret: true, generate: \'hex32\' }),\n'
    + '      CORS_ORIGINS: envVar(\'CORS_ORIGINS\'');
}, 120_000);

afterAll(() => {
  if (repo) rmSync(repo, { recursive: true, force: true });
});

describe('npx projen pipeline-diff', () => {
  let sample: string;

  it('explains a changed port and a new secret against the committed snapshot of main', () => {
    const r = pipelineDiff('--base', 'main', '--base-label', 'main', '--head-label', 'this pull request');
    expect(r.stderr).not.toMatch(/pipeline-diff: /);
    expect(r.status).toBe(0);
    sample = r.stdout.slice(r.stdout.indexOf('## Pipeline diff'));
    expect(sample).toMatch(/^`main` \([0-9a-f]{7}, committed snapshot\) → this pull request$/m);
    expect(sample).toMatch(/^- 🟠 \*\*METRICS_TOKEN\*\* new variable: required, secret, read by `api`/m);
    expect(sample).toMatch(/^- \[ \] Before the next deploy, add `METRICS_TOKEN` to `\.env\.production` on the server of each deploy target \(`production`, `staging`\)/m);
    expect(sample).toContain('🟢 container port: `4000` → `4100`');
    expect(sample).toContain('🟢 **frontend** env `API_URL`: `http://api:4000` → `http://api:4100`');
    expect(sample).toMatch(/<summary>Synthesized files: \d+ changed/);
    expect(sample).toMatch(/^ devops\/Dockerfile\.api\s+\|/m);
    // The real index is untouched; no worktree is left behind.
    expect(git('diff', '--cached', '--name-only')).toBe('');
    expect(git('worktree', 'list').trim().split('\n')).toHaveLength(1);
  }, 240_000);

  it('is the sample comment in README.md', () => {
    const normalized = sample.replace(/(`main` \()[0-9a-f]{7}/, `$1${SAMPLE_COMMIT}`).trimEnd();
    const quoted = normalized.split('\n').map((l) => (l ? `> ${l}` : '>')).join('\n');
    const readmePath = join(REPO_ROOT, 'README.md');
    const readme = readFileSync(readmePath, 'utf8');
    const block = new RegExp(`(<!-- generated:${README_SAMPLE} -->\\n)[\\s\\S]*?(\\n<!-- /generated:${README_SAMPLE} -->)`);
    expect(readme).toMatch(block);
    const updated = readme.replace(block, (_, open: string, close: string) => `${open}${quoted}${close}`);
    if (process.env.UPDATE_README_SAMPLE && updated !== readme) writeFileSync(readmePath, updated);
    // Differs? Review the new sample and rewrite it: UPDATE_README_SAMPLE=1 npx jest test/pipeline/pipeline-diff-cli.test.ts
    expect(process.env.UPDATE_README_SAMPLE ? updated : readme).toBe(updated);
  });

  it('prints the same diff as JSON for tools', () => {
    const r = pipelineDiff('--base', 'main', '--format', 'json', '--no-synth');
    expect(r.status).toBe(0);
    const report = JSON.parse(r.stdout.slice(r.stdout.indexOf('{')));
    expect(report.status).toBe('changed');
    expect(report.base).toMatchObject({ ref: 'main', snapshot: 'committed' });
    const changes = report.sections.flatMap((s: { changes: unknown[] }) => s.changes);
    expect(changes).toContainEqual(expect.objectContaining({ section: 'services', subject: 'api', field: 'port', before: 4000, after: 4100, risk: 'safe' }));
    expect(changes).toContainEqual(expect.objectContaining({ section: 'variables', subject: 'METRICS_TOKEN', change: 'added', risk: 'attention' }));
    expect(report.summary.attention).toBeGreaterThan(0);
    expect(report.files.map((f: { path: string }) => f.path)).toContain('docker-compose.prod.yml');
  }, 240_000);

  it('writes the job summary and the step outputs the comment job reads (GitHub Actions)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pipeline-diff-gha-'));
    const env = { GITHUB_OUTPUT: join(dir, 'output'), GITHUB_STEP_SUMMARY: join(dir, 'summary') };
    writeFileSync(env.GITHUB_STEP_SUMMARY, '');
    const r = runInProcess(['--base', 'main', '--no-synth'], env);
    expect(r.code).toBe(0);
    expect(readFileSync(env.GITHUB_STEP_SUMMARY, 'utf8')).toBe(`${r.out}\n`);
    const output = readFileSync(env.GITHUB_OUTPUT, 'utf8');
    const heredoc = output.match(/^comment<<(EOF_[0-9a-f]{24})\n([\s\S]*)\n\1\n$/m);
    expect(output).toMatch(/^status=changed$/m);
    expect(heredoc?.[2]).toBe(r.out);
    rmSync(dir, { recursive: true, force: true });
  }, 120_000);

  it('synthesizes the base in a temporary worktree when it committed no snapshot', () => {
    const r = pipelineDiff('--base', 'no-snapshot', '--no-synth');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/`no-snapshot` \([0-9a-f]{7}, synthesized snapshot\) → working tree/);
    expect(r.stdout).toContain('**METRICS_TOKEN** new variable');
    expect(git('worktree', 'list').trim().split('\n')).toHaveLength(1);
  }, 240_000);

  it('falls back to the file-level diff for a base that predates the model; --strict makes that an error', () => {
    const r = pipelineDiff('--base', 'before-model', '--no-synth');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('⚠️ **No semantic diff**: the model at before-model cannot be read: it predates the pipeline model (no .projenrc.ts)');
    expect(r.stdout).toMatch(/^ docker-compose\.yml\s+\|/m);
    expect(pipelineDiff('--base', 'before-model', '--no-synth', '--strict').status).toBe(1);
  }, 240_000);

  it('falls back with the error for a base whose .projenrc.ts does not synthesize', () => {
    const r = pipelineDiff('--base', 'broken', '--no-synth', '--strict');
    expect(r.status).toBe(1);
    expect(r.stdout).toContain('the model at broken cannot be read: its .projenrc.ts does not synthesize');
    expect(r.stdout).toContain('this model is broken');
    expect(r.stderr).toContain('pipeline-diff: no semantic diff');
  }, 240_000);

  it('names an unknown ref', () => {
    const r = pipelineDiff('--base', 'no-such-branch', '--no-synth');
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('unknown git ref \'no-such-branch\'');
    expect(r.stdout).not.toContain('Pipeline diff');
    // The command itself tells usage errors (2) from a missing semantic diff under --strict (1).
    expect(runInProcess(['--base', 'no-such-branch', '--no-synth'])).toMatchObject({ code: 2, err: expect.stringContaining('unknown git ref \'no-such-branch\'') });
  }, 60_000);

  it('refuses unknown options and formats, naming them', () => {
    expect(runInProcess(['--bsae', 'main'])).toMatchObject({ code: 2, err: expect.stringContaining('--bsae') });
    expect(runInProcess(['--format', 'yaml', '--no-synth'])).toMatchObject({ code: 2, err: expect.stringContaining('unknown --format \'yaml\'') });
  });
});

/** The command in this process (its own exit codes, no projen task runner in between). */
function runInProcess(args: string[], env: NodeJS.ProcessEnv = {}): { code: number; out: string; err: string } {
  let out = '';
  let err = '';
  const code = pipelineDiffCli(args, { cwd: repo, env, out: (t) => { out += t; }, err: (t) => { err += t; } });
  return { code, out, err };
}
