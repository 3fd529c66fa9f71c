import { Component } from 'projen';
import type { StackCompose } from '../compose/stack-compose';
import type { EdgeProxy } from '../edge/edge-proxy';
import type { EnvVar } from '../env';
import type { EnvTemplate } from '../env-template';
import type { Service } from '../service';
import type { Stack } from '../stack';

/** An HTTP request the server makes to a public service, through the edge proxy (HTTPS), after a deploy. */
export interface HttpCheck {
  /** Shown in deploy-check's output, e.g. `api readiness`. */
  readonly label: string;
  /** A public service (served by the edge proxy). */
  readonly service: Service;
  /** Path and query, e.g. `/api/v1/ready`. @default the path of the service's HTTP health check */
  readonly path?: string;
  /** @default 200 */
  readonly expectStatus?: number;
  /** Sends `Authorization: Bearer <value>`; the service must read this variable. @default no token */
  readonly bearerToken?: EnvVar;
  /** deploy-check.sh's exit code when this check fails (checks may share one). */
  readonly exitCode: number;
}

/** Runs a service's own health check command inside its container (for unpublished services). */
export interface ContainerCheck {
  readonly label: string;
  readonly service: Service;
  readonly exitCode: number;
}

/** The PostgreSQL service and the variables of its superuser and database name (backups, `make psql`). */
export interface DatabaseRef {
  readonly service: Service;
  readonly superuser: EnvVar;
  readonly name: EnvVar;
}

export interface DeploymentProps {
  /** The production rendering the server runs. */
  readonly compose: StackCompose;
  /** The proxy in front: HTTP checks go through it, over HTTPS, to each service's public host. */
  readonly edge: EdgeProxy;
  /** The production env file's template; the server keeps the filled-in file beside the compose file. */
  readonly envTemplate: EnvTemplate;
  readonly database: DatabaseRef;
  /** The one-shot migrations service and its command that exits 0 when nothing is pending. */
  readonly migrate: { readonly service: Service; readonly statusCommand: readonly string[] };
  readonly httpChecks: readonly HttpCheck[];
  readonly containerChecks: readonly ContainerCheck[];
  /**
   * Services switched without downtime: a new container next to the old one, the old one
   * stopped once the new one is healthy (the proxy retries on the new one). Each must be
   * public (behind the proxy), health checked, and safe to run twice for a moment (not a
   * long-polling consumer). @default none: every service is recreated (stop, then start)
   */
  readonly zeroDowntime?: readonly Service[];
  /**
   * Services switched without downtime only while a variable is set, recreated (stop, then
   * start) otherwise: the bot, which may overlap old and new in webhook mode
   * (TELEGRAM_WEBHOOK_URL set: the proxy balances the webhook calls) but must never poll twice
   * (Telegram answers 409). The same rules as `zeroDowntime`, and the service must read the
   * variable. @default none
   */
  readonly zeroDowntimeWhenSet?: readonly ConditionalZeroDowntime[];
  /** Directory on the server, relative to the SSH user's home. @default the stack name */
  readonly deployPath?: string;
  /** Releases (and their images) kept on the server. @default 5 */
  readonly keepReleases?: number;
  /** Database backups kept on the server. @default 10 */
  readonly keepBackups?: number;
  /** Seconds the services may take to become healthy. @default 180 */
  readonly waitTimeoutSeconds?: number;
}

/** A service switched without downtime only while `variable` is set (in the deploy's environment or env file). */
export interface ConditionalZeroDowntime {
  readonly service: Service;
  readonly variable: EnvVar;
}

/** An HTTP check with its path resolved. */
export interface ResolvedHttpCheck extends HttpCheck {
  readonly path: string;
  readonly expectStatus: number;
}

export interface ExitCode {
  readonly code: number;
  readonly meaning: string;
}

/** deploy-check.sh's fixed exit codes; each check adds its own (see HttpCheck.exitCode). */
export const DEPLOY_CHECK_EXIT = {
  OK: { code: 0, meaning: 'every check passed' },
  USAGE: { code: 2, meaning: 'wrong options' },
  PREREQUISITES: { code: 3, meaning: 'docker, compose, curl, a compose file or the env file is missing' },
  SERVICES: { code: 10, meaning: 'a service is not running, not healthy, or runs another tag than --expect-tag' },
  MIGRATIONS: { code: 11, meaning: 'migrations did not run, failed, or are pending' },
} as const satisfies Record<string, ExitCode>;

