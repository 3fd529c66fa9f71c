import { Construct } from 'constructs';
import { EnvVar, envVar, isDnsName, referencedVariables, variableProblems } from './env';
import { HealthCheck, healthCheckProblems, ResolvedHealthCheck, resolveHealthCheck } from './health-check';
import { Image } from './image';
import { MetricsEndpoint, metricsEndpointProblems } from './metrics';
import { ALL_RENDERINGS, Rendering } from './rendering';

/** `started`: the container runs; `healthy`: its health check passes; `completed`: a one-shot exited 0. */
export type DependencyCondition = 'started' | 'healthy' | 'completed';
export type RestartPolicy = 'no' | 'on-failure' | 'unless-stopped' | 'always';

export interface Dependency {
  readonly service: Service;
  readonly condition: DependencyCondition;
}

/** A host port mapping whose host side is configurable by a variable. */
export interface PublishedPortProps {
  /** Variable naming the host port, e.g. `API_PORT`. */
  readonly variable: string;
  readonly defaultHostPort: number;
  /** @default loopback (127.0.0.1) in dev, every interface in prod */
  readonly hostIp?: string;
  /** Renderings that publish the port. @default every rendering */
  readonly renderings?: readonly Rendering[];
}

/** A published port, resolved: its variable is declared (with the default host port) like any other. */
export interface PublishedPort {
  readonly variable: EnvVar;
  readonly defaultHostPort: number;
  readonly hostIp?: string;
  readonly renderings: readonly Rendering[];
}

/** Where the edge proxy serves a service to the internet. */
export interface PublicRoute {
  /** Production host name (a required variable the operator sets, e.g. `DASHBOARD_HOST`). */
  readonly host: EnvVar;
  /** Only requests under this path go to the service, e.g. `/telegram/`. @default every path the host has left */
  readonly pathPrefix?: string;
  /**
   * A variable that holds this route's public URL when set (e.g. TELEGRAM_WEBHOOK_URL): a
   * deploy refuses a value the proxy would not route here. @default none
   */
  readonly urlVariable?: EnvVar;
  /**
   * Webhook posts (Telegram's updates): small POSTs that must reach a running copy while copies
   * start and stop. The proxy retries a request on another copy only when the connection could
   * not be made (any other failure only for GET), and Caddy 2.6 cannot send a retried body it
   * did not buffer (502 "invalid Read on closed Body"). So each post is buffered (its body
   * capped at 1 MB) and sent on a new connection: a copy that is not listening yet, or no longer
   * (it stops accepting on SIGTERM), refuses it, and the post goes to another copy. @default false
   */
  readonly webhook?: boolean;
}

/** In `env`: the service's own port, as a string (e.g. `PORT: SERVICE_PORT`). */
export const SERVICE_PORT: unique symbol = Symbol('the service port');

/** In `env`: the port of the service's metrics endpoint, as a string (e.g. `METRICS_PORT: SERVICE_METRICS_PORT`). */
export const SERVICE_METRICS_PORT: unique symbol = Symbol('the service metrics port');

/** A value in a service's environment: a declared variable passed through under its own name, a fixed string (may splice `${NAME}` of declared variables), or the service's (metrics) port. */
export type EnvValue = EnvVar | string | typeof SERVICE_PORT | typeof SERVICE_METRICS_PORT;

export interface ServiceProps {
  readonly description: string;
  readonly image: Image;
  /** Overrides the image's CMD (exec form). @default the image's CMD */
  readonly command?: readonly string[];
  /** Port the process listens on inside the container. @default the image's port (long-running services) */
  readonly port?: number;
  /** @default not published */
  readonly publish?: PublishedPortProps;
  /** Served to the internet by the edge proxy on this host (and path). @default not public */
  readonly public?: PublicRoute;
  /** @default the image's health check (long-running services) */
  readonly healthCheck?: HealthCheck;
  /** @default the image's readiness check, else the health check */
  readonly readinessCheck?: HealthCheck;
  /** @default none */
  readonly dependsOn?: readonly Dependency[];
  /** What the process reads. @default nothing */
  readonly env?: Readonly<Record<string, EnvValue>>;
  /**
   * Variables the container receives only to keep a copy of the env file (the backup
   * service): in its environment, but not counted as read by it (docs, `uses`). @default none
   */
  readonly carries?: readonly EnvVar[];
  /** @default none */
  readonly volumes?: readonly { readonly volume: string; readonly target: string }[];
  /** Runs to completion once (migrations); must not restart. @default false */
  readonly oneShot?: boolean;
  /** @default 'no' for one-shot services, else 'unless-stopped' */
  readonly restart?: RestartPolicy;
  /** Compose profiles; a profiled service starts only when its profile is enabled. @default none */
  readonly profiles?: readonly string[];
  /** @default every rendering */
  readonly renderings?: readonly Rendering[];
  /** Limits in production. @default none */
  readonly resources?: { readonly memoryMb: number; readonly cpus: number };
  /** Seconds compose waits after SIGTERM before SIGKILL. @default compose's own (10) */
  readonly stopGracePeriodSeconds?: number;
}

