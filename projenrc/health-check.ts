/**
 * A container health check. Exec form only, with programs the image really contains:
 * node for our services, pg_isready for postgres. No curl, no ps.
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

// Every 2 s: Docker runs the first check one interval after the start and has no start_interval
// before Engine 25 (20.10 here), so each depends_on: service_healthy link waits up to 2 s past
// readiness. Not 1 s: each check starts a Node process (~0.1 CPU-second), which at 1 s for the
// demo's six Node services takes 0.6 of a 2-core host's cores. 30 failures after the start
// period (a minute) before a container counts as unhealthy.
const TIMING_DEFAULTS: Required<HealthCheckTiming> = { intervalSeconds: 2, timeoutSeconds: 3, retries: 30, startPeriodSeconds: 10 };

/** GET http://127.0.0.1:<the owner's port><path> with Node's fetch; healthy on 2xx. */
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
  const script = `fetch('http://127.0.0.1:${port}${check.path}',{signal:AbortSignal.timeout(2500)})`
    + '.then(r=>process.exit(r.ok?0:1),()=>process.exit(1))';
  return { command: ['node', '-e', script], http: { port, path: check.path }, ...timing };
}
