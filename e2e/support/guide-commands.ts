import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from './docker';
import { ExecResult, execResult } from './fresh-server';

/** A fenced shell block of a guide, dedented (blocks inside list items are indented). */
export interface GuideBlock {
  readonly file: string;
  /** 1-based position among the file's shell blocks. */
  readonly index: number;
  readonly text: string;
  readonly firstLine: string;
}

/** Every ```sh block of the given Markdown files (paths relative to the repository). */
export function guideBlocks(files: readonly string[]): GuideBlock[] {
  return files.flatMap((file) => {
    const markdown = readFileSync(join(REPO_ROOT, file), 'utf8');
    const blocks = [...markdown.matchAll(/^([ \t]*)```sh\n([\s\S]*?)^[ \t]*```/gm)];
    return blocks.map((m, i) => {
      const indent = m[1].length;
      const text = m[2].split('\n').map((l) => l.slice(Math.min(indent, l.length - l.trimStart().length))).join('\n').trimEnd();
      return { file, index: i + 1, text, firstLine: text.split('\n')[0] };
    });
  });
}

/** A string or a value computed when the block runs (e.g. the newest backup's name). */
export type Replacement = string | (() => string);

export interface RunOptions {
  /** @default the repository root */
  readonly cwd?: string;
  /** Replacements for this block only, applied before the common ones. */
  readonly replace?: readonly [string | RegExp, Replacement][];
  readonly env?: Record<string, string>;
  /** stdin of the block. */
  readonly input?: string;
}

/**
 * Runs the guides' commands as a reader would on their machine: bash with HOME in a temp
 * directory, `ssh`/`scp` resolving the guides' example address 203.0.113.10 to the test
 * server (an SSH config given by a PATH shim; the commands stay as written), and a few
 * documented replacements (the example tags, the registry). Every block is either run or
 * skipped with a reason; `unaccounted` lists the others.
 */
export class GuideRunner {
  public readonly home: string;
  private readonly shimDir: string;
  private readonly sshConfig: string;
  private readonly accounted = new Map<string, string>();

  constructor(
    private readonly blocks: readonly GuideBlock[],
    work: string,
    server: { host: string; port: number; rootKeyFile: string; knownHostsFile: string },
    private readonly common: readonly [string | RegExp, Replacement][],
  ) {
    this.home = join(work, 'home');
    this.shimDir = join(work, 'bin');
    this.sshConfig = join(work, 'ssh_config');
    mkdirSync(join(this.home, '.ssh'), { recursive: true, mode: 0o700 });
    mkdirSync(this.shimDir, { recursive: true });
    writeFileSync(this.sshConfig, [
      `Host ${EXAMPLE_SERVER}`,
      `  HostName ${server.host}`,
      `  Port ${server.port}`,
      `  IdentityFile ${server.rootKeyFile}`,
      `  UserKnownHostsFile ${server.knownHostsFile}`,
      '  StrictHostKeyChecking yes',
      'Host *',
      '  BatchMode yes',
      '',
    ].join('\n'));
    for (const tool of ['ssh', 'scp']) {
      writeFileSync(join(this.shimDir, tool), `#!/bin/sh\nexec /usr/bin/${tool} -F "${this.sshConfig}" "$@"\n`);
      chmodSync(join(this.shimDir, tool), 0o755);
    }
  }

  /** The block of `file` that starts with `start`: the only one, else the one that is exactly `start`. */
  public block(file: string, start: string): GuideBlock {
    let found = this.blocks.filter((b) => b.file === file && b.text.trimStart().startsWith(start));
    if (found.length > 1) found = found.filter((b) => b.text.trim() === start.trim());
    if (found.length !== 1) throw new Error(`${file}: ${found.length} shell blocks start with "${start}" (the guide changed?)`);
    return found[0];
  }

  /** Marks a block as not run here, with the reason. */
  public skip(file: string, start: string, reason: string): void {
    const b = this.block(file, start);
    this.accounted.set(key(b), `skipped: ${reason}`);
  }

  /** The block as written (after the replacements), run by bash on "your machine". */
  public run(file: string, start: string, opts: RunOptions = {}): Promise<ExecResult> {
    const b = this.block(file, start);
    this.accounted.set(key(b), 'run');
    return execResult('bash', ['-euo', 'pipefail', '-c', this.substitute(b.text, opts.replace)], {
      cwd: opts.cwd ?? REPO_ROOT,
      env: this.env(opts.env),
      input: opts.input,
    });
  }

  /**
   * A block that starts by logging in (`ssh … user@203.0.113.10` without a command) and goes
   * on with lines typed on the server: the login's options, then the rest as its script.
   * `typed` replaces lines only a person at a terminal runs (an editor).
   */
  public session(file: string, start: string, opts: RunOptions & { typed?: Record<string, string> } = {}): Promise<ExecResult> {
    const b = this.block(file, start);
    this.accounted.set(key(b), 'run');
    const [login, ...typed] = this.substitute(b.text, opts.replace).split('\n');
    if (!/^ssh .*\S+@\S+\s*$/.test(login)) throw new Error(`${file}: "${login}" is not a login`);
    const script = typed.map((line) => opts.typed?.[line.trim()] ?? line).join('\n');
    return execResult('bash', ['-euo', 'pipefail', '-c', `${login} 'bash -se'`], { cwd: REPO_ROOT, env: this.env(opts.env), input: `set -euo pipefail\n${script}\n` });
  }

  /** Lines of a block to run on the server as `user` in `dir` ("on the server, in the deploy directory"). */
  public onServer(file: string, start: string, login: { user: string; key: string; dir: string }, opts: RunOptions = {}): Promise<ExecResult> {
    const b = this.block(file, start);
    this.accounted.set(key(b), 'run');
    const script = `set -euo pipefail\ncd ${login.dir}\n${this.substitute(b.text, opts.replace)}\n`;
    return execResult('ssh', ['-i', login.key, `${login.user}@${EXAMPLE_SERVER}`, 'bash -se'], { env: this.env(opts.env), input: script });
  }

  /** Blocks neither run nor skipped: a new command in a guide needs a decision here. */
  public unaccounted(): string[] {
    return this.blocks.filter((b) => !this.accounted.has(key(b))).map((b) => `${b.file} #${b.index}: ${b.firstLine}`);
  }

  /** What happened to each block, for the test's log. */
  public report(): string[] {
    return this.blocks.map((b) => `${b.file} #${b.index} ${this.accounted.get(key(b)) ?? 'NOT ACCOUNTED'}: ${b.firstLine.trim()}`);
  }

  private env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
    return { ...process.env, HOME: this.home, PATH: `${this.shimDir}:${process.env.PATH}`, ...extra };
  }

  private substitute(text: string, local: readonly [string | RegExp, Replacement][] = []): string {
    let out = text;
    for (const [from, to] of [...local, ...this.common]) {
      const value = typeof to === 'function' ? to() : to;
      out = typeof from === 'string' ? out.split(from).join(value) : out.replace(from, value);
    }
    return out;
  }
}

/** The documentation address (RFC 5737) the guides use for the server. */
export const EXAMPLE_SERVER = '203.0.113.10';

function key(b: GuideBlock): string {
  return `${b.file}#${b.index}`;
}
