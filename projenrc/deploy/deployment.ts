import { Component } from 'projen';
import type { EnvVar } from '../env';
import type { Service } from '../service';
import type { Stack } from '../stack';

/** An HTTP request the server makes to a published service after a deploy. */
export interface HttpCheck {
  /** Shown in deploy-check's output, e.g. `api readiness`. */
  readonly label: string;
  /** A service whose port is published in production. */
  readonly service: string;
  /** Path and query, e.g. `/api/v1/ready`. */
  readonly path: string;
  /** @default 200 */
  readonly expectStatus?: number;
  /** Sends `Authorization: Bearer <value>`; the service must read this variable. */
  readonly bearerToken?: EnvVar;
  /** deploy-check.sh's exit code when this check fails (checks may share one). */
  readonly exitCode: number;
}

/** Runs a service's own health check command inside its container (for unpublished services). */
export interface ContainerCheck {
  readonly label: string;
  readonly service: string;
  readonly exitCode: number;
}

export interface DatabaseRef {
  /** The PostgreSQL service; backups run pg_dump inside it. */
  readonly service: string;
  /** Variables of the service holding its superuser and database name. */
  readonly userVariable: string;
  readonly dbVariable: string;
}

export interface DeploymentProps {
  /** The production compose file the server runs. */
  readonly composeFile: string;
  /** The production env file on the server (git-ignored; its template is `<file>.example`). */
  readonly envFile: string;
  readonly database: DatabaseRef;
  /** The one-shot migrations service and its command that exits 0 when nothing is pending. */
  readonly migrate: { readonly service: string; readonly statusCommand: string[] };
  readonly httpChecks: HttpCheck[];
  readonly containerChecks: ContainerCheck[];
  /** Directory on the server, relative to the SSH user's home. @default the stack name */
  readonly deployPath?: string;
  /** Database backups kept on the server. @default 10 */
  readonly keepBackups?: number;
  /** Seconds the services may take to become healthy. @default 180 */
  readonly waitTimeoutSeconds?: number;
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
  public readonly props: DeploymentProps;

  constructor(stack: Stack, props: DeploymentProps) {
    super(stack.project, 'Deployment');
    this.stack = stack;
    this.props = props;
  }

  public get deployPath(): string { return this.props.deployPath ?? this.stack.name; }
  public get keepBackups(): number { return this.props.keepBackups ?? 10; }
  public get waitTimeoutSeconds(): number { return this.props.waitTimeoutSeconds ?? 180; }

  /** Every service of the production compose file (profiled demo services never are). */
  public get services(): Service[] {
    return this.stack.services.filter((s) => s.in('prod') && !s.props.profiles?.length);
  }

  /** Services that keep running; each must be running (and healthy) after a deploy. */
  public get longRunning(): Service[] {
    return this.services.filter((s) => !s.oneShot);
  }

  /** Published services and the host port the server reaches each on. */
  public get endpoints(): { service: string; variable: string; defaultPort: number }[] {
    return this.services.flatMap((s) => {
      const p = s.props.publish;
      return p && (p.environments ?? ['dev', 'prod']).includes('prod')
        ? [{ service: s.name, variable: p.variable, defaultPort: p.defaultHostPort }]
        : [];
    });
  }

  /** Variables sent as bearer tokens by the HTTP checks, in order of first use. */
  public get tokenVariables(): string[] {
    return [...new Set(this.props.httpChecks.flatMap((c) => (c.bearerToken ? [c.bearerToken.name] : [])))];
  }

  /** Exit codes of the checks, each with the labels that use it. */
  public get checkExitCodes(): { code: number; labels: string[] }[] {
    const byCode = new Map<number, string[]>();
    for (const c of [...this.props.httpChecks, ...this.props.containerChecks]) {
      byCode.set(c.exitCode, [...(byCode.get(c.exitCode) ?? []), c.label]);
    }
    return [...byCode.entries()].sort(([a], [b]) => a - b).map(([code, labels]) => ({ code, labels }));
  }

  /** What is wrong with the declaration, each naming the part at fault. */
  public problems(): string[] {
    const out: string[] = [];
    const where = 'Deployment';
    const prodService = (name: string, what: string): Service | undefined => {
      const s = this.stack.service(name);
      if (!s) out.push(`${where}: ${what} names unknown service '${name}'`);
      else if (!this.services.includes(s)) out.push(`${where}: ${what} '${name}' is not in the production compose file`);
      else return s;
      return undefined;
    };

    const migrate = prodService(this.props.migrate.service, 'migrate');
    if (migrate && !migrate.oneShot) out.push(`${where}: migrate service '${migrate.name}' is not a one-shot service`);

    const db = prodService(this.props.database.service, 'database');
    for (const v of [this.props.database.userVariable, this.props.database.dbVariable]) {
      if (db && !db.reads.includes(v)) out.push(`${where}: database service '${db.name}' does not read ${v}`);
    }

    for (const c of this.props.httpChecks) {
      const s = prodService(c.service, `HTTP check '${c.label}'`);
      if (s && !this.endpoints.some((e) => e.service === s.name)) {
        out.push(`${where}: HTTP check '${c.label}' targets '${s.name}', which publishes no port in production (use a container check)`);
      }
      if (s && c.bearerToken && !s.reads.includes(c.bearerToken.name)) {
        out.push(`${where}: HTTP check '${c.label}' sends ${c.bearerToken.name}, which '${s.name}' does not read`);
      }
      if (!c.path.startsWith('/')) out.push(`${where}: HTTP check '${c.label}' path '${c.path}' must start with /`);
    }
    for (const c of this.props.containerChecks) {
      const s = prodService(c.service, `container check '${c.label}'`);
      if (s && !s.props.healthCheck) out.push(`${where}: container check '${c.label}' needs a health check on '${s.name}'`);
    }
    for (const c of [...this.props.httpChecks, ...this.props.containerChecks]) {
      if (!Number.isInteger(c.exitCode) || c.exitCode < 12 || c.exitCode > 125) {
        out.push(`${where}: check '${c.label}' uses exit code ${c.exitCode}; use 12-125 (0-3, 10 and 11 are deploy-check's own)`);
      }
      if (c.label.includes('|')) out.push(`${where}: check label '${c.label}' must not contain '|'`);
    }
    return out;
  }

  public preSynthesize(): void {
    const problems = this.problems();
    if (problems.length) throw new Error(`The deployment is invalid:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}
