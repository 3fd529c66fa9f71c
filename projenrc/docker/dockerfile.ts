import { IConstruct } from 'constructs';
import { FileBase, IResolver } from 'projen';

/** A BuildKit cache mount for RUN, e.g. the npm cache. */
export interface CacheMount {
  readonly target: string;
  readonly id?: string;
  readonly sharing?: 'shared' | 'private' | 'locked';
}

export interface HealthCheckInstruction {
  /** Exec form only: the image must contain the program (no curl in slim images). */
  readonly test: string[];
  readonly intervalSeconds: number;
  readonly timeoutSeconds: number;
  readonly startPeriodSeconds: number;
  readonly retries: number;
}

export type Instruction =
  | { readonly kind: 'ARG'; readonly name: string; readonly default?: string }
  | { readonly kind: 'ENV'; readonly vars: Record<string, string> }
  | { readonly kind: 'WORKDIR'; readonly path: string }
  | { readonly kind: 'COPY'; readonly sources: string[]; readonly dest: string; readonly from?: string; readonly chown?: string }
  | { readonly kind: 'RUN'; readonly command: string; readonly mounts?: CacheMount[] }
  | { readonly kind: 'USER'; readonly user: string }
  | { readonly kind: 'EXPOSE'; readonly port: number }
  | { readonly kind: 'LABEL'; readonly labels: Record<string, string> }
  | { readonly kind: 'STOPSIGNAL'; readonly signal: string }
  | { readonly kind: 'HEALTHCHECK'; readonly check: HealthCheckInstruction }
  | { readonly kind: 'ENTRYPOINT'; readonly args: string[] }
  | { readonly kind: 'CMD'; readonly args: string[] }
  | { readonly kind: 'COMMENT'; readonly text: string };

/**
 * A base image named by a build argument declared before the first FROM; its default is the
 * pinned reference. Builds that pass nothing get the default; a test on a machine whose
 * engine holds stand-ins under the official tags passes the tag instead (`--build-arg`).
 */
export interface BaseImageArgument {
  /** The build argument, e.g. `NODE_IMAGE`. */
  readonly arg: string;
  /** `name:tag@sha256:<64 hex>`. */
  readonly default: string;
}

export interface StageOptions {
  /**
   * Platform the stage runs on, e.g. `$BUILDPLATFORM` for stages whose output does not
   * depend on the CPU (so a multi-platform build runs them natively, not under emulation).
   * @default the target platform
   */
  readonly platform?: string;
}

/** `name:tag@sha256:<64 hex>`: a tag for people, a digest for the builder. */
export const PINNED_IMAGE = /^[a-z0-9][a-z0-9._/-]*:[\w][\w.-]{0,127}@sha256:[0-9a-f]{64}$/;

/** One `FROM ... AS name` stage with a fluent, typed instruction API. */
export class DockerfileStage {
  public readonly instructions: Instruction[] = [];
  /** An earlier stage's name, an image reference, or a base image argument. */
  public readonly from: string;
  public readonly baseImageArgument?: BaseImageArgument;
  public readonly platform?: string;
  constructor(public readonly name: string, from: string | BaseImageArgument, options: StageOptions = {}) {
    this.from = typeof from === 'string' ? from : from.default;
    this.baseImageArgument = typeof from === 'string' ? undefined : from;
    this.platform = options.platform;
  }

