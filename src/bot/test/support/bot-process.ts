import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { resolve } from 'node:path';

const ROOT = resolve(__dirname, '..', '..', '..', '..');
const ENTRY = resolve(ROOT, 'src/bot/dist/main.js');

/** Compiles the bot (and what it references) so tests run the real entry point. */
export function buildBot(): void {
  execFileSync('npx', ['tsc', '-b', 'src/bot'], { cwd: ROOT, stdio: 'inherit' });
}

/** `node src/bot/dist/main.js` with exactly `env` (plus PATH), its stdout parsed as JSON lines. */
export class BotProcess {
  readonly logs: Record<string, unknown>[] = [];
  readonly output: string[] = [];
  readonly exited: Promise<number | null>;
  private readonly child: ChildProcess;
  private readonly listeners = new Set<() => void>();

  constructor(env: Record<string, string | undefined>) {
    this.child = spawn(process.execPath, [ENTRY], { cwd: ROOT, env: { PATH: process.env.PATH, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let buffered = '';
    this.child.stdout!.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('utf8');
      const lines = buffered.split('\n');
      buffered = lines.pop()!;
      for (const line of lines) {
        this.output.push(line);
        try { this.logs.push(JSON.parse(line)); } catch { /* not JSON: kept in output only */ }
      }
      for (const listener of this.listeners) listener();
    });
    this.child.stderr!.on('data', (chunk: Buffer) => this.output.push(chunk.toString('utf8')));
    this.exited = new Promise((done) => this.child.on('exit', (code) => done(code)));
  }

  /** Resolves with the first log entry whose msg is `msg`. */
  waitForLog(msg: string, timeoutMs = 15_000): Promise<Record<string, unknown>> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const entry = this.logs.find((l) => l.msg === msg);
        if (!entry) return;
        clearTimeout(timer);
        this.listeners.delete(check);
        resolve(entry);
      };
      const timer = setTimeout(() => {
        this.listeners.delete(check);
        reject(new Error(`no "${msg}" log within ${timeoutMs} ms; output:\n${this.output.join('\n')}`));
      }, timeoutMs);
      this.listeners.add(check);
      check();
    });
  }

  signal(name: NodeJS.Signals): void {
    this.child.kill(name);
  }

  kill(): void {
    if (this.child.exitCode === null) this.child.kill('SIGKILL');
  }
}
