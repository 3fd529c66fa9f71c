import { execFile, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { join } from 'node:path';

export const REPO_ROOT = join(__dirname, '..', '..');

/** Fails with a clear message when no engine is reachable: e2e tests never skip silently. */
export function requireDocker(): void {
  try {
    execFileSync('docker', ['info', '--format', '{{.ServerVersion}}'], { stdio: 'pipe' });
    execFileSync('docker', ['compose', 'version'], { stdio: 'pipe' });
  } catch {
    throw new Error('These end-to-end tests need a Docker engine with compose v2 (docker info failed).');
  }
}

export function run(cmd: string, args: string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, {
      cwd: opts.cwd ?? REPO_ROOT,
      env: { ...process.env, ...opts.env },
      maxBuffer: 64 * 1024 * 1024,
      timeout: opts.timeoutMs ?? 15 * 60_000,
    }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${cmd} ${args.join(' ')} failed: ${err.message}\n${stderr.slice(-4000)}`));
      else resolve(stdout);
    });
  });
}

/** A free TCP port on loopback (closed again before use: good enough for tests). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

export const secret = (bytes = 24) => randomBytes(bytes).toString('hex');

export interface ContainerState {
  Service: string;
  State: string;
  Health: string;
  ExitCode: number;
  Name: string;
}

/** One compose project under test: its own name, env and ports, so runs never collide. */
export class ComposeProject {
  constructor(
    public readonly name: string,
    private readonly files: string[],
    public readonly env: Record<string, string>,
    private readonly options: { profiles?: string[]; envFiles?: string[] } = {},
  ) {}

  public compose(args: string[], timeoutMs?: number): Promise<string> {
    const base = ['compose', '-p', this.name,
      ...this.files.flatMap((f) => ['-f', f]),
      ...(this.options.envFiles ?? []).flatMap((f) => ['--env-file', f]),
      ...(this.options.profiles ?? []).flatMap((p) => ['--profile', p])];
    return run('docker', [...base, ...args], { env: this.env, timeoutMs });
  }

  public async ps(): Promise<ContainerState[]> {
    const out = await this.compose(['ps', '--all', '--format', 'json']);
    // compose prints one JSON object per line (newer) or one array (older).
    const trimmed = out.trim();
    if (!trimmed) return [];
    return trimmed.startsWith('[') ? JSON.parse(trimmed) : trimmed.split('\n').map((l) => JSON.parse(l));
  }

  public async logs(): Promise<string> {
    return this.compose(['logs', '--no-color', '--tail', '80']).catch((e: Error) => e.message);
  }

  public async down(): Promise<void> {
    await this.compose(['down', '--volumes', '--remove-orphans', '--timeout', '20']);
  }
}

export async function waitFor<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 60_000, everyMs = 500): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await fn();
      if (v !== undefined && v !== false) return v;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
}
