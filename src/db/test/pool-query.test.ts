import { ConnectionError, createDataSource, isSessionLost, migrateUp, poolQuery, PoolQuery } from '@dialogstack/db';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { createTestDatabase, TestDatabase } from '../../../test/support/database';

/** poolQuery on a real PostgreSQL: what the bot's writes and the api's reads rely on when sessions die. */
describe('poolQuery', () => {
  let db: TestDatabase;
  let ds: DataSource;
  let admin: Client;
  const retries: unknown[] = [];
  let query: PoolQuery;

  beforeAll(async () => {
    db = await createTestDatabase('poolquery');
    ds = createDataSource({ url: db.writerUrl, applicationName: 'pool-query-test', poolSize: 4 });
    await ds.initialize();
    await migrateUp(ds, db.readerRole);
    query = poolQuery(ds, { onRetry: (err) => retries.push(err) });
    admin = new Client({ connectionString: db.adminUrl });
    await admin.connect();
  });
  afterEach(() => { retries.length = 0; });
  afterAll(async () => {
    await admin.end();
    await ds.destroy();
    await db.drop();
  });

  const terminateWriterSessions = () => admin.query(
    'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = $1 AND datname = $2', [db.writerRole, db.name]);

  it('stores an idempotent write exactly once after every pooled session is terminated', async () => {
    const upsert = (id: number) => query({
      name: 'upsert-user',
      text: `INSERT INTO users (id, first_name) VALUES ($1, 'Ada') ON CONFLICT (id) DO NOTHING RETURNING id`,
      values: [id],
    });
    for (let round = 0; round < 10; round++) {
      await Promise.all([1, 2, 3, 4].map((n) => query({ text: 'SELECT pg_sleep(0.01)', values: [] })));
      await terminateWriterSessions();
      await expect(upsert(100 + round)).resolves.toEqual([{ id: String(100 + round) }]);
    }
    const [{ count }] = await query<{ count: number }>({ text: 'SELECT count(*)::int AS count FROM users WHERE id >= 100' });
    expect(count).toBe(10);
  });

  it('does not retry a statement that is wrong', async () => {
    await expect(query({ text: 'SELECT no_such_column FROM users' })).rejects.toMatchObject({ code: '42703' });
    expect(retries).toEqual([]);
  });

  it('does not retry a statement that timed out', async () => {
    await expect(query({ text: `SET LOCAL statement_timeout = 50; SELECT pg_sleep(1)` })).rejects.toMatchObject({ code: '57014' });
    expect(retries).toEqual([]);
  });

  it('reports a refused connection as a ConnectionError, without a retry', async () => {
    const refused = createDataSource({ url: db.writerUrl, applicationName: 'pool-query-test', poolSize: 1 });
    await refused.initialize();
    try {
      const q = poolQuery(refused, { onRetry: (err) => retries.push(err) });
      await admin.query(`ALTER ROLE "${db.writerRole}" NOLOGIN`);
      await terminateWriterSessions();
      // Once the pool has dropped its idle connection, the next statement must open one.
      const pool = (refused.driver as unknown as { master: { idleCount: number } }).master;
      while (pool.idleCount > 0) await new Promise((r) => setTimeout(r, 5));
      const err = await q({ text: 'SELECT 1' }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ConnectionError);
      expect(retries).toEqual([]);
    } finally {
      await admin.query(`ALTER ROLE "${db.writerRole}" LOGIN`);
      await refused.destroy();
    }
  });

  it.each([
    ['57P01 terminated', true, { code: '57P01', message: 'terminating connection due to administrator command' }],
    ['08006 connection failure', true, { code: '08006', message: 'connection failure' }],
    ['ECONNRESET', true, { code: 'ECONNRESET', message: 'read ECONNRESET' }],
    ['pg: terminated unexpectedly', true, new Error('Connection terminated unexpectedly')],
    ['pg: not queryable', true, new Error('Client has encountered a connection error and is not queryable')],
    ['57014 statement timeout', false, { code: '57014', message: 'canceling statement due to statement timeout' }],
    ['42703 undefined column', false, { code: '42703', message: 'column does not exist' }],
    ['53300 too many clients', false, { code: '53300', message: 'too many clients' }],
    ['any other error', false, new Error('something else')],
  ])('isSessionLost: %s → %p', (_, lost, err) => {
    expect(isSessionLost(err)).toBe(lost);
  });
});