/** What a service needs to know of the stack it belongs to. */
export interface ServiceScope extends Construct {
  /** True when `name` is declared (by the stack, or passed through by some service). */
  isDeclared(name: string): boolean;
}

/**
 * One container of the stack. Its id is the compose service name and its DNS name. Every
 * default is resolved once, here: renderers read the readonly fields, never the props.
 */
export class Service extends Construct {
  public readonly name: string;
  public readonly description: string;
  public readonly image: Image;
  public readonly command?: readonly string[];
  public readonly port?: number;
  public readonly publish?: PublishedPort;
  public readonly healthCheck?: ResolvedHealthCheck;
  /** May the service take traffic now? The health check unless one is declared. */
  public readonly readinessCheck?: ResolvedHealthCheck;
  public readonly publicRoute?: PublicRoute;
  /** Where Prometheus scrapes the service (its image's endpoint; one-shot runs have none). */
  public readonly metrics?: MetricsEndpoint;
  public readonly dependsOn: readonly Dependency[];
  /** Each variable the process reads: a declared variable (passed through) or a fixed value. */
  public readonly env: Readonly<Record<string, EnvVar | string>>;
  /** Names in `env` that are only carried (see ServiceProps.carries). */
  public readonly carried: ReadonlySet<string>;
  public readonly volumes: readonly { readonly volume: string; readonly target: string }[];
  public readonly oneShot: boolean;
  public readonly restart: RestartPolicy;
  public readonly profiles: readonly string[];
  public readonly renderings: readonly Rendering[];
  public readonly resources?: { readonly memoryMb: number; readonly cpus: number };
  public readonly stopGracePeriodSeconds?: number;

  constructor(scope: ServiceScope, name: string, props: ServiceProps) {
    super(scope, name);
    this.name = name;
    this.description = props.description;
    this.image = props.image;
    this.command = props.command;
    this.oneShot = props.oneShot ?? false;
    // A one-shot run of a server image (migrations) neither listens nor is health checked.
    this.port = props.port ?? (this.oneShot ? undefined : props.image.port);
    const healthCheck = props.healthCheck ?? (this.oneShot ? undefined : props.image.healthCheckSpec);
    this.healthCheck = healthCheck && resolveHealthCheck(healthCheck, this.port);
    const readiness = props.readinessCheck ?? (this.oneShot ? undefined : props.image.readinessCheckSpec);
    this.readinessCheck = readiness ? resolveHealthCheck(readiness, this.port) : this.healthCheck;
    this.publicRoute = props.public;
    this.metrics = this.oneShot ? undefined : props.image.metrics;
    this.publish = props.publish && {
      variable: envVar(props.publish.variable, { description: `Host port of ${name}`, default: String(props.publish.defaultHostPort) }),
      defaultHostPort: props.publish.defaultHostPort,
      hostIp: props.publish.hostIp,
      renderings: props.publish.renderings ?? ALL_RENDERINGS,
    };
    this.dependsOn = props.dependsOn ?? [];
    const resolve = (value: EnvValue) =>
      (value === SERVICE_PORT ? String(this.port) : value === SERVICE_METRICS_PORT ? String(this.metrics?.port) : value);
    const carried = (props.carries ?? []).filter((v) => !(v.name in (props.env ?? {})));
    this.carried = new Set(carried.map((v) => v.name));
    this.env = Object.fromEntries([
      ...Object.entries(props.env ?? {}).map(([key, value]) => [key, resolve(value)]),
      ...carried.map((v) => [v.name, v]),
    ]);
    this.volumes = props.volumes ?? [];
    this.restart = props.restart ?? (this.oneShot ? 'no' : 'unless-stopped');
    this.profiles = props.profiles ?? [];
    this.renderings = props.renderings ?? ALL_RENDERINGS;
    this.resources = props.resources;
    this.stopGracePeriodSeconds = props.stopGracePeriodSeconds;

    this.node.addValidation({ validate: () => this.problems(scope, props) });
  }

  public in(rendering: Rendering): boolean { return this.renderings.includes(rendering); }

  /** The published port in this rendering, if any. */
  public publishedIn(rendering: Rendering): PublishedPort | undefined {
    return this.publish?.renderings.includes(rendering) ? this.publish : undefined;
  }

  /** Variables passed through under their own names. */
  public get passThrough(): EnvVar[] {
    return Object.values(this.env).filter((v): v is EnvVar => typeof v !== 'string');
  }

  /** Reachable from the internet through the edge. */
  public get isPublic(): boolean {
    return this.publicRoute !== undefined;
  }

  /** Services whose address this service's environment names: the ones it connects to. */
  public connectsTo(other: Service): boolean {
    return other !== this && Object.values(this.env).some((x) => typeof x === 'string' && namesAddress(x, other));
  }

  /** Names of the variables this service's process reads. */
  public get reads(): string[] {
    return Object.keys(this.env);
  }