/** deploy.sh's exit codes. */
export const DEPLOY_EXIT = {
  DEPLOYED: { code: 0, meaning: 'deployed: the new tag is live' },
  USAGE: { code: 2, meaning: 'wrong options or tag' },
  PREFLIGHT: { code: 3, meaning: 'preflight or registry login failed; nothing changed' },
  PULL: { code: 4, meaning: 'pull failed; nothing changed' },
  BACKUP: { code: 5, meaning: 'database backup failed; nothing changed' },
  ROLLED_BACK: { code: 6, meaning: 'migrate, switch or check failed; rolled back: the previous tag is live' },
  ROLLBACK_FAILED: { code: 7, meaning: 'failed, and the rollback failed too: the stack needs attention' },
  FAILED_WITHOUT_PREVIOUS: { code: 8, meaning: 'the first deploy failed: no earlier tag to roll back to' },
  LOCKED: { code: 75, meaning: 'refused: another deploy is running on this server' },
  INTERRUPTED: { code: 130, meaning: 'interrupted: services may run a mix of two tags; deploy again' },
} as const satisfies Record<string, ExitCode>;

/** remote-deploy.sh's own exit codes (otherwise it exits with the server script's code). */
export const REMOTE_DEPLOY_EXIT = {
  USAGE: { code: 2, meaning: 'missing settings or wrong arguments' },
  COPY: { code: 9, meaning: 'copying the files to the server failed' },
  SSH: { code: 255, meaning: 'ssh failed: connection, authentication or host key verification' },
} as const satisfies Record<string, ExitCode>;

/** Where the server keeps the deploy state, relative to the deploy directory. */
export const DEPLOY_STATE = {
  dir: '.deploy',
  deployedTag: '.deploy/deployed-tag',
  history: '.deploy/history',
  lock: '.deploy/lock',
  lockOwner: '.deploy/lock.owner',
  /** One directory per deploy (compose files, digests); `.deploy/current` and `.deploy/previous` link to two of them. */
  releases: '.deploy/releases',
  backups: 'backups',
} as const;

/**
 * How the stack is deployed to a server: the production compose file and env file, the
 * database to back up, the migrations to run, and the checks that decide whether a deploy
 * succeeded. The services and their facts (health checks, published ports, the one-shot
 * migrate service) come from the stack; the deploy scripts and workflow render this.
 */
export class Deployment extends Component {
  public readonly stack: Stack;
  public readonly compose: StackCompose;
  public readonly edge: EdgeProxy;
  /** The production env file on the server (git-ignored; its template is `<file>.example`). */
  public readonly envFile: string;
  public readonly database: DatabaseRef;
  public readonly migrate: { readonly service: Service; readonly statusCommand: readonly string[] };
  public readonly httpChecks: readonly ResolvedHttpCheck[];
  public readonly containerChecks: readonly ContainerCheck[];
  public readonly rollingServices: readonly Service[];
  public readonly conditionalRollingServices: readonly ConditionalZeroDowntime[];
  public readonly deployPath: string;
  public readonly keepBackups: number;
  public readonly keepReleases: number;
  public readonly waitTimeoutSeconds: number;

  constructor(stack: Stack, id: string, props: DeploymentProps) {
    super(stack, id);
    this.stack = stack;
    this.compose = props.compose;
    this.edge = props.edge;
    this.envFile = props.envTemplate.envFile;
    this.database = props.database;
    this.migrate = props.migrate;
    this.httpChecks = props.httpChecks.map((c) => ({ ...c, path: c.path ?? c.service.healthCheck?.http?.path ?? '', expectStatus: c.expectStatus ?? 200 }));
    this.containerChecks = props.containerChecks;
    this.rollingServices = props.zeroDowntime ?? [];
    this.conditionalRollingServices = props.zeroDowntimeWhenSet ?? [];
    this.deployPath = props.deployPath ?? stack.name;
    this.keepBackups = props.keepBackups ?? 10;
    this.keepReleases = props.keepReleases ?? 5;
    this.waitTimeoutSeconds = props.waitTimeoutSeconds ?? 180;
    this.node.addValidation({ validate: () => this.problems(props) });
  }

  /** Every service of the production compose file (profiled demo services never are). */
  public get services(): Service[] {
    return this.stack.services.filter((s) => s.in('prod') && !s.profiles.length);
  }

  /** Services that keep running; each must be running (and healthy) after a deploy. */
  public get longRunning(): Service[] {
    return this.services.filter((s) => !s.oneShot);
  }

  /** Public services and the host variable the proxy serves each on. */
  public get endpoints(): { service: Service; hostVariable: string }[] {
    return this.services.flatMap((s) => {
      const host = this.edge.hostOf(s);
      return host ? [{ service: s, hostVariable: host.name }] : [];
    });
  }

  /** Containers that must run (and be healthy) after a deploy: the long-running services and the proxy. */
  public get checkedServices(): string[] {
    return [...this.longRunning.map((s) => s.name), this.edge.serviceName];
  }

