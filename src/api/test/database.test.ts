import { Client } from 'pg';
import { TestDatabase, withDatabase } from '../../../test/support/database';
import { Database, DatabaseUnavailableError } from '../src/database/database';
import { JsonLogger } from '../src/logging/json-logger';
import { migratedTestDatabase } from './support/test-database';

/** What a failure becomes: DatabaseUnavailableError (503) when the database cannot answer us, the error itself (500) for a bad statement. */
describe('Database error classification (real PostgreSQL)', () => {
  let db: TestDatabase;
  const opened: Database[] = [];
  const logs: string[] = [];
  const open = (url: string) => {
    const database = new Database(url, new JsonLogger('warn', (line) => logs.push(line)));
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

  it('reports a terminated session as unavailable and reconnects on the next query', async () => {
    const reader = open(db.readerUrl);
    const [{ pid }] = await reader.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    const admin = new Client({ connectionString: db.adminUrl });
    await admin.connect();
    try {
      const killed = reader.query('SELECT pg_sleep(5)');
      await new Promise((r) => setTimeout(r, 200));
      await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = $1 AND datname = $2', [db.readerRole, db.name]);
      await expect(killed).rejects.toBeInstanceOf(DatabaseUnavailableError);
    } finally {
      await admin.end();
    }
    await expect(reader.query<{ n: number }>('SELECT 1 AS n')).resolves.toEqual([{ n: 1 }]);
    expect(pid).toBeGreaterThan(0);
  });

  it('logs why, never the connection string', () => {
    expect(logs.some((line) => line.includes('"database unavailable"'))).toBe(true);
    for (const line of logs) expect(line).not.toMatch(/test-reader-password|postgres:\/\//);
  });
});
