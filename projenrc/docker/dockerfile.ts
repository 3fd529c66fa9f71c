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

/** One `FROM ... AS name` stage with a fluent, typed instruction API. */
export class DockerfileStage {
  public readonly instructions: Instruction[] = [];
  constructor(public readonly name: string, public readonly from: string) {}

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

  public addStage(name: string, from: string | DockerfileStage): DockerfileStage {
    const stage = new DockerfileStage(name, typeof from === 'string' ? from : from.name);
    this.stages.push(stage);
    return stage;
  }

  /** Problems found in the model; empty when the Dockerfile is sound. */
  private problems(): string[] {
    const out: string[] = [];
    const seen = new Set<string>();
    for (const stage of this.stages) {
      if (seen.has(stage.name)) out.push(`stage '${stage.name}' is defined twice`);
      if (!seen.has(stage.from)) {
        const tag = stage.from.includes(':') ? stage.from.slice(stage.from.lastIndexOf(':') + 1) : '';
        if (!tag || tag === 'latest') out.push(`stage '${stage.name}' uses base image '${stage.from}' without a pinned tag`);
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
    for (const stage of this.stages) {
      lines.push('', `FROM ${stage.from} AS ${stage.name}`);
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