  /** What a deploy switches: every service but the database (an app deploy never restarts it), and the proxy. */
  public get switchedServices(): string[] {
    return [...this.services.filter((s) => s !== this.database.service).map((s) => s.name), this.edge.serviceName];
  }

  /** Services that run the deployed tag (the database keeps its own image; the proxy is Caddy's). */
  public get taggedServices(): string[] {
    return this.longRunning.filter((s) => s !== this.database.service).map((s) => s.name);
  }

  /** Variables sent as bearer tokens by the HTTP checks, in order of first use. */
  public get tokenVariables(): string[] {
    return [...new Set(this.httpChecks.flatMap((c) => (c.bearerToken ? [c.bearerToken.name] : [])))];
  }

  /** Exit codes of the checks, each with the labels that use it. */
  public get checkExitCodes(): { code: number; labels: string[] }[] {
    const byCode = new Map<number, string[]>();
    for (const c of [...this.httpChecks, ...this.containerChecks]) {
      byCode.set(c.exitCode, [...(byCode.get(c.exitCode) ?? []), c.label]);
    }
    return [...byCode.entries()].sort(([a], [b]) => a - b).map(([code, labels]) => ({ code, labels }));
  }

  /** What is wrong with the declaration, each naming the part at fault. */
  private problems(props: DeploymentProps): string[] {
    const out: string[] = [];
    const inProduction = (s: Service, what: string): boolean => {
      if (this.services.includes(s)) return true;
      out.push(`${what} '${s.name}' is not in the production compose file`);
      return false;
    };
    if (props.compose.rendering !== 'prod') out.push(`deploys the ${props.compose.rendering} rendering; deploy the prod one`);

    if (inProduction(this.migrate.service, 'migrate service') && !this.migrate.service.oneShot) {
      out.push(`migrate service '${this.migrate.service.name}' is not a one-shot service`);
    }
    const db = this.database.service;
    if (inProduction(db, 'database service')) {
      for (const v of [this.database.superuser, this.database.name]) {
        if (!db.reads.includes(v.name)) out.push(`database service '${db.name}' does not read ${v.name}`);
      }
    }

    for (const c of this.httpChecks) {
      const s = c.service;
      if (!inProduction(s, `HTTP check '${c.label}' targets`)) continue;
      if (!this.endpoints.some((e) => e.service === s)) {
        out.push(`HTTP check '${c.label}' targets '${s.name}', which is not public (use a container check)`);
      }
      const prefix = s.publicRoute?.pathPrefix;
      if (prefix && c.path && !c.path.startsWith(prefix)) {
        out.push(`HTTP check '${c.label}' path '${c.path}' is outside '${s.name}''s public path ${prefix}: the proxy sends it elsewhere`);
      }
      if (c.bearerToken && !s.reads.includes(c.bearerToken.name)) {
        out.push(`HTTP check '${c.label}' sends ${c.bearerToken.name}, which '${s.name}' does not read`);
      }
      if (!c.path) out.push(`HTTP check '${c.label}' has no path, and '${s.name}' has no HTTP health check to take it from`);
      else if (!c.path.startsWith('/')) out.push(`HTTP check '${c.label}' path '${c.path}' must start with /`);
    }
    for (const { service: s, variable } of this.conditionalRollingServices) {
      if (this.rollingServices.includes(s)) out.push(`zero-downtime service '${s.name}' is listed twice: always, and when ${variable.name} is set`);
      if (!s.reads.includes(variable.name)) out.push(`zero-downtime service '${s.name}' depends on ${variable.name}, which '${s.name}' does not read`);
    }
    for (const s of [...this.rollingServices, ...this.conditionalRollingServices.map((c) => c.service)]) {
      if (!inProduction(s, 'zero-downtime service')) continue;
      if (!this.edge.hostOf(s)) out.push(`zero-downtime service '${s.name}' is not public: nothing would move its traffic to the new container`);
      if (!s.healthCheck) out.push(`zero-downtime service '${s.name}' has no health check: nothing would say when the new container may take traffic`);
      if (s === this.database.service || s.oneShot) out.push(`zero-downtime service '${s.name}' cannot run twice side by side`);
    }
    for (const c of this.containerChecks) {
      if (inProduction(c.service, `container check '${c.label}' targets`) && !c.service.healthCheck) {
        out.push(`container check '${c.label}' needs a health check on '${c.service.name}'`);
      }
    }
    for (const c of [...this.httpChecks, ...this.containerChecks]) {
      if (!Number.isInteger(c.exitCode) || c.exitCode < 12 || c.exitCode > 125) {
        out.push(`check '${c.label}' uses exit code ${c.exitCode}; use 12-125 (0-3, 10 and 11 are deploy-check's own)`);
      }
      if (c.label.includes('|')) out.push(`check label '${c.label}' must not contain '|'`);
    }
    return out;
  }
}
