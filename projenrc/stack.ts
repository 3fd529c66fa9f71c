import { Construct } from 'constructs';
import { Component, Project } from 'projen';
import { EnvVar, EnvVarProps, envVar, variableProblems } from './env';
import { Image, ImageProps } from './image';
import { Rendering } from './rendering';
import { Service, ServiceProps, ServiceScope } from './service';
import { validateTree } from './validation';

export interface RegistryProps {
  /** @default 'ghcr.io' */
  readonly host?: string;
  /** GitHub owner (user or organisation), lower case. */
  readonly owner: string;
  /** Repository name, lower case. */
  readonly repository: string;
}

export interface StackProps {
  /** Compose project name and network name. */
  readonly name: string;
  readonly registry: RegistryProps;
}

/**
 * The whole system in one model: images, services and the variables they read. Every
 * pipeline file (Dockerfiles, compose files, workflows, Makefile, env templates, docs) is
 * rendered from it. Before anything is written, every construct of the project is
 * validated in one pass and every problem reported at once (see validation.ts).
 */
export class Stack extends Component implements ServiceScope {
  public readonly name: string;
  public readonly registry: Required<RegistryProps>;
  private readonly _images: Image[] = [];
  private readonly _services: Service[] = [];
  private readonly _variables = new Map<string, EnvVar>();
  /** Images get their own scope: an image and a service may share a name (postgres). */
  private readonly imageScope: Construct;

  constructor(project: Project, id: string, props: StackProps) {
    super(project, id);
    this.imageScope = new Construct(this, 'Images');
    this.name = props.name;
    this.registry = { host: 'ghcr.io', ...props.registry };
    this.node.addValidation({ validate: () => this.problems() });
  }

  public get images(): readonly Image[] { return this._images; }
  public get services(): readonly Service[] { return this._services; }
  public get publishedImages(): Image[] { return this._images.filter((i) => i.published); }

  /** Declares a variable operators set in `.env` / `.env.production` that no service passes through under its own name. */
  public addVariable(name: string, props: EnvVarProps): EnvVar {
    if (this._variables.has(name)) throw new Error(`${this.node.path}: variable '${name}' is declared twice`);
    const v = envVar(name, props);
    this._variables.set(name, v);
    return v;
  }

  /** Declares a variable made elsewhere (e.g. a public host name the edge reads); a no-op when it is already declared. */
  public declare(v: EnvVar): EnvVar {
    const known = this._variables.get(v.name);
    if (known && known !== v) throw new Error(`${this.node.path}: variable '${v.name}' is declared twice, differently`);
    this._variables.set(v.name, v);
    return v;
  }

  /** Every declared variable, including those only passed through by services, in declaration order. */
  public get variables(): EnvVar[] {
    return this.collectVariables();
  }

  /** The variables an operator sets for one rendering (dev `.env` or `.env.production`). */
  public variablesFor(rendering: Rendering): EnvVar[] {
    return this.collectVariables(rendering);
  }

  public isDeclared(name: string): boolean {
    return this.variables.some((v) => v.name === name);
  }

  public addImage(name: string, props: ImageProps): Image {
    const image = new Image(this.imageScope, name, props);
    this._images.push(image);
    return image;
  }

  public addService(name: string, props: ServiceProps): Service {
    const service = new Service(this, name, props);
    this._services.push(service);
    return service;
  }

  /** `ghcr.io/<owner>/<repo>` — the prefix every published image name starts with. */
  public get imagePrefix(): string {
    return `${this.registry.host}/${this.registry.owner}/${this.registry.repository}`;
  }

  public preSynthesize(): void {
    validateTree(this.project);
  }

  private collectVariables(rendering?: Rendering): EnvVar[] {
    const keep = (v: EnvVar) => !rendering || v.renderings.includes(rendering);
    const all = new Map<string, EnvVar>();
    const add = (v: EnvVar) => { if (keep(v) && !all.has(v.name)) all.set(v.name, v); };
    this._variables.forEach(add);
    for (const s of this._services.filter((x) => !rendering || x.in(rendering))) {
      s.passThrough.forEach(add);
      const published = rendering ? s.publishedIn(rendering) : s.publish;
      if (published) add(published.variable);
    }
    return [...all.values()];
  }

  /**
   * Problems between services (each service checks itself) and with the stack's own
   * variables. Dependencies cannot form a cycle: a service can only name services that exist.
   */
  private problems(): string[] {
    return [...hostPortClashes(this._services), ...[...this._variables.values()].flatMap(variableProblems)];
  }
}

function hostPortClashes(services: readonly Service[]): string[] {
  const byPort = new Map<number, string>();
  const byVariable = new Map<string, string>();
  const out: string[] = [];
  for (const s of services) {
    const p = s.publish;
    if (!p) continue;
    const samePort = byPort.get(p.defaultHostPort);
    if (samePort) out.push(`service '${s.name}' publishes host port ${p.defaultHostPort}, which '${samePort}' already publishes`);
    const sameVariable = byVariable.get(p.variable.name);
    if (sameVariable) out.push(`service '${s.name}' publishes on ${p.variable.name}, which '${sameVariable}' already uses`);
    byPort.set(p.defaultHostPort, s.name);
    byVariable.set(p.variable.name, s.name);
  }
  return out;
}
