import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join, resolve } from 'node:path';
import { Client } from 'pg';
import { adminUrl, withDatabase } from '../../../test/support/database';

const ROOT = resolve(__dirname, '..', '..', '..');
const INIT_SCRIPT = join(ROOT, 'devops/postgres/initdb/10-roles.sh');
const OLD_INIT_SCRIPT = join(__dirname, 'fixtures/10-roles-before-owner.sh');
const MIGRATE = join(ROOT, 'src/db/dist/cli/migrate.js');
/** Each test starts psql and the migrate CLI several times: seconds each on a busy machine. */
const PROCESSES_TIMEOUT = 120_000;

/** Roles of their own (roles are cluster-wide; other test files run at the same time) and a database made like the image's. */
interface Cluster {
  db: string;
  roles: Record<'owner' | 'writer' | 'reader', { name: string; password: string }>;
  url(role: 'owner' | 'writer' | 'reader'): string;
}

function run(cmd: string, args: string[], env: Record<string, string>): Promise<{ code: number; output: string }> {
  return new Promise((done) => {
    execFile(cmd, args, { cwd: ROOT, env: { PATH: process.env.PATH!, ...env } }, (err, stdout, stderr) => {
      done({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, output: `${stdout}${stderr}` });
    });
  });
}

/**
 * The postgres image's init script (devops/postgres/initdb/10-roles.sh) run for real, with
 * psql, as the image's entrypoint runs it (the superuser, the database named by POSTGRES_DB),
 * against the test server; then migrations as the owner and the bot's and api's statements.
 */
