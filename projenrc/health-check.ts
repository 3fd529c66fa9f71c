/**
 * A container health check. Exec form only, with programs the image really contains:
 * node for our services, pg_isready for postgres. No curl, no ps.
 */
export interface HealthCheck {
  readonly command: string[];
  /** @default 5 */
  readonly intervalSeconds?: number;
  /** @default 3 */
  readonly timeoutSeconds?: number;
  /** @default 20 */
  readonly retries?: number;
  /** @default 10 */
  readonly startPeriodSeconds?: number;
}

export const HealthCheckDefaults = { intervalSeconds: 5, timeoutSeconds: 3, retries: 20, startPeriodSeconds: 10 };

export function withDefaults(check: HealthCheck): Required<HealthCheck> {
  return { ...HealthCheckDefaults, ...check };
}

/** GET http://127.0.0.1:<port><path> with Node's fetch; healthy on 2xx. */
export function httpHealthCheck(port: number, path: string, overrides: Omit<HealthCheck, 'command'> = {}): HealthCheck {
  const script = `fetch('http://127.0.0.1:${port}${path}',{signal:AbortSignal.timeout(2500)})`
    + '.then(r=>process.exit(r.ok?0:1),()=>process.exit(1))';
  return { command: ['node', '-e', script], ...overrides };
}

/** pg_isready against the local socket with the image's own user and database. */
export function pgIsReadyHealthCheck(overrides: Omit<HealthCheck, 'command'> = {}): HealthCheck {
  // The shell inside the container expands the variables (compose renderings escape `$`).
  return { command: ['sh', '-c', 'pg_isready -q -U "$POSTGRES_USER" -d "$POSTGRES_DB"'], ...overrides };
}
