import { createLogger } from '@dialogstack/runtime';
import { Client } from 'pg';
import { TestDatabase, withDatabase } from '../../../test/support/database';
import { Database, DatabaseUnavailableError } from '../src/database/database';
import { migratedTestDatabase } from './support/test-database';

/** What a failure becomes: DatabaseUnavailableError (503) when the database cannot answer us, the error itself (500) for a bad statement. */
describe('Database error classification (real PostgreSQL)', () => {
  let db: TestDatabase;
  const opened: Database[] = [];
  const logs: string[] = [];
  const open = (url: string) => {
    const database = new Database(url, createLogger('api', { level: 'warn', write: (line) => logs.push(line) }));
    opened.push(database);
    return database;
  };

  beforeAll(async () => { db = await migratedTestDatabase('dberrors'); });
  afterAll(async () => {
    await Promise.all(opened.map((d) => d.onApplicationShutdown()));
    await db.drop();
  });

  it('answers through the read-only role, which cannot write', async () => {
    const reader = open(db.readerUrl);
    await expect(reader.query<{ n: number }>('SELECT 1 AS n')).resolves.toEqual([{ n: 1 }]);
    await expect(reader.query(`INSERT INTO users (id) VALUES (1)`)).rejects.toThrow(/read-only transaction|permission denied/);
  });

  it('keeps a broken statement as a plain error (a bug, not an outage)', async () => {
    const err = await open(db.readerUrl).query('SELECT no_such_column FROM users').catch((e: Error) => e);
    expect(err).not.toBeInstanceOf(DatabaseUnavailableError);
  });

  it.each([
    ['a refused port', () => withDatabase(db.readerUrl, db.name).replace(/:\d+\//, ':1/')],
    ['a wrong password', () => { const u = new URL(db.readerUrl); u.password = 'wrong'; return u.toString(); }],
    ['a missing database', () => withDatabase(db.readerUrl, `${db.name}_missing`)],
  ])('reports %s as unavailable', async (_, url) => {
    await expect(open(url()).query('SELECT 1')).rejects.toBeInstanceOf(DatabaseUnavailableError);
  });

  it('reports a revoked CONNECT privilege as unavailable, and recovers when it is granted back', async () => {
    const admin = new Client({ connectionString: db.adminUrl });
    await admin.connect();
    const reader = open(db.readerUrl);
    try {
      await admin.query(`REVOKE CONNECT ON DATABASE "${db.name}" FROM PUBLIC, "${db.readerRole}"`);
      await expect(reader.query('SELECT 1')).rejects.toBeInstanceOf(DatabaseUnavailableError);
      await admin.query(`GRANT CONNECT ON DATABASE "${db.name}" TO "${db.readerRole}"`);
      await expect(reader.query<{ n: number }>('SELECT 1 AS n')).resolves.toEqual([{ n: 1 }]);
    } finally {
      await admin.query(`GRANT CONNECT ON DATABASE "${db.name}" TO "${db.readerRole}"`);
      await admin.end();
    }
  });

  /** Waits until `sql` is running in a session of the reader role; returns that session's pid. */
  async function runningSession(admin: Client, sql: string): Promise<number> {
    const deadline = Date.now() + 5000;
    for (;;) {
      const { rows } = await admin.query<{ pid: number }>(
        `SELECT pid FROM pg_stat_activity WHERE usename = $1 AND datname = $2 AND state = 'active' AND query = $3`,
        [db.readerRole, db.name, sql]);
      if (rows.length > 0) return rows[0].pid;
      if (Date.now() > deadline) throw new Error(`${sql} never started`);
      await new Promise((r) => setImmediate(r));
    }
  }

  const terminateReaderSessions = (admin: Client) =>
    admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = $1 AND datname = $2', [db.readerRole, db.name]);

  it('retries a read whose session is terminated mid-statement once, on a new connection', async () => {
    const reader = open(db.readerUrl);
    const admin = new Client({ connectionString: db.adminUrl });
    await admin.connect();
    try {
      const sql = 'SELECT pg_backend_pid() AS pid, pg_sleep(0.5) IS NULL AS slept';
      const read = reader.query<{ pid: number }>(sql);
      const first = await runningSession(admin, sql);
      await admin.query('SELECT pg_terminate_backend($1)', [first]);
      const [{ pid }] = await read;
      expect(pid).not.toBe(first);
      expect(logs.some((line) => line.includes('retrying once on a new connection') && line.includes('57P01'))).toBe(true);
    } finally {
      await admin.end();
    }
  });

  it('reports a terminated session as unavailable when no new one can be opened, and reconnects once it can', async () => {
    const reader = open(db.readerUrl);
    await reader.query('SELECT 1');
    const admin = new Client({ connectionString: db.adminUrl });
    await admin.connect();
    try {
      const sql = 'SELECT pg_sleep(5)';
      const killed = reader.query(sql);
      const pid = await runningSession(admin, sql);
      await admin.query(`REVOKE CONNECT ON DATABASE "${db.name}" FROM PUBLIC, "${db.readerRole}"`);
      await admin.query('SELECT pg_terminate_backend($1)', [pid]);
      await expect(killed).rejects.toBeInstanceOf(DatabaseUnavailableError);
      await admin.query(`GRANT CONNECT ON DATABASE "${db.name}" TO "${db.readerRole}"`);
      await expect(reader.query<{ n: number }>('SELECT 1 AS n')).resolves.toEqual([{ n: 1 }]);
    } finally {
      await admin.query(`GRANT CONNECT ON DATABASE "${db.name}" TO "${db.readerRole}"`);
      await admin.end();
    }
  });

  it('answers the next read after every pooled session is terminated (a restart or failover)', async () => {
    const reader = open(db.readerUrl);
    const admin = new Client({ connectionString: db.adminUrl });
    await admin.connect();
    try {
      // Each round fills the pool with idle sessions, has the server end them all, and reads
      // at once: whether pg has noticed yet or not, the read must be answered.
      for (let round = 0; round < 10; round++) {
        await Promise.all(Array.from({ length: 4 }, () => reader.query('SELECT pg_sleep(0.01)')));
        await terminateReaderSessions(admin);
        await expect(reader.query<{ n: number }>('SELECT 1 AS n')).resolves.toEqual([{ n: 1 }]);
      }
    } finally {
      await admin.end();
    }
  });

  it('logs why, never the connection string', () => {
    expect(logs.some((line) => line.includes('"database unavailable"'))).toBe(true);
    for (const line of logs) expect(line).not.toMatch(/test-reader-password|postgres:\/\//);
  });
});
