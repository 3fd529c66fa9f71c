import { Component } from 'projen';
import { ComposeDependency, ComposeFile, ComposeService } from './compose-file';
import { EnvVar, interpolate } from '../env';
import { Rendering } from '../rendering';
import { DependencyCondition, Service } from '../service';
import { Stack } from '../stack';

export interface StackComposeProps {
  readonly rendering: Rendering;
  /** @default 'docker-compose.yml' for dev, 'docker-compose.prod.yml' for prod */
  readonly filePath?: string;
  /** Comment lines at the top: what the file is for and how to use it. */
  readonly description: string;
}

/** What a pulling rendering reads to choose its images. */
export interface ImageVariables {
  /** The registry path of the images (default: the stack's). */
  readonly prefix: EnvVar;
  /** The tag every service runs; deploys set it. */
  readonly tag: EnvVar;
}

const COMPOSE_CONDITION: Record<DependencyCondition, ComposeDependency['condition']> = {
  started: 'service_started',
  healthy: 'service_healthy',
  completed: 'service_completed_successfully',
};

/**
 * Renders the stack into a compose file. `dev` builds every image from source and binds
 * published ports to loopback; `prod` pulls `${IMAGE_PREFIX}/<image>:${IMAGE_TAG}` and adds
 * resource limits. Both come from the same services, so they cannot drift apart. The prod
 * rendering owns the variables that choose its images and its project name.
 */
export class StackCompose extends Component {
  public readonly file: ComposeFile;
  public readonly rendering: Rendering;
  private readonly stack: Stack;
  private readonly images?: ImageVariables;

  constructor(stack: Stack, id: string, props: StackComposeProps) {
    super(stack, id);
    this.stack = stack;
    this.rendering = props.rendering;
    const prod = this.rendering === 'prod';
    this.file = new ComposeFile(this, props.filePath ?? (prod ? 'docker-compose.prod.yml' : 'docker-compose.yml'), {
      projectName: stack.name,
      description: props.description,
    });
    if (prod) {
      this.images = {
        prefix: stack.addVariable('IMAGE_PREFIX', { description: 'Registry path of the images', default: stack.imagePrefix, renderings: ['prod'] }),
        tag: stack.addVariable('IMAGE_TAG', { description: 'Image tag to run: latest, sha-<commit> or branch-<name>', default: 'latest', renderings: ['prod'] }),
      };
      stack.addVariable('COMPOSE_PROJECT_NAME', {
        description: 'Compose project name; give each deployment on one server its own (with its own host ports)',
        default: stack.name,
        renderings: ['prod'],
      });
    }
  }

  /** The variables that choose the pulled images (prod only: dev builds its images). */
  public get imageVariables(): ImageVariables {
    if (!this.images) throw new Error(`${this.node.path}: the ${this.rendering} rendering builds its images; it reads no image variables`);
    return this.images;
  }

  public preSynthesize(): void {
    this.file.addNetwork(this.stack.name);
    for (const s of this.stack.services.filter((x) => x.in(this.rendering))) {
      this.file.addService(s.name, this.render(s));
      for (const v of s.volumes) this.file.addVolume(v.volume);
    }
  }

  private render(s: Service): ComposeService {
    const prod = this.rendering === 'prod';
    const hc = s.healthCheck;
    const publish = s.publishedIn(this.rendering);
    const hostIp = publish?.hostIp ?? (prod ? undefined : '127.0.0.1');
    const dependsOn = s.dependsOn.filter((d) => d.service.in(this.rendering));
    const isNode = s.image.name !== 'postgres';

    return {
      ...(prod
        ? { image: `${interpolate(this.imageVariables.prefix)}/${s.image.name}:${interpolate(this.imageVariables.tag)}` }
        : { image: `${this.stack.name}/${s.image.name}:dev`, build: this.build(s) }),
      command: s.command && [...s.command],
      profiles: s.profiles.length ? [...s.profiles] : undefined,
      init: true,
      restart: s.restart,
      depends_on: dependsOn.length
        ? Object.fromEntries(dependsOn.map((d) => [d.service.name, { condition: COMPOSE_CONDITION[d.condition] }]))
        : undefined,
      environment: this.environment(s),
      ports: publish
        ? [`${hostIp ? `${hostIp}:` : ''}\${${publish.variable.name}:-${publish.defaultHostPort}}:${s.port}`]
        : undefined,
      volumes: s.volumes.length ? s.volumes.map((v) => `${v.volume}:${v.target}`) : undefined,
      // Node services need no privileges at all; postgres's entrypoint must switch users.
      cap_drop: isNode ? ['ALL'] : undefined,
      security_opt: ['no-new-privileges:true'],
      healthcheck: hc ? {
        // `$$` keeps `$VAR` for the container's shell instead of compose interpolation.
        test: ['CMD', ...hc.command.map((arg) => arg.replace(/\$/g, '$$$$'))],
        interval: `${hc.intervalSeconds}s`,
        timeout: `${hc.timeoutSeconds}s`,
        retries: hc.retries,
        start_period: `${hc.startPeriodSeconds}s`,
      } : s.oneShot ? { disable: true } : undefined,
      networks: [this.stack.name],
      logging: { driver: 'json-file', options: { 'max-size': prod ? '10m' : '5m', 'max-file': '3' } },
      deploy: prod && s.resources
        ? { resources: { limits: { cpus: String(s.resources.cpus), memory: `${s.resources.memoryMb}M` } } }
        : undefined,
      stop_grace_period: s.stopGracePeriodSeconds ? `${s.stopGracePeriodSeconds}s` : undefined,
    };
  }

  /**
   * Builds from the synthesized Dockerfile. Its base image arguments are listed without a
   * value: compose passes one only when the environment sets it (a test against local
   * stand-ins, see devops/stand-in-base-images.env); otherwise the pinned digest applies.
   */
  private build(s: Service) {
    const args = s.image.dockerfile.baseImageArguments.map((a) => a.arg);
    return { context: '.', dockerfile: s.image.dockerfile.path, args: args.length ? args : undefined };
  }

  private environment(s: Service): Record<string, string> | undefined {
    const entries = Object.entries(s.env);
    if (!entries.length) return undefined;
    const declared = new Map(this.stack.variables.map((v) => [v.name, v]));
    return Object.fromEntries(entries.map(([key, value]) => [key, typeof value === 'string'
      ? value.replace(/\$\{([A-Z_][A-Z0-9_]*)\}/g, (_, name: string) => this.interpolation(declared.get(name)!))
      : this.interpolation(value)]));
  }

  /** Production refuses to start without a required value; dev lets the service name what is missing. */
  private interpolation(v: EnvVar): string {
    if (this.rendering === 'prod' && v.required && v.default === undefined) return `\${${v.name}:?set ${v.name} in .env.production}`;
    return interpolate(v);
  }
}
