import { execFile, spawn } from 'node:child_process';
import { REPO_ROOT, waitFor } from './docker';

/** Runs a command in the repository to completion with exactly `env`; rejects with its output on failure. */
export function exec(cmd: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs = 10 * 60_000): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { cwd: REPO_ROOT, env, maxBuffer: 64 * 1024 * 1024, timeout: timeoutMs }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${cmd} ${args.join(' ')} failed: ${err.message}\n${stdout.slice(-4000)}\n${stderr.slice(-4000)}`));
      else resolve(stdout);
    });
  });
}

export interface Service {
  /** Everything the process printed so far (stdout and stderr). */
  output(): string;
  /** Waits until the output matches, or fails with the output when the process exits or time runs out. */
  waitForOutput(what: string, pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** SIGTERM, then waits for the exit. */
  stop(): Promise<void>;
}

/** A long-running process (a server) with exactly `env`: nothing leaks in from the test's environment. */
export function startService(cmd: string, args: string[], env: Record<string, string>, cwd = REPO_ROOT): Service {
  const child = spawn(cmd, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk) => { output += chunk; });
  child.stderr.on('data', (chunk) => { output += chunk; });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    output: () => output,
    waitForOutput: (what, pattern, timeoutMs = 30_000) => waitFor(what, async () => {
      const match = output.match(pattern);
      if (match) return match;
      if (child.exitCode !== null) throw new Error(`${cmd} exited with ${child.exitCode}:\n${output}`);
      return undefined;
    }, timeoutMs, 100).catch((err: Error) => { throw new Error(`${err.message}\n--- output ---\n${output}`); }),
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
