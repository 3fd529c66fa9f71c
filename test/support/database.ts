import { createDataSource, migrateUp } from '@dialogstack/db';
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';

/**
 * Disposable databases for integration tests, on the server named by DATABASE_URL (an
 * admin connection; global-setup starts one when none is given). Each test file gets its
 * own database, owned by an owner role (migrations), written by a writer role with rows-only
 * privileges (the bot) and readable by a read-only role (the api): the shape the postgres
 * image's init script gives production (src/db/test/roles.test.ts runs that script itself).
 */
export interface TestDatabase {
  readonly name: string;
  /** Superuser connection to this database. */
  readonly adminUrl: string;
  /** The owner role: migrations, and test fixtures that need more than rows (the seed's rebuild). */
  readonly ownerUrl: string;
  /** The writer role (bot): SELECT, INSERT, UPDATE on the tables, nothing else. */
  readonly writerUrl: string;
  /** The read-only role (api). */
  readonly readerUrl: string;
  readonly ownerRole: string;
  readonly writerRole: string;
  readonly readerRole: string;
  drop(): Promise<void>;
}

export const TEST_OWNER = { role: 'dialogstack_test_owner', password: 'test-owner-password' };
export const TEST_WRITER = { role: 'dialogstack_test_writer', password: 'test-writer-password' };
export const TEST_READER = { role: 'dialogstack_test_reader', password: 'test-reader-password' };

export function adminUrl(): string {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error('DATABASE_URL is not set: run tests through jest (global-setup starts PostgreSQL)');
  return url;
}

export function withDatabase(url: string, database: string, credentials?: { role: string; password: string }): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  if (credentials) {
    u.username = credentials.role;
    u.password = credentials.password;
  }
  return u.toString();
}

async function ensureRole(admin: Client, role: string, password: string): Promise<void> {
  try {
    await admin.query(`CREATE ROLE "${role}" LOGIN PASSWORD '${password}'`);
  } catch (err) {
    // 42710 duplicate_object, 23505: a parallel worker created it first.
    const code = (err as { code?: string }).code;
    if (code !== '42710' && code !== '23505') throw err;
  }
}

export async function createTestDatabase(prefix = 't'): Promise<TestDatabase> {
  const base = adminUrl();
  const name = `${prefix}_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`.toLowerCase();
  const admin = new Client({ connectionString: base });
  await admin.connect();
  try {
    for (const { role, password } of [TEST_OWNER, TEST_WRITER, TEST_READER]) await ensureRole(admin, role, password);
    await admin.query(`CREATE DATABASE "${name}" OWNER "${TEST_OWNER.role}"`);
    await admin.query(`REVOKE ALL ON DATABASE "${name}" FROM PUBLIC`);
    await admin.query(`GRANT CONNECT ON DATABASE "${name}" TO "${TEST_WRITER.role}", "${TEST_READER.role}"`);
  } finally {
    await admin.end();
  }
  // Inside it, what the init script does: the owner owns the schema; tables it creates are
  // readable by the reader and row-writable by the writer.
  const inside = new Client({ connectionString: withDatabase(base, name) });
  await inside.connect();
  try {
    const [o, w, r] = [TEST_OWNER, TEST_WRITER, TEST_READER].map((x) => `"${x.role}"`);
    await inside.query(`ALTER SCHEMA public OWNER TO ${o}`);
    await inside.query('REVOKE ALL ON SCHEMA public FROM PUBLIC');
    await inside.query(`GRANT USAGE ON SCHEMA public TO ${w}, ${r}`);
    await inside.query(`ALTER DEFAULT PRIVILEGES FOR ROLE ${o} IN SCHEMA public GRANT SELECT, INSERT, UPDATE ON TABLES TO ${w}`);
    await inside.query(`ALTER DEFAULT PRIVILEGES FOR ROLE ${o} IN SCHEMA public GRANT USAGE ON SEQUENCES TO ${w}`);
    await inside.query(`ALTER DEFAULT PRIVILEGES FOR ROLE ${o} IN SCHEMA public GRANT SELECT ON TABLES TO ${r}`);
  } finally {
    await inside.end();
  }
  return {
    name,
    adminUrl: withDatabase(base, name),
    ownerUrl: withDatabase(base, name, TEST_OWNER),
    writerUrl: withDatabase(base, name, TEST_WRITER),
    readerUrl: withDatabase(base, name, TEST_READER),
    ownerRole: TEST_OWNER.role,
    writerRole: TEST_WRITER.role,
    readerRole: TEST_READER.role,
    drop: async () => {
      const c = new Client({ connectionString: base });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}

/** Applies every migration as the owner, granting the reader and the writer what they get in production. */
export async function migrateTestDatabase(db: TestDatabase): Promise<void> {
  const ds = createDataSource({ url: db.ownerUrl, applicationName: 'test-migrate', poolSize: 1 });
  await ds.initialize();
  try {
    await migrateUp(ds, db.readerRole, db.writerRole);
  } finally {
    await ds.destroy();
  }
}
