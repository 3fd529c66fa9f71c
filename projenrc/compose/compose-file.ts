import { IConstruct } from 'constructs';
import { FileBase, IResolver } from 'projen';
import { stringify } from 'yaml';

/** The subset of the Compose Specification we use, typed. */
export type ComposeHealthCheck = {
  readonly test: string[];
  readonly interval: string;
  readonly timeout: string;
  readonly retries: number;
  readonly start_period: string;
} | { readonly disable: true };

export interface ComposeDependency {
  readonly condition: 'service_started' | 'service_healthy' | 'service_completed_successfully';
  /** Restart this service when the dependency is restarted by compose. */
  readonly restart?: boolean;
}

export interface ComposeService {
  readonly image?: string;
  /** `args` listed without values take them from the environment, and are not passed when it has none. */
  readonly build?: { readonly context: string; readonly dockerfile: string; readonly args?: readonly string[] };
  readonly command?: string[];
  readonly init?: boolean;
  readonly restart?: string;
  readonly profiles?: string[];
  readonly environment?: Record<string, string>;
  readonly env_file?: { readonly path: string; readonly required: boolean }[];
  readonly ports?: string[];
  readonly volumes?: string[];
  /** Files compose writes into the container (top-level `configs` with inline content). */
  readonly configs?: { readonly source: string; readonly target: string }[];
  readonly labels?: Record<string, string>;
  readonly tmpfs?: string[];
  readonly read_only?: boolean;
  readonly cap_drop?: string[];
  readonly security_opt?: string[];
  readonly depends_on?: Record<string, ComposeDependency>;
  readonly healthcheck?: ComposeHealthCheck;
  readonly networks?: string[];
  readonly logging?: { readonly driver: string; readonly options: Record<string, string> };
  readonly deploy?: { readonly resources: { readonly limits: { readonly cpus: string; readonly memory: string } } };
  readonly stop_grace_period?: string;
}

export interface ComposeFileProps {
  /** Comment lines at the top: what the file is for and how to use it. */
  readonly description: string;
  /** Compose project name (`name:`). */
  readonly projectName: string;
}

/**
 * A compose file rendered from typed services, networks and volumes. Keys are emitted in
 * a fixed order so the output is deterministic and diffs stay small.
 */
export class ComposeFile extends FileBase {
  private readonly services = new Map<string, ComposeService>();
  private readonly volumes = new Set<string>();
  private readonly networks = new Set<string>();
  private readonly configs = new Map<string, string>();

  constructor(scope: IConstruct, filePath: string, private readonly props: ComposeFileProps) {
    super(scope, filePath, { committed: true, marker: true, readonly: true });
  }

  public addService(name: string, service: ComposeService): void {
    if (this.services.has(name)) throw new Error(`ComposeFile '${this.path}': service '${name}' is added twice`);
    this.services.set(name, service);
  }

  /** The services as added, by name: what the file renders (read by the pipeline snapshot). */
  public get serviceDefinitions(): ReadonlyMap<string, ComposeService> { return this.services; }

  public addVolume(name: string): void { this.volumes.add(name); }
  public addNetwork(name: string): void { this.networks.add(name); }
  /** A top-level config with inline content (`$` escaped for compose: the container sees it as written). */
  public addConfig(name: string, content: string): void { this.configs.set(name, content); }

  protected synthesizeContent(_resolver: IResolver): string | undefined {
    const doc: Record<string, unknown> = {
      name: this.props.projectName,
      services: Object.fromEntries([...this.services].map(([name, s]) => [name, ordered(s)])),
    };
    if (this.networks.size) doc.networks = Object.fromEntries([...this.networks].map((n) => [n, {}]));
    if (this.volumes.size) doc.volumes = Object.fromEntries([...this.volumes].map((v) => [v, {}]));
    if (this.configs.size) doc.configs = Object.fromEntries([...this.configs].map(([n, c]) => [n, { content: c.replace(/\$/g, '$$$$') }]));
    const header = [this.marker, ...this.props.description.split('\n')].map((l) => `# ${l}`.trimEnd()).join('\n');
    return `${header}\n${stringify(doc, { lineWidth: 0, aliasDuplicateObjects: false })}`;
  }
}

const KEY_ORDER: (keyof ComposeService)[] = [
  'image', 'build', 'command', 'profiles', 'init', 'restart', 'depends_on', 'environment', 'env_file',
  'ports', 'volumes', 'configs', 'labels', 'tmpfs', 'read_only', 'cap_drop', 'security_opt', 'healthcheck', 'networks',
  'logging', 'deploy', 'stop_grace_period',
];

function ordered(s: ComposeService): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of KEY_ORDER) if (s[key] !== undefined) out[key] = s[key];
  return out;
}
