import { SpawnSyncReturns, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import type { FileChange, FileStat } from './diff-report';
import { SNAPSHOT_PATH } from './snapshot';

/**
 * The git side of `pipeline-diff`: find the base commit, read the snapshot it committed or
 * synthesize it in a temporary worktree, and the plain diffstat of the synthesized files.
 */

/** A ref that names no commit: a typo, or a commit a shallow clone has not fetched. */
export class UnknownRefError extends Error {
  constructor(public readonly ref: string) {
    super(`unknown git ref '${ref}': no branch, tag or commit of that name in this repository (in a shallow clone, fetch it first)`);
  }
}

/** What synthesizing a tree produced: its snapshot text, or why there is none. */
export type SynthResult = { readonly snapshot: string } | { readonly problem: string };

/** Seconds one synth may take (a cold base synth on a busy CI runner). */
const SYNTH_TIMEOUT_MS = 300_000;

function git(cwd: string, args: string[], env: NodeJS.ProcessEnv = process.env): SpawnSyncReturns<string> {
  return spawnSync('git', args, { cwd, env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
}

function gitOut(cwd: string, args: string[], env?: NodeJS.ProcessEnv): string {
  const r = git(cwd, args, env);
  if (r.status !== 0) throw new Error(`git ${args.join(' ')} failed: ${(r.stderr || r.error?.message || '').trim()}`);
  return r.stdout;
}

export function isGitRepository(cwd: string): boolean {
  return git(cwd, ['rev-parse', '--is-inside-work-tree']).stdout.trim() === 'true';
}

/** The commit a ref names; throws UnknownRefError. */
export function resolveCommit(cwd: string, ref: string): string {
  const r = git(cwd, ['rev-parse', '--verify', '--quiet', '--end-of-options', `${ref}^{commit}`]);
  if (r.status !== 0 || !r.stdout.trim()) throw new UnknownRefError(ref);
  return r.stdout.trim();
}

/** Where a pull request of this branch would start: the merge base with the first of `candidates` that exists. */
export function defaultBase(cwd: string, candidates: readonly string[]): { ref: string; commit: string } | undefined {
  for (const ref of candidates) {
    const r = git(cwd, ['merge-base', 'HEAD', ref]);
    if (r.status === 0 && r.stdout.trim()) return { ref, commit: r.stdout.trim() };
  }
  return undefined;
}

/** A file's text at a commit, or undefined when the commit has no such file. */
export function fileAt(cwd: string, commit: string, path: string): string | undefined {
  const r = git(cwd, ['show', `${commit}:${path}`]);
  return r.status === 0 ? r.stdout : undefined;
}

/**
 * Synthesizes the project at `commit` in a temporary worktree (with this checkout's
 * node_modules) and returns its snapshot. The worktree is removed whatever happens.
 */
export function synthesizeAt(cwd: string, commit: string): SynthResult {
  if (!['.projenrc.ts', '.projenrc.js'].some((f) => fileAt(cwd, commit, f) !== undefined)) {
    return { problem: 'it predates the pipeline model (no .projenrc.ts)' };
  }
  const dir = mkdtempSync(join(tmpdir(), 'pipeline-diff-base-'));
  const tree = join(dir, 'tree');
  try {
    gitOut(cwd, ['worktree', 'add', '--detach', '--quiet', tree, commit]);
    const modules = join(cwd, 'node_modules');
    if (existsSync(modules) && !existsSync(join(tree, 'node_modules'))) symlinkSync(modules, join(tree, 'node_modules'), 'dir');
    const ran = runTask(tree, 'default');
    if (ran) return { problem: `its .projenrc.ts does not synthesize: ${ran}` };
    const path = join(tree, SNAPSHOT_PATH);
    return existsSync(path) ? { snapshot: readFileSync(path, 'utf8') } : { problem: `it predates the model snapshot (synth writes no ${SNAPSHOT_PATH})` };
  } catch (err) {
    return { problem: `it could not be checked out: ${(err as Error).message}` };
  } finally {
    git(cwd, ['worktree', 'remove', '--force', tree]);
    rmSync(dir, { recursive: true, force: true });
  }
}

interface TaskStep { readonly exec?: string; readonly execArgs?: readonly string[]; readonly spawn?: string; readonly cwd?: string }
interface TaskSpec { readonly steps?: readonly TaskStep[] }

/**
 * Runs a projen task of the tree at `dir` as `npx projen <task>` would (its exec steps, in
 * order, spawned tasks included), without post-synthesis steps such as `npm install`: a
 * synth for a diff must not touch the dependencies. Returns the failure, or undefined.
 */
export function runTask(dir: string, task: string): string | undefined {
  const manifest = join(dir, '.projen', 'tasks.json');
  if (!existsSync(manifest)) return 'no .projen/tasks.json';
  let tasks: Record<string, TaskSpec>;
  try {
    tasks = (JSON.parse(readFileSync(manifest, 'utf8')) as { tasks: Record<string, TaskSpec> }).tasks;
  } catch (err) {
    return `unreadable .projen/tasks.json (${(err as Error).message})`;
  }
  const env = {
    ...process.env,
    PROJEN_DISABLE_POST: 'true',
    PATH: [join(dir, 'node_modules', '.bin'), process.env.PATH ?? ''].join(delimiter),
  };
  const run = (name: string, depth: number): string | undefined => {
    const spec = tasks[name];
    if (!spec) return `no task '${name}'`;
    if (depth > 10) return `task '${name}' spawns itself`;
    for (const step of spec.steps ?? []) {
      if (step.spawn) {
        const failed = run(step.spawn, depth + 1);
        if (failed) return failed;
      } else if (step.exec || step.execArgs?.length) {
        const [program, ...args] = step.exec ? ['sh', '-c', step.exec] : step.execArgs!;
        const r = spawnSync(program, args, { cwd: resolve(dir, step.cwd ?? '.'), env, encoding: 'utf8', timeout: SYNTH_TIMEOUT_MS, maxBuffer: 64 * 1024 * 1024 });
        if (r.status !== 0) return lastLines(r.stderr || r.stdout || r.error?.message || `exit ${r.status ?? r.signal}`);
      }
    }
    return undefined;
  };
  return run(task, 0);
}

/** The gist of a failure: its last meaningful lines, stack frames left out. */
function lastLines(text: string, count = 6): string {
  const lines = text.split('\n').map((l) => l.trimEnd()).filter((l) => l && !/^\s+at /.test(l));
  return lines.slice(-count).join('\n');
}

/** The synthesized files projen lists for a tree (`.projen/files.json`). */
function listedFiles(text: string | undefined): string[] {
  if (!text) return [];
  try {
    const files = (JSON.parse(text) as { files?: unknown }).files;
    return Array.isArray(files) ? files.filter((f): f is string => typeof f === 'string') : [];
  } catch {
    return [];
  }
}

/**
 * The plain diffstat of the synthesized files (listed at the base or in the working tree)
 * between `commit` and the working tree, new untracked files included. Uses a temporary
 * index, so the real one is left as it was.
 */
export function synthesizedFileStat(cwd: string, commit: string): FileStat {
  const paths = [...new Set([
    ...listedFiles(existsSync(join(cwd, '.projen/files.json')) ? readFileSync(join(cwd, '.projen/files.json'), 'utf8') : undefined),
    ...listedFiles(fileAt(cwd, commit, '.projen/files.json')),
  ])].sort();
  if (!paths.length) return { stat: '', files: [] };
  const dir = mkdtempSync(join(tmpdir(), 'pipeline-diff-index-'));
  try {
    const index = join(dir, 'index');
    const realIndex = resolve(cwd, gitOut(cwd, ['rev-parse', '--git-path', 'index']).trim());
    if (existsSync(realIndex)) copyFileSync(realIndex, index);
    const env = { ...process.env, GIT_INDEX_FILE: index };
    const present = paths.filter((p) => existsSync(join(cwd, p)));
    const gone = paths.filter((p) => !existsSync(join(cwd, p)));
    if (present.length) gitOut(cwd, ['add', '--force', '--', ...present], env);
    if (gone.length) gitOut(cwd, ['rm', '--cached', '--quiet', '--ignore-unmatch', '--', ...gone], env);
    const stat = gitOut(cwd, ['diff', '--cached', '--stat=100', commit, '--', ...paths], env);
    const numstat = gitOut(cwd, ['diff', '--cached', '--numstat', commit, '--', ...paths], env);
    const files: FileChange[] = numstat.split('\n').filter(Boolean).map((line) => {
      const [plus, minus, ...path] = line.split('\t');
      return { path: path.join('\t'), insertions: Number(plus) || 0, deletions: Number(minus) || 0 };
    });
    return { stat, files };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