  public comment(text: string): this { return this.add({ kind: 'COMMENT', text }); }
  public arg(name: string, def?: string): this { return this.add({ kind: 'ARG', name, default: def }); }
  public env(vars: Record<string, string>): this { return this.add({ kind: 'ENV', vars }); }
  public workdir(path: string): this { return this.add({ kind: 'WORKDIR', path }); }
  public copy(sources: string | string[], dest: string, opts: { from?: DockerfileStage | string; chown?: string } = {}): this {
    const from = typeof opts.from === 'string' ? opts.from : opts.from?.name;
    return this.add({ kind: 'COPY', sources: ([] as string[]).concat(sources), dest, from, chown: opts.chown });
  }
  public run(command: string, mounts?: CacheMount[]): this { return this.add({ kind: 'RUN', command, mounts }); }
  public user(user: string): this { return this.add({ kind: 'USER', user }); }
  public expose(port: number): this { return this.add({ kind: 'EXPOSE', port }); }
  public label(labels: Record<string, string>): this { return this.add({ kind: 'LABEL', labels }); }
  public stopSignal(signal: string): this { return this.add({ kind: 'STOPSIGNAL', signal }); }
  public healthCheck(check: HealthCheckInstruction): this { return this.add({ kind: 'HEALTHCHECK', check }); }
  public entrypoint(args: string[]): this { return this.add({ kind: 'ENTRYPOINT', args }); }
  public cmd(args: string[]): this { return this.add({ kind: 'CMD', args }); }

  private add(i: Instruction): this {
    this.instructions.push(i);
    return this;
  }
}

export interface DockerfileProps {
  /** First lines of the file, e.g. what the image is for. */
  readonly description: string;
}

/**
 * A multi-stage Dockerfile whose text is rendered deterministically from typed stages.
 * Checked at synth: stage names unique, `COPY --from` names an earlier stage, base images
 * carry an explicit tag other than `latest`, the final stage runs as a non-root USER and
 * has an exec-form CMD.
 */
export class Dockerfile extends FileBase {
  public readonly stages: DockerfileStage[] = [];
  private readonly description: string;

  constructor(scope: IConstruct, filePath: string, props: DockerfileProps) {
    super(scope, filePath, { committed: true, marker: true, readonly: true });
    this.description = props.description;
    this.node.addValidation({ validate: () => this.problems() });
  }

  public addStage(name: string, from: string | DockerfileStage | BaseImageArgument, options: StageOptions = {}): DockerfileStage {
    const stage = new DockerfileStage(name, from instanceof DockerfileStage ? from.name : from, options);
    this.stages.push(stage);
    return stage;
  }

  /** The base image arguments of the stages, each once, in order of first use. */
  public get baseImageArguments(): BaseImageArgument[] {
    const out = new Map<string, BaseImageArgument>();
    for (const s of this.stages) if (s.baseImageArgument && !out.has(s.baseImageArgument.arg)) out.set(s.baseImageArgument.arg, s.baseImageArgument);
    return [...out.values()];
  }

  /** Problems found in the model; empty when the Dockerfile is sound. */
  private problems(): string[] {
    const out: string[] = [];
    const seen = new Set<string>();
    const defaults = new Map<string, string>();
    for (const a of this.stages.flatMap((s) => (s.baseImageArgument ? [s.baseImageArgument] : []))) {
      const other = defaults.get(a.arg);
      if (other !== undefined && other !== a.default) out.push(`base image argument ${a.arg} has two defaults: '${other}' and '${a.default}'`);
      defaults.set(a.arg, a.default);
    }
    for (const stage of this.stages) {
      if (seen.has(stage.name)) out.push(`stage '${stage.name}' is defined twice`);
      if (!seen.has(stage.from) && !PINNED_IMAGE.test(stage.from)) {
        out.push(`stage '${stage.name}' uses base image '${stage.from}' without a tag and a digest (pin it as name:tag@sha256:<digest>)`);
      } else if (PINNED_IMAGE.test(stage.from) && /:latest@/.test(stage.from)) {
        out.push(`stage '${stage.name}' uses base image '${stage.from}': name a release tag, not latest`);
      }
      for (const i of stage.instructions) {
        if (i.kind === 'COPY' && i.from && !seen.has(i.from)) {
          out.push(`stage '${stage.name}' copies from '${i.from}', which is not an earlier stage`);
        }
      }
      seen.add(stage.name);
    }
    const last = this.stages[this.stages.length - 1];
    if (!last) return ['has no stages'];
    const users = last.instructions.filter((i) => i.kind === 'USER');
    const finalUser = users.length ? (users[users.length - 1] as { user: string }).user : 'root';
    if (['root', '0', '0:0'].includes(finalUser)) out.push(`final stage '${last.name}' must switch to a non-root USER`);
    if (!last.instructions.some((i) => i.kind === 'CMD' || i.kind === 'ENTRYPOINT')) {
      out.push(`final stage '${last.name}' has no CMD`);
    }
    return out;
  }

