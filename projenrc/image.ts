import { Construct } from 'constructs';
import { Dockerfile } from './docker/dockerfile';
import { Dockerignore } from './docker/dockerignore';
import { HealthCheck, ResolvedHealthCheck, resolveHealthCheck } from './health-check';
import { MetricsEndpoint, MetricsEndpointProps, metricsEndpointProblems, resolveMetricsEndpoint } from './metrics';

export interface ImageProps {
  readonly description: string;
  /**
   * Published to the registry by the build workflow and used by the production compose
   * file. Local-only images (demo fakes) are not.
   * @default true
   */
  readonly published?: boolean;
  /** Paths (relative to the repository root) the build context needs; everything else is ignored. */
  readonly context: readonly string[];
  /** Port the image's process listens on. Services of the image inherit it. @default none */
  readonly port?: number;
  /** Liveness check (HTTP checks use `port`). Long-running services of the image inherit it. @default none */
  readonly healthCheck?: HealthCheck;
  /**
   * Readiness check: may the process take traffic now (its dependencies answer)? Orchestrators
   * that route by readiness (Kubernetes) use it; the liveness check stays the restart signal.
   * @default the health check
   */
  readonly readinessCheck?: HealthCheck;
  /** Numeric id of the image's non-root user: Kubernetes can only prove non-root by number. @default none (root) */
  readonly uid?: number;
  /**
   * Paths the process writes at run time; everything else can be mounted read-only (each gets
   * an empty writable directory, e.g. an emptyDir). @default none: the root filesystem may be read-only
   */
  readonly writablePaths?: readonly string[];
  /** Prometheus metrics on a port of their own. Long-running services of the image inherit it. @default none */
  readonly metrics?: MetricsEndpointProps;
  /** Fills the Dockerfile's stages; reads the image's port and health check from `image`. */
  readonly recipe: (dockerfile: Dockerfile, image: Image) => void;
}

/** An image built from `devops/Dockerfile.<name>` with its own `.dockerignore`. Its id is its short name. */
export class Image extends Construct {
  /** Short name: `bot` → devops/Dockerfile.bot, ghcr.io/<owner>/<repo>/bot. */
  public readonly name: string;
  public readonly description: string;
  public readonly published: boolean;
  public readonly port?: number;
  /** The health check as declared: services of the image bind it to their own port. */
  public readonly healthCheckSpec?: HealthCheck;
  /** The health check bound to the image's port: the Dockerfile's HEALTHCHECK. */
  public readonly healthCheck?: ResolvedHealthCheck;
  /** The readiness check as declared (services bind it to their port); undefined when it is the health check. */
  public readonly readinessCheckSpec?: HealthCheck;
  public readonly uid?: number;
  public readonly writablePaths: readonly string[];
  public readonly metrics?: MetricsEndpoint;
  public readonly dockerfile: Dockerfile;

  constructor(scope: Construct, name: string, props: ImageProps) {
    super(scope, name);
    this.name = name;
    this.description = props.description;
    this.published = props.published ?? true;
    this.port = props.port;
    this.healthCheckSpec = props.healthCheck;
    this.healthCheck = props.healthCheck && resolveHealthCheck(props.healthCheck, props.port);
    this.readinessCheckSpec = props.readinessCheck;
    this.uid = props.uid;
    this.writablePaths = props.writablePaths ?? [];
    this.metrics = props.metrics && resolveMetricsEndpoint(props.metrics);
    this.dockerfile = new Dockerfile(this, `devops/Dockerfile.${name}`, { description: props.description });
    props.recipe(this.dockerfile, this);
    new Dockerignore(this, `${this.dockerfile.path}.dockerignore`, { include: props.context });
    this.node.addValidation({
      validate: () => [
        ...(props.healthCheck && !this.healthCheck ? ['has an HTTP health check but no port'] : []),
        ...(props.readinessCheck && !props.healthCheck ? ['has a readiness check but no health check (liveness)'] : []),
        ...(this.uid === 0 ? ['runs as uid 0 (root); give the non-root user\'s uid'] : []),
        ...this.writablePaths.filter((p) => !p.startsWith('/')).map((p) => `writable path '${p}' must be absolute`),
        ...(this.metrics ? metricsEndpointProblems(this.metrics, this.port) : []),
      ],
    });
  }
}
