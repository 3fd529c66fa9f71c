import type { DataSource } from 'typeorm';

/** One statement: `name` makes it a prepared statement, parsed once per connection. */
export interface Statement {
  readonly text: string;
  readonly values?: readonly unknown[];
  readonly name?: string;
}

/** Runs a statement on the pool and returns its rows. */
export type PoolQuery = <T>(statement: Statement) => Promise<T[]>;

/** The slices of pg's Pool and PoolClient we use; TypeORM's postgres driver keeps the pool as `master`. */
interface PgPool {
  /** The client class and settings the pool opens its connections with. */
  readonly Client: new (options: object) => PgClient;
  readonly options: object;
  connect(): Promise<PgPooledClient>;
}
interface PgClient {
  connect(): Promise<void>;
  query(config: { text: string; values?: unknown[]; name?: string }): Promise<{ rows: unknown[] }>;
  end(): Promise<void>;
  on(event: 'error', listener: (err: Error) => void): unknown;
  off(event: 'error', listener: (err: Error) => void): unknown;
}
interface PgPooledClient extends PgClient {
  release(err?: Error | boolean): void;
}

/** The pool could not open or hand out a connection, so the statement never ran. */
export class ConnectionError extends Error {
  /** The driver's code: a SQLSTATE (28P01 bad password, 3D000 no database...) or a socket error (ECONNREFUSED). */
  readonly code?: string;

  constructor(readonly cause: unknown) {
    super(`could not connect to the database: ${(cause as { message?: unknown } | undefined)?.message ?? String(cause)}`);
    this.name = 'ConnectionError';
    const code = (cause as { code?: unknown } | undefined)?.code;
    if (typeof code === 'string') this.code = code;
  }
}

export interface PoolQueryOptions {
  /** Called before the one retry of a statement whose session was lost. */
  onRetry?: (err: unknown) => void;
}

/**
 * Statements on the DataSource's own pg pool (same settings: UTC, statement timeout,
 * application name), skipping TypeORM's per-query QueryRunner.
 *
 * A session can die under a pooled connection (the server restarted or failed over,
 * `pg_terminate_backend`, an idle timeout), and pg may hand that connection out before it
 * has read the news. So a connection whose statement failed goes back to the pool with the
 * error, which closes it instead of keeping it; and a statement that failed because its
 * session was lost runs once more, on another connection. Callers pass only statements that
 * are safe to run twice (reads, and writes idempotent by a key). Anything else (a bad
 * statement, a timeout) fails at once; a failure to connect is a ConnectionError.
 */
export function poolQuery(ds: DataSource, options: PoolQueryOptions = {}): PoolQuery {
  const pool = (ds.driver as unknown as { master?: PgPool }).master;
  if (!pool) throw new Error('poolQuery needs an initialized postgres DataSource');
  const pooled = async <T>(statement: Statement): Promise<T[]> => {
    let client: PgPooledClient;
    try {
      client = await pool.connect();
    } catch (err) {
      throw new ConnectionError(err);
    }
    let failure: Error | undefined;
    try {
      return await run<T>(client, statement, (err) => { failure ??= err; });
    } finally {
      client.release(failure);
    }
  };
  // The retry's own connection: the pool's other idle connections died with the first one
  // when the server restarted, and pg may not have noticed yet.
  const fresh = async <T>(statement: Statement): Promise<T[]> => {
    const client = new pool.Client(pool.options);
    const ignore = () => undefined;
    client.on('error', ignore);
    try {
      await client.connect();
    } catch (err) {
      throw new ConnectionError(err);
    }
    try {
      return await run<T>(client, statement, ignore);
    } finally {
      await client.end().catch(ignore);
    }
  };
  return async <T>(statement: Statement) => {
    try {
      return await pooled<T>(statement);
    } catch (err) {
      if (err instanceof ConnectionError || !isSessionLost(err)) throw err;
      options.onRetry?.(err);
      return fresh<T>(statement);
    }
  };
}

/** Runs a statement on a client, reporting any failure (thrown, or emitted as an event) to `failed`. */
async function run<T>(client: PgClient, statement: Statement, failed: (err: Error) => void): Promise<T[]> {
  // A socket error is also emitted as an event; unheard, it would crash the process.
  client.on('error', failed);
  try {
    const { rows } = await client.query({ text: statement.text, name: statement.name, values: statement.values && [...statement.values] });
    return rows as T[];
  } catch (err) {
    failed(err instanceof Error ? err : new Error(String(err)));
    throw err;
  } finally {
    client.off('error', failed);
  }
}

/**
 * SQLSTATEs of a session the server ended: class 08 (connection exception), 57P01
 * admin_shutdown (terminated, fast shutdown), 57P02 crash_shutdown.
 */
const SESSION_LOST_SQLSTATES = /^(08...|57P01|57P02)$/;
/** Socket errors of a connection that died under us. */
const SESSION_LOST_SOCKET_ERRORS = new Set(['ECONNRESET', 'EPIPE', 'ETIMEDOUT']);
/** pg's messages for a connection that ended or broke (no code). */
const SESSION_LOST_MESSAGES = /Connection terminated|not queryable/;

/**
 * True when an error says the connection's session is gone (not that the statement was
 * wrong, timed out or was refused): the same statement on a fresh connection may succeed.
 */
export function isSessionLost(err: unknown): boolean {
  const { code, message } = (err ?? {}) as { code?: unknown; message?: unknown };
  if (typeof code === 'string' && (SESSION_LOST_SQLSTATES.test(code) || SESSION_LOST_SOCKET_ERRORS.has(code))) return true;
  return code === undefined && typeof message === 'string' && SESSION_LOST_MESSAGES.test(message);
}