  protected synthesizeContent(_resolver: IResolver): string | undefined {
    const lines: string[] = [`# ${this.marker}`];
    for (const line of this.description.split('\n')) lines.push(`# ${line}`.trimEnd());
    const args = this.baseImageArguments;
    if (args.length) {
      lines.push('', '# Base images, pinned by digest. Production builds never set these; a test against local', '# stand-ins of the official images passes the tag alone (--build-arg NAME=name:tag).');
      for (const a of args) lines.push(`ARG ${a.arg}=${a.default}`);
    }
    for (const stage of this.stages) {
      const platform = stage.platform ? `--platform=${stage.platform} ` : '';
      const from = stage.baseImageArgument ? `\${${stage.baseImageArgument.arg}}` : stage.from;
      lines.push('', `FROM ${platform}${from} AS ${stage.name}`);
      for (const i of stage.instructions) lines.push(...renderInstruction(i));
    }
    return lines.join('\n') + '\n';
  }
}

function json(args: string[]): string {
  return JSON.stringify(args);
}

function renderInstruction(i: Instruction): string[] {
  switch (i.kind) {
    case 'COMMENT':
      return i.text.split('\n').map((l) => `# ${l}`.trimEnd());
    case 'ARG':
      return [i.default !== undefined ? `ARG ${i.name}=${i.default}` : `ARG ${i.name}`];
    case 'ENV':
      return [`ENV ${Object.entries(i.vars).map(([k, v]) => `${k}=${quoteIfNeeded(v)}`).join(' \\\n    ')}`];
    case 'LABEL':
      return [`LABEL ${Object.entries(i.labels).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(' \\\n      ')}`];
    case 'WORKDIR':
      return [`WORKDIR ${i.path}`];
    case 'COPY': {
      const flags = [i.from ? `--from=${i.from}` : '', i.chown ? `--chown=${i.chown}` : ''].filter(Boolean);
      return [['COPY', ...flags, ...i.sources, i.dest].join(' ')];
    }
    case 'RUN': {
      const mounts = (i.mounts ?? []).map((m) =>
        `--mount=type=cache,target=${m.target}${m.id ? `,id=${m.id}` : ''}${m.sharing ? `,sharing=${m.sharing}` : ''}`);
      const body = i.command.trim().split('\n').map((l) => l.trim()).join(' \\\n    ');
      return [['RUN', ...mounts, body].join(' ')];
    }
    case 'USER':
      return [`USER ${i.user}`];
    case 'EXPOSE':
      return [`EXPOSE ${i.port}`];
    case 'STOPSIGNAL':
      return [`STOPSIGNAL ${i.signal}`];
    case 'HEALTHCHECK': {
      const c = i.check;
      return [`HEALTHCHECK --interval=${c.intervalSeconds}s --timeout=${c.timeoutSeconds}s --start-period=${c.startPeriodSeconds}s --retries=${c.retries} \\`,
        `  CMD ${json(c.test)}`];
    }
    case 'ENTRYPOINT':
      return [`ENTRYPOINT ${json(i.args)}`];
    case 'CMD':
      return [`CMD ${json(i.args)}`];
  }
}

function quoteIfNeeded(v: string): string {
  return /^[\w./:@,+-]*$/.test(v) && v !== '' ? v : JSON.stringify(v);
}
