import { randomBytes } from 'node:crypto';
import { Client } from 'pg';

/**
 * Disposable databases for integration tests, on the server named by DATABASE_URL (an
 * admin connection; global-setup starts one when none is given). Each test file gets its
 * own database, owned by a writer role and readable by a read-only role, exactly the
 * shape the postgres image's init scripts give production.
 */
export interface TestDatabase {
  readonly name: string;
  /** Superuser connection to this database. */
  readonly adminUrl: string;
  /** The writer role (bot, migrate). */
  readonly writerUrl: string;
  /** The read-only role (api). */
  readonly readerUrl: string;
  readonly writerRole: string;
  readonly readerRole: string;
  drop(): Promise<void>;
}

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
    await ensureRole(admin, TEST_WRITER.role, TEST_WRITER.password);
    await ensureRole(admin, TEST_READER.role, TEST_READER.password);
    await admin.query(`CREATE DATABASE "${name}" OWNER "${TEST_WRITER.role}"`);
    await admin.query(`GRANT CONNECT ON DATABASE "${name}" TO "${TEST_READER.role}"`);
  } finally {
    await admin.end();
  }
  return {
    name,
    adminUrl: withDatabase(base, name),
    writerUrl: withDatabase(base, name, TEST_WRITER),
    readerUrl: withDatabase(base, name, TEST_READER),
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