  /** True when the process reads `v`, passed through or spliced into a fixed value (a carried copy is not a use). */
  public uses(v: EnvVar): boolean {
    return Object.entries(this.env).some(([key, x]) => !this.carried.has(key)
      && (typeof x === 'string' ? referencedVariables(x).includes(v.name) : x.name === v.name));
  }

  /** `host:port` on the stack's network. */
  public get address(): string {
    return `${this.name}:${this.port}`;
  }

  /** `http://host:port` on the stack's network. */
  public get url(): string {
    return `http://${this.address}`;
  }

  private problems(scope: ServiceScope, props: ServiceProps): string[] {
    const out: string[] = [];
    for (const d of this.dependsOn) {
      const target = d.service.name;
      if (d.service.node.scope !== this.node.scope) out.push(`depends on '${target}', a service of another stack`);
      if (d.condition === 'healthy' && !d.service.healthCheck) out.push(`waits for '${target}' to be healthy, but '${target}' has no health check`);
      if (d.condition === 'completed' && !d.service.oneShot) out.push(`waits for '${target}' to complete, but '${target}' is not a one-shot service`);
    }
    for (const [key, value] of Object.entries(this.env)) {
      if (typeof value !== 'string') continue;
      for (const name of referencedVariables(value)) {
        if (!scope.isDeclared(name)) out.push(`${key} reads variable '${name}', which is not declared`);
      }
    }
    if (Object.values(props.env ?? {}).includes(SERVICE_PORT) && this.port === undefined) out.push('reads SERVICE_PORT but has no port');
    if (Object.values(props.env ?? {}).includes(SERVICE_METRICS_PORT) && !this.metrics) out.push('reads SERVICE_METRICS_PORT but has no metrics endpoint');
    out.push(...this.passThrough.flatMap(variableProblems));
    if (healthCheckDeclared(this, props) && !this.healthCheck) out.push('has an HTTP health check but no port');
    for (const check of declaredChecks(this, props)) out.push(...healthCheckProblems(check));
    if (this.oneShot && this.restart !== 'no' && this.restart !== 'on-failure') {
      out.push(`is one-shot but has restart '${this.restart}' (use 'no' or 'on-failure')`);
    }
    out.push(...this.publicRouteProblems());
    // The image checks its own port; a service may listen elsewhere.
    if (this.metrics && this.port !== this.image.port) out.push(...metricsEndpointProblems(this.metrics, this.port));
    if (this.in('prod') && !this.image.published) {
      out.push(`is in the production compose file but image '${this.image.name}' is not published by the build workflow`);
    }
    return out;
  }

  private publicRouteProblems(): string[] {
    const route = this.publicRoute;
    if (!route) return [];
    const out: string[] = [];
    // The edge sends traffic only to copies that passed their check (readiness, the deploy switch).
    if (!this.healthCheck) out.push('is public but has no health check: nothing would keep traffic from a container that is not ready');
    if (this.port === undefined) out.push('is public but has no port for the proxy to reach');
    if (this.oneShot) out.push('is public but one-shot');
    const v = route.host;
    for (const [what, value] of [['default', v.default], ['example', v.example]] as const) {
      if (value !== undefined && !isDnsName(value)) out.push(`public host variable ${v.name} has ${what} '${value}', which is not a valid DNS name`);
    }
    if (v.secret) out.push(`public host variable ${v.name} must not be secret`);
    const url = route.urlVariable;
    if (url && !this.reads.includes(url.name)) out.push(`public URL variable ${url.name} is not read by '${this.name}'`);
    if (url?.example !== undefined && !url.example.startsWith('https://')) out.push(`public URL variable ${url.name} has example '${url.example}', which is not an https:// URL`);
    if (route.pathPrefix !== undefined && !/^\/([A-Za-z0-9._~-]+\/)+$/.test(route.pathPrefix)) {
      out.push(`public path prefix '${route.pathPrefix}' must start and end with / (e.g. /telegram/)`);
    }
    return out;
  }
}

/** Does a fixed value name the service's address (`host:port`, e.g. inside a URL)? */
export function namesAddress(value: string, target: Service): boolean {
  return target.port !== undefined && new RegExp(`(^|[^A-Za-z0-9.-])${target.name}:${target.port}(?![0-9])`).test(value);
}

/** The health and readiness checks the service uses, as declared (its own or its image's). */
function declaredChecks(service: Service, props: ServiceProps): HealthCheck[] {
  if (service.oneShot) return [props.healthCheck, props.readinessCheck].filter((c): c is HealthCheck => c !== undefined);
  return [props.healthCheck ?? props.image.healthCheckSpec, props.readinessCheck ?? props.image.readinessCheckSpec]
    .filter((c): c is HealthCheck => c !== undefined);
}

function healthCheckDeclared(service: Service, props: ServiceProps): boolean {
  return props.healthCheck !== undefined || (!service.oneShot && props.image.healthCheckSpec !== undefined);
}
