import { Construct } from 'constructs';
import { EnvVar } from './env';
import { HealthCheck } from './health-check';
import { Image } from './image';

export type DependencyCondition = 'service_started' | 'service_healthy' | 'service_completed_successfully';
export type RestartPolicy = 'no' | 'on-failure' | 'unless-stopped' | 'always';
/** Which compose rendering includes a service: `dev` builds from source, `prod` pulls images. */
export type Environment = 'dev' | 'prod';

export interface Dependency {
  /** Name of another service of the stack. */
  readonly service: string;
  readonly condition: DependencyCondition;
}

/** A host port mapping whose host side is configurable by a variable. */
export interface PublishedPort {
  /** Variable naming the host port, e.g. `API_PORT`. */
  readonly variable: string;
  readonly defaultHostPort: number;
  /** @default '127.0.0.1' in dev (loopback only), all interfaces in prod */
  readonly hostIp?: string;
  /** Renderings that publish the port. @default ['dev', 'prod'] */
  readonly environments?: Environment[];
}

export interface ServiceProps {
  readonly description: string;
  readonly image: Image;
  /** Overrides the image's CMD (exec form). */
  readonly command?: string[];
  /** Port the process listens on inside the container. */
  readonly port?: number;
  readonly publish?: PublishedPort;
  readonly healthCheck?: HealthCheck;
  readonly dependsOn?: Dependency[];
  /**
   * What the process reads. A declared variable passes through under its own name; a
   * string is a fixed value that may reference declared variables as `${NAME}`.
   */
  readonly environment?: Record<string, EnvVar | string>;
  readonly volumes?: { readonly volume: string; readonly target: string }[];
  /** Runs to completion once (migrations); must not restart. */
  readonly oneShot?: boolean;
  /** @default 'no' for one-shot services, else 'unless-stopped' */
  readonly restart?: RestartPolicy;
  /** Compose profiles; a profiled service starts only when its profile is enabled. */
  readonly profiles?: string[];
  /** @default ['dev', 'prod'] */
  readonly environments?: Environment[];
  /** Limits in production. */
  readonly resources?: { readonly memoryMb: number; readonly cpus: number };
  /** Seconds compose waits after SIGTERM before SIGKILL. @default 10 */
  readonly stopGracePeriodSeconds?: number;
}

/** One container of the stack. Its name is the compose service name and its DNS name. */
export class Service extends Construct {
  public readonly name: string;
  public readonly props: ServiceProps;

  constructor(scope: Construct, name: string, props: ServiceProps) {
    super(scope, name);
    this.name = name;
    this.props = props;
  }

  public get image(): Image { return this.props.image; }
  public get oneShot(): boolean { return this.props.oneShot ?? false; }
  public get restart(): RestartPolicy { return this.props.restart ?? (this.oneShot ? 'no' : 'unless-stopped'); }
  public get environments(): Environment[] { return this.props.environments ?? ['dev', 'prod']; }
  public get dependsOn(): Dependency[] { return this.props.dependsOn ?? []; }

  public in(env: Environment): boolean { return this.environments.includes(env); }

  /** Variables passed through under their own names. */
  public get passThrough(): EnvVar[] {
    return Object.values(this.props.environment ?? {}).filter((v): v is EnvVar => typeof v !== 'string');
  }

  /** Names of the variables this service's process reads. */
  public get reads(): string[] {
    return Object.keys(this.props.environment ?? {});
  }
}
