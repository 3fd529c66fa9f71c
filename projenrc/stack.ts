import { Component, Project } from 'projen';
import { EnvVar } from './env';
import { Image, ImageProps } from './image';
import { Environment, Service, ServiceProps } from './service';
import { validateStack } from './validation';

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
 * rendered from it, and it is validated before anything is written.
 */
export class Stack extends Component {
  public readonly name: string;
  public readonly registry: Required<RegistryProps>;
  private readonly _images: Image[] = [];
  private readonly _services: Service[] = [];
  private readonly _variables = new Map<string, EnvVar>();

  constructor(project: Project, props: StackProps) {
    super(project, 'Stack');
    this.name = props.name;
    this.registry = { host: 'ghcr.io', ...props.registry };
  }

  public get images(): readonly Image[] { return this._images; }
  public get services(): readonly Service[] { return this._services; }
  public get publishedImages(): Image[] { return this._images.filter((i) => i.published); }

  /** Declares a variable operators set in `.env` / `.env.production`. Returns it for wiring. */
  public variable(v: EnvVar): EnvVar {
    if (this._variables.has(v.name)) throw new Error(`Stack '${this.name}': variable '${v.name}' is declared twice`);
    this._variables.set(v.name, v);
    return v;
  }

  /** Every declared variable, including those only passed through by services, in declaration order. */
  public get variables(): EnvVar[] {
    return this.collectVariables(() => true);
  }

  /** The variables an operator sets for one rendering (dev `.env` or `.env.production`). */
  public variablesFor(env: Environment): EnvVar[] {
    return this.collectVariables((v) => (v.environments ?? ['dev', 'prod']).includes(env), env);
  }

  private collectVariables(keep: (v: EnvVar) => boolean, env?: Environment): EnvVar[] {
    const all = new Map<string, EnvVar>();
    const add = (v: EnvVar) => { if (keep(v) && !all.has(v.name)) all.set(v.name, v); };
    this._variables.forEach(add);
    for (const s of this._services.filter((x) => !env || x.in(env))) {
      s.passThrough.forEach(add);
      const p = s.props.publish;
      if (p && (!env || (p.environments ?? ['dev', 'prod']).includes(env))) {
        add({ name: p.variable, description: `Host port of ${s.name}`, default: String(p.defaultHostPort) });
      }
    }
    return [...all.values()];
  }

  public addImage(props: ImageProps): Image {
    const image = new Image(this, `image-${props.name}`, props);
    this._images.push(image);
    return image;
  }

  public addService(name: string, props: ServiceProps): Service {
    const service = new Service(this, name, props);
    this._services.push(service);
    return service;
  }

  public service(name: string): Service | undefined {
    return this._services.find((s) => s.name === name);
  }

  /** `ghcr.io/<owner>/<repo>` — the prefix every published image name starts with. */
  public get imagePrefix(): string {
    return `${this.registry.host}/${this.registry.owner}/${this.registry.repository}`;
  }

  /** The full name of a published image, without tag. */
  public imageRepository(image: Image): string {
    return `${this.imagePrefix}/${image.name}`;
  }

  public preSynthesize(): void {
    const problems = validateStack(this);
    if (problems.length) {
      throw new Error(`The stack model is invalid:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    }
  }
}
