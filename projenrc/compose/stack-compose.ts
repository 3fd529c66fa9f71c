import { Component } from 'projen';
import { EnvVar, interpolate } from '../env';
import { withDefaults } from '../health-check';
import { Environment, Service } from '../service';
import { Stack } from '../stack';
import { ComposeFile, ComposeService } from './compose-file';

/** Variables the production rendering reads to choose its images (the deploy scripts set them). */
export const IMAGE_PREFIX_VARIABLE = 'IMAGE_PREFIX';
export const IMAGE_TAG_VARIABLE = 'IMAGE_TAG';

export interface StackComposeProps {
  readonly stack: Stack;
  readonly environment: Environment;
  readonly filePath: string;
  readonly description: string;
}

/**
 * Renders the stack into a compose file. `dev` builds every image from source and binds
 * published ports to loopback; `prod` pulls `${IMAGE_PREFIX}/<image>:${IMAGE_TAG}` and adds
 * resource limits. Both come from the same services, so they cannot drift apart.
 */
export class StackCompose extends Component {
  public readonly file: ComposeFile;
  private readonly stack: Stack;
  private readonly env: Environment;

  constructor(stack: Stack, id: string, props: StackComposeProps) {
    super(stack.project, id);
    this.stack = props.stack;
    this.env = props.environment;
    this.file = new ComposeFile(this, props.filePath, { projectName: stack.name, description: props.description });
  }

  public preSynthesize(): void {
    this.file.addNetwork(this.stack.name);
    for (const s of this.stack.services.filter((x) => x.in(this.env))) {
      this.file.addService(s.name, this.render(s));
      for (const v of s.props.volumes ?? []) this.file.addVolume(v.volume);
    }
  }

  private render(s: Service): ComposeService {
    const prod = this.env === 'prod';
    const image = s.image;
    const hc = s.props.healthCheck && withDefaults(s.props.healthCheck);
    const publish = s.props.publish;
    const publishHere = publish && (publish.environments ?? ['dev', 'prod']).includes(this.env);
    const hostIp = publish?.hostIp ?? (prod ? undefined : '127.0.0.1');
    const dependsOn = s.dependsOn.filter((d) => this.stack.service(d.service)?.in(this.env));
    const isNode = image.name !== 'postgres';

    return {
      ...(prod
        ? { image: `\${${IMAGE_PREFIX_VARIABLE}:-${this.stack.imagePrefix}}/${image.name}:\${${IMAGE_TAG_VARIABLE}:-latest}` }
        : { image: `${this.stack.name}/${image.name}:dev`, build: { context: '.', dockerfile: image.dockerfilePath } }),
      command: s.props.command,
      profiles: s.props.profiles,
      init: true,
      restart: s.restart,
      depends_on: dependsOn.length
        ? Object.fromEntries(dependsOn.map((d) => [d.service, { condition: d.condition }]))
        : undefined,
      environment: this.environment(s),
      ports: publishHere
        ? [`${hostIp ? `${hostIp}:` : ''}\${${publish.variable}:-${publish.defaultHostPort}}:${s.props.port}`]
        : undefined,
      volumes: s.props.volumes?.map((v) => `${v.volume}:${v.target}`),
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
      deploy: prod && s.props.resources
        ? { resources: { limits: { cpus: String(s.props.resources.cpus), memory: `${s.props.resources.memoryMb}M` } } }
        : undefined,
      stop_grace_period: s.props.stopGracePeriodSeconds ? `${s.props.stopGracePeriodSeconds}s` : undefined,
    };
  }

  private environment(s: Service): Record<string, string> | undefined {
    const entries = Object.entries(s.props.environment ?? {});
    if (!entries.length) return undefined;
    const declared = new Map(this.stack.variables.map((v) => [v.name, v]));
    return Object.fromEntries(entries.map(([key, value]) => [key, typeof value === 'string'
      ? value.replace(/\$\{([A-Z_][A-Z0-9_]*)\}/g, (_, name: string) => this.interpolation(declared.get(name)!))
      : this.interpolation(value)]));
  }

  /** Production refuses to start without a required value; dev lets the service name what is missing. */
  private interpolation(v: EnvVar): string {
    if (this.env === 'prod' && v.required && v.default === undefined) return `\${${v.name}:?set ${v.name} in .env.production}`;
    return interpolate(v);
  }
}
