import { ConnectionError, dataSourceOptions, poolQuery, PoolQuery } from '@dialogstack/db';
import { Logger } from '@dialogstack/runtime';
import type { OnApplicationShutdown } from '@nestjs/common';
import { DataSource } from 'typeorm';

/** The database cannot answer now (down, unreachable, refusing us, overloaded). Maps to 503. */
export class DatabaseUnavailableError extends Error {
  constructor(readonly reason: string) {
    super('database unavailable');
    this.name = 'DatabaseUnavailableError';
  }
}

/** Connections of the pool right now (metrics). */
export interface PoolUsage {
  readonly total: number;
  readonly idle: number;
  /** Queries waiting for a connection. */
  readonly waiting: number;
  readonly max: number;
}

/** Connections per api process: statements are short and shared (SingleFlight); two cores serve them. */
const POOL_SIZE = 10;
/** A statistics statement takes tens of milliseconds; one this slow means an overloaded database. */
const STATEMENT_TIMEOUT_MS = 5000;

/**
 * The api's read-only access to PostgreSQL. Connects lazily and reconnects by itself: the api
 * starts (and stays live) while the database is down, answers 503 meanwhile, and serves
 * again as soon as the database accepts connections, without a restart.
 */
export class Database implements OnApplicationShutdown {
  private readonly dataSource: DataSource;
  private connecting?: Promise<PoolQuery>;
  private readonly logger: Logger;

  constructor(url: string, logger: Logger) {
    this.logger = logger.child({ context: 'Database' });
    const base = dataSourceOptions({ url, applicationName: 'dialogstack-api', poolSize: POOL_SIZE, statementTimeoutMs: STATEMENT_TIMEOUT_MS });
    const extra = (base as { extra: { options: string } }).extra;
    this.dataSource = new DataSource({
      ...base,
      // Our own JSON logs instead of TypeORM's console output (which prints SQL and parameters).
      logging: false,
      extra: {
        ...extra,
        // Read-only by construction, and no JIT: compiling costs more than these short
        // aggregates take to run. Generic plans: a statistics statement (prepared, see query)
        // is planned once per connection instead of on every execution. Planning a custom
        // plan took 1-3 ms of each 2-8 ms statement; the generic plans of the 1M-message seed
        // read the same pages within 3 % (90d: 150 pages more), see bench/api/README.md.
        options: `${extra.options} -c default_transaction_read_only=on -c jit=off -c plan_cache_mode=force_generic_plan`,
      },
    });
  }

  /**
   * Runs one read. A read whose session was lost (the server restarted, failed over or
   * terminated it) is retried once on a fresh connection. Throws DatabaseUnavailableError
   * when the database cannot answer.
   *
   * With `name`, a prepared statement: each connection parses and plans it on first use and
   * then only executes it (one name per SQL text).
   */
  async query<T>(sql: string, params: readonly unknown[] = [], name?: string): Promise<T[]> {
    const query = await this.connected();
    try {
      return await query<T>({ text: sql, values: params, ...(name ? { name } : {}) });
    } catch (err) {
      throw this.classify(err);
    }
  }

  /** True when the database answers a trivial query within `timeoutMs`. */
  async isReachable(timeoutMs: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<false>((resolve) => { timer = setTimeout(() => resolve(false), timeoutMs); });
    const probe = this.query('SELECT 1').then(() => true, () => false);
    try {
      return await Promise.race([probe, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** The pool's connections, for metrics; undefined until the first connection. */
  poolUsage(): PoolUsage | undefined {
    if (!this.dataSource.isInitialized) return undefined;
    // TypeORM's PostgreSQL driver keeps its pg.Pool as `master`.
    const pool = (this.dataSource.driver as unknown as { master?: { totalCount: number; idleCount: number; waitingCount: number } }).master;
    return pool && { total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount, max: POOL_SIZE };
  }

  async onApplicationShutdown(): Promise<void> {
    await this.connecting?.catch(() => undefined);
    if (!this.dataSource.isInitialized) return;
    await this.dataSource.destroy();
    this.logger.info('database connections closed');
  }

  private connected(): Promise<PoolQuery> {
    // One attempt at a time; a failed attempt is forgotten so the next query tries again.
    this.connecting ??= this.dataSource.initialize().then(
      (ds) => {
        this.logger.info('database connected');
        return poolQuery(ds, {
          onRetry: (err) => this.logger.warn('database session lost; retrying once on a new connection', { reason: reasonOf(err) }),
        });
      },
      (err: unknown) => {
        this.connecting = undefined;
        throw this.classify(new ConnectionError(err));
      },
    );
    return this.connecting;
  }

  /**
   * A failure to get or keep a connection (refused, reset, timed out, authentication or
   * CONNECT refused, server shutting down, too many clients, session terminated) or a
   * statement timeout means "unavailable"; any other SQL error is a bug in the statement and
   * stays as it is (500).
   */
  private classify(err: unknown): Error {
    if (!(err instanceof ConnectionError)) {
      const code = sqlState(err);
      const unavailable = code === undefined ? isConnectionLoss(err) : UNAVAILABLE_SQLSTATES.some((prefix) => code.startsWith(prefix));
      if (!unavailable) return asError(err);
    }
    const reason = reasonOf(err);
    this.logger.warn('database unavailable', { reason, detail: (err as Error)?.message });
    return new DatabaseUnavailableError(reason);
  }
}

function reasonOf(err: unknown): string {
  return sqlState(err) ?? errorCode(err) ?? 'connection failed';
}

/**
 * SQLSTATEs of an unreachable or overloaded database: 08 connection exception, 53
 * insufficient resources, 57P operator intervention (shutdown), 57014 statement timeout.
 */
const UNAVAILABLE_SQLSTATES = ['08', '53', '57P', '57014'];

/** The SQLSTATE of a server-side error, undefined for network-level failures. */
function sqlState(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

/** A Node network error code such as ECONNREFUSED. */
function errorCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** A statement that failed without a SQLSTATE: the socket broke or pg gave up on the connection. */
function isConnectionLoss(err: unknown): boolean {
  const message = (err as { message?: unknown } | undefined)?.message;
  return errorCode(err) !== undefined || (typeof message === 'string' && /connect|terminat|timeout/i.test(message));
}

/** Errors from Node's internals may come from another realm (tests), so no instanceof. */
function asError(err: unknown): Error {
  return typeof (err as { message?: unknown } | undefined)?.message === 'string' ? (err as Error) : new Error(String(err));
}
