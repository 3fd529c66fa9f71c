/**
 * A container health check. Exec form only, with programs the image really contains:
 * bash for our (Debian-based) services, pg_isready for postgres. No curl, no ps.
 */
export interface HealthCheckTiming {
  /** @default 2 */
  readonly intervalSeconds?: number;
  /** @default 3 */
  readonly timeoutSeconds?: number;
  /** @default 30 */
  readonly retries?: number;
  /** @default 10 */
  readonly startPeriodSeconds?: number;
}

/** A check as declared: an HTTP path on the owner's port, or a command. */
export type HealthCheck =
  | (HealthCheckTiming & { readonly kind: 'http'; readonly path: string })
  | (HealthCheckTiming & { readonly kind: 'command'; readonly command: readonly string[] });

/** A check bound to its owner's port, every default applied: what Dockerfiles, compose and deploy checks render. */
export interface ResolvedHealthCheck extends Required<HealthCheckTiming> {
  readonly command: readonly string[];
  /** What an HTTP check requests: the deploy checks request the same path from outside. */
  readonly http?: { readonly port: number; readonly path: string };
}

// Every second: Docker runs the first check one interval after the start and has no
// start_interval before Engine 25 (20.10 here), so each depends_on: service_healthy link waits
// up to one interval past readiness. Affordable because an HTTP check is a bash builtin
// (~3 ms of CPU), not a Node process (~0.1-0.3 CPU-second each, 0.6 of a 2-core host's cores
// at 1 s for six services). 60 failures after the start period (a minute) before a container
// counts as unhealthy.
const TIMING_DEFAULTS: Required<HealthCheckTiming> = { intervalSeconds: 1, timeoutSeconds: 3, retries: 60, startPeriodSeconds: 10 };

/** What an HTTP check may request: a plain path, so it is safe inside the check's printf and quotes. */
const PLAIN_PATH = /^\/[A-Za-z0-9._~/-]*$/;

/** GET http://127.0.0.1:<the owner's port><path> over bash's /dev/tcp; healthy on a 2xx status line. */
export function httpHealthCheck(path: string, timing: HealthCheckTiming = {}): HealthCheck {
  return { kind: 'http', path, ...timing };
}

/** A command run inside the container; healthy when it exits 0. */
export function commandHealthCheck(command: readonly string[], timing: HealthCheckTiming = {}): HealthCheck {
  return { kind: 'command', command, ...timing };
}

/**
 * pg_isready over TCP to 127.0.0.1 with the image's own user and database. Not the socket:
 * while the image's entrypoint initialises a new database it runs a temporary server on the
 * socket only (`listen_addresses=''`), which a socket check takes for the real one; the
 * temporary server then stops, and whatever trusted the check finds no database.
 */
export function pgIsReadyHealthCheck(timing: HealthCheckTiming = {}): HealthCheck {
  // The shell inside the container expands the variables (compose renderings escape `$`).
  return commandHealthCheck(['sh', '-c', 'pg_isready -q -h 127.0.0.1 -U "$POSTGRES_USER" -d "$POSTGRES_DB"'], timing);
}

/** What is wrong with a declared check, for its owner's validation message. */
export function healthCheckProblems(check: HealthCheck): string[] {
  if (check.kind === 'http' && !PLAIN_PATH.test(check.path)) {
    return [`has an HTTP health check path '${check.path}' that is not a plain path (/, letters, digits, . _ ~ -)`];
  }
  return [];
}

/** Binds a check to its owner's port; undefined for an HTTP check without a port (a validation problem). */
export function resolveHealthCheck(check: HealthCheck, port: number | undefined): ResolvedHealthCheck | undefined {
  const timing = {
    intervalSeconds: check.intervalSeconds ?? TIMING_DEFAULTS.intervalSeconds,
    timeoutSeconds: check.timeoutSeconds ?? TIMING_DEFAULTS.timeoutSeconds,
    retries: check.retries ?? TIMING_DEFAULTS.retries,
    startPeriodSeconds: check.startPeriodSeconds ?? TIMING_DEFAULTS.startPeriodSeconds,
  };
  if (check.kind === 'command') return { command: check.command, ...timing };
  if (port === undefined) return undefined;
  // No redirects followed: a health path answers itself. The read is bounded below the
  // check's timeout so a server that accepts and never answers fails the check, not Docker.
  const readSeconds = Math.max(1, timing.timeoutSeconds - 1);
  const script = `exec 3<>/dev/tcp/127.0.0.1/${port}`
    + ` && printf 'GET ${check.path} HTTP/1.1\\r\\nHost: 127.0.0.1\\r\\nConnection: close\\r\\n\\r\\n' >&3`
    + ` && read -r -t ${readSeconds} _ status _ <&3 && [[ $status == 2?? ]]`;
  return { command: ['bash', '-c', script], http: { port, path: check.path }, ...timing };
}

/** The port and path an HTTP check's command requests (the inverse of its rendering), for reviews. */
export function httpCheckTarget(command: readonly string[]): { port: number; path: string } | undefined {
  const m = command.join(' ').match(/\/dev\/tcp\/127\.0\.0\.1\/(\d+) && printf 'GET (\S+) HTTP/);
  return m ? { port: Number(m[1]), path: m[2] } : undefined;
}