describe('database roles (the postgres image\'s init script)', () => {
  const clusters: Cluster[] = [];
  let admin: Client;

  beforeAll(async () => {
    await run('npx', ['tsc', '-b', 'src/db'], { HOME: process.env.HOME ?? '/root' });
    admin = new Client({ connectionString: adminUrl() });
    await admin.connect();
  }, 120_000);

  afterAll(async () => {
    for (const c of clusters) {
      await admin.query(`DROP DATABASE IF EXISTS "${c.db}" WITH (FORCE)`);
      for (const role of Object.values(c.roles)) await admin.query(`DROP ROLE IF EXISTS "${role.name}"`);
    }
    await admin.end();
  });

  async function newCluster(): Promise<Cluster> {
    const id = randomBytes(4).toString('hex');
    const roles = {
      owner: { name: `t_owner_${id}`, password: randomBytes(12).toString('hex') },
      writer: { name: `t_writer_${id}`, password: randomBytes(12).toString('hex') },
      reader: { name: `t_reader_${id}`, password: randomBytes(12).toString('hex') },
    };
    const db = `roles_${id}`;
    // As the entrypoint does: POSTGRES_DB is created by the superuser, then the init scripts run.
    await admin.query(`CREATE DATABASE "${db}"`);
    const cluster: Cluster = { db, roles, url: (role) => withDatabase(adminUrl(), db, { role: roles[role].name, password: roles[role].password }) };
    clusters.push(cluster);
    return cluster;
  }

  /** An init script in the environment the postgres image gives it (psql reaches the server by PG* variables). */
  async function initScript(c: Cluster, script = INIT_SCRIPT): Promise<string> {
    const server = new URL(adminUrl());
    const result = await run('sh', [script], {
      POSTGRES_USER: decodeURIComponent(server.username),
      POSTGRES_DB: c.db,
      PGHOST: server.hostname,
      PGPORT: server.port || '5432',
      PGPASSWORD: decodeURIComponent(server.password),
      DB_OWNER_USER: c.roles.owner.name,
      DB_OWNER_PASSWORD: c.roles.owner.password,
      DB_WRITER_USER: c.roles.writer.name,
      DB_WRITER_PASSWORD: c.roles.writer.password,
      DB_READER_USER: c.roles.reader.name,
      DB_READER_PASSWORD: c.roles.reader.password,
    });
    if (result.code !== 0) throw new Error(`${script} failed (${result.code}):\n${result.output}`);
    return result.output;
  }

  /** The migrate one-shot as the stack runs it. */
  const migrate = (c: Cluster, as: 'owner' | 'writer' = 'owner') => run(process.execPath, [MIGRATE, 'up'], {
    DATABASE_URL: c.url(as),
    DB_READER_USER: c.roles.reader.name,
    ...(as === 'owner' ? { DB_WRITER_USER: c.roles.writer.name } : {}),
  });

  async function as<T>(c: Cluster, role: 'owner' | 'writer' | 'reader', fn: (sql: Client) => Promise<T>): Promise<T> {
    const client = new Client({ connectionString: c.url(role) });
    await client.connect();
    try {
      return await fn(client);
    } finally {
      await client.end();
    }
  }

  /** The SQLSTATE a statement fails with, or 'ok'. */
  const outcome = (sql: Client, text: string) => sql.query(text).then(() => 'ok', (err: { code?: string }) => err.code ?? 'error');

  /** What the bot does: upsert a person, store a message and its answer, hide the dialog. */
  async function botStatements(sql: Client, userId: number): Promise<void> {
    await sql.query(`INSERT INTO users (id, first_name) VALUES ($1, 'Ada') ON CONFLICT (id) DO UPDATE SET first_name = EXCLUDED.first_name`, [userId]);
    const { rows: [q] } = await sql.query(
      `INSERT INTO messages (user_id, chat_id, role, content, length, telegram_message_id) VALUES ($1, $1, 'user', 'hi', 2, 1) RETURNING id`, [userId]);
    await sql.query(`INSERT INTO messages (user_id, chat_id, role, content, length, reply_to_id) VALUES ($1, $1, 'assistant', 'hello', 5, $2)`, [userId, q.id]);
    await sql.query('UPDATE messages SET hidden_at = now() WHERE user_id = $1', [userId]);
  }

  /** The bot's role may touch rows and nothing else; the api's may only read. */
  async function expectLeastPrivilege(c: Cluster): Promise<void> {
    await as(c, 'writer', async (sql) => {
      await botStatements(sql, 7);
      expect({
        drop: await outcome(sql, 'DROP TABLE messages'),
        alter: await outcome(sql, 'ALTER TABLE messages ADD COLUMN x int'),
        truncate: await outcome(sql, 'TRUNCATE messages'),
        delete: await outcome(sql, 'DELETE FROM messages'),
        create: await outcome(sql, 'CREATE TABLE mine (id int)'),
        dropFunction: await outcome(sql, 'DROP FUNCTION rebuild_activity_rollups()'),
        rebuild: await outcome(sql, 'SELECT rebuild_activity_rollups()'),
        migrations: await outcome(sql, `INSERT INTO migrations (timestamp, name) VALUES (1, 'forged')`),
      }).toEqual({
        // 42501 insufficient_privilege: "must be owner of table messages", "permission denied for ..."
        drop: '42501', alter: '42501', truncate: '42501', delete: '42501', create: '42501',
        dropFunction: '42501', rebuild: '42501', migrations: '42501',
      });
      expect((await sql.query('SELECT count(*)::int AS n FROM messages WHERE user_id = 7')).rows).toEqual([{ n: 2 }]);
    });
    await as(c, 'reader', async (sql) => {
      expect(await outcome(sql, 'SELECT count(*) FROM daily_totals')).toBe('ok');
      expect(await outcome(sql, `INSERT INTO users (id, first_name) VALUES (8, 'x')`)).toMatch(/^(42501|25006)$/);
    });
    // Everything in the schema belongs to the owner.
    const owners = await as(c, 'owner', async (sql) => (await sql.query(`
      SELECT DISTINCT pg_get_userbyid(relowner) AS owner FROM pg_class WHERE relnamespace = 'public'::regnamespace`)).rows);
    expect(owners).toEqual([{ owner: c.roles.owner.name }]);
  }

  it('on a new database: migrate runs as the owner; the bot\'s role cannot DROP, ALTER, TRUNCATE or DELETE', async () => {
    const c = await newCluster();
    expect(await initScript(c)).toContain(`init: roles ${c.roles.owner.name} (owner, migrations)`);
    const migrated = await migrate(c);
    expect(migrated).toMatchObject({ code: 0, output: expect.stringContaining('migrate: applied') });
    await expectLeastPrivilege(c);
    // The bot's role cannot migrate (nothing to own, nowhere to create).
    const c2 = await newCluster();
    await initScript(c2);
    expect((await migrate(c2, 'writer')).code).not.toBe(0);
  }, PROCESSES_TIMEOUT);

  it('running it again changes nothing and keeps the data', async () => {
    const c = await newCluster();
    await initScript(c);
    await migrate(c);
    await as(c, 'writer', (sql) => botStatements(sql, 9));
    await initScript(c);
    expect((await migrate(c)).output).toContain('migrate: database is up to date');
    await expectLeastPrivilege(c);
    expect(await as(c, 'reader', async (sql) => (await sql.query('SELECT count(*)::int AS n FROM messages')).rows[0].n)).toBe(4);
  }, PROCESSES_TIMEOUT);

  it('upgrades a database made by the earlier script (the writer owned everything): migrate names the fix, the script applies it', async () => {
    const c = await newCluster();
    await initScript(c, OLD_INIT_SCRIPT);
    // The earlier stack migrated as the writer.
    expect((await migrate(c, 'writer')).code).toBe(0);
    await as(c, 'writer', (sql) => botStatements(sql, 11));
    expect(await as(c, 'writer', (sql) => outcome(sql, 'TRUNCATE messages'))).toBe('ok'); // what we are closing
    await as(c, 'writer', (sql) => botStatements(sql, 12));

    // The new stack's migrate, before the upgrade: no owner role yet.
    const refused = await migrate(c);
    expect(refused.code).toBe(1);
    expect(refused.output).toContain('docker compose exec postgres /docker-entrypoint-initdb.d/10-roles.sh');

    await initScript(c);
    expect(await migrate(c)).toMatchObject({ code: 0 });
    await expectLeastPrivilege(c);
    expect(await as(c, 'reader', async (sql) => (await sql.query('SELECT count(*)::int AS n FROM messages WHERE user_id = 12')).rows[0].n)).toBe(2);
  }, PROCESSES_TIMEOUT);
});
