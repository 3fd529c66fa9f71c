import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '..', '..', '..', '..');
const MAIN = join(ROOT, 'src', 'api', 'dist', 'main.js');
const BUILD_LOCK = join(tmpdir(), 'dialogstack-api-build.lock');
const MAX_LINES = 10_000;

/**
 * Compiles the api (and the workspaces it references) the way the image does: `tsc -b src/api`.
 * Test files run in parallel workers; a lock directory keeps them from writing dist/ at once.
 */
export function buildApi(): void {
  const deadline = Date.now() + 180_000;
  for (;;) {
    try {
      mkdirSync(BUILD_LOCK);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      // A lock older than any build is left over from a killed run.
      if (Date.now() - lockTime() > 120_000) rmSync(BUILD_LOCK, { recursive: true, force: true });
      if (Date.now() > deadline) throw new Error(`could not take ${BUILD_LOCK}`);
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200);
    }
  }
  try {
    execFileSync(join(ROOT, 'node_modules', '.bin', 'tsc'), ['-b', 'src/api'], { cwd: ROOT, stdio: 'pipe' });
  } finally {
    rmSync(BUILD_LOCK, { recursive: true, force: true });
  }
}

function lockTime(): number {
  try {
    return statSync(BUILD_LOCK).mtimeMs;
  } catch {
    return Date.now();
  }
}

export interface ApiProcess {
  readonly url: string;
  /** Every stdout/stderr line so far. */
  readonly output: string[];
  /** Sends `signal` and resolves the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/**
 * `node src/api/dist/main.js` (or `node <args>`, another entry point logging the same way)
 * with exactly `env` plus PATH; resolves once it logs "listening".
 */
export async function startApi(env: Record<string, string>, args: string[] = [MAIN]): Promise<ApiProcess> {
  const child = spawnApi(env, args);
  const output = collect(child);
  const exit = exitOf(child);
  const port = await new Promise<number>((resolvePort, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`api did not log "listening" within 20 s:\n${output.join('\n')}`));
    }, 20_000);
    const check = () => {
      const entry = output.map(parseJson).find((e) => e?.msg === 'listening');
      if (!entry) return;
      clearTimeout(timer);
      child.stdout!.off('data', check);
      resolvePort(entry.port as number);
    };
    child.stdout!.on('data', check);
    void exit.then((code) => {
      clearTimeout(timer);
      reject(new Error(`api exited with ${code} before listening:\n${output.join('\n')}`));
    });
  });
  return {
    url: `http://127.0.0.1:${port}`,
    output,
    stop: async (signal = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exit;
    },
  };
}

/** Runs the api expecting it to exit by itself (a bad configuration). */
export async function runApiToExit(env: Record<string, string>): Promise<{ code: number | null; output: string[] }> {
  const child = spawnApi(env);
  const output = collect(child);
  return { code: await exitOf(child), output };
}

export function parseJson(line: string): Record<string, unknown> | undefined {
  try {
    const value = JSON.parse(line);
    return typeof value === 'object' && value !== null ? value : undefined;
  } catch {
    return undefined;
  }
}

function spawnApi(env: Record<string, string>, args: string[] = [MAIN]): ChildProcess {
  return spawn(process.execPath, args, { cwd: ROOT, env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
}

function collect(child: ChildProcess): string[] {
  const lines: string[] = [];
  for (const stream of [child.stdout!, child.stderr!]) {
    let pending = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      pending += chunk;
      const parts = pending.split('\n');
      pending = parts.pop()!;
      lines.push(...parts.filter(Boolean));
      // A benchmark logs a line per request: keep the latest ones only.
      if (lines.length > MAX_LINES) lines.splice(0, lines.length - MAX_LINES);
    });
  }
  return lines;
}

function exitOf(child: ChildProcess): Promise<number | null> {
  return new Promise((resolveExit) => child.once('exit', (code) => resolveExit(code)));
}
