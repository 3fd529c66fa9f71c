import { DataSource } from 'typeorm';

export interface MigrationReport {
  readonly applied: string[];
  readonly pending: string[];
}

/**
 * Applies pending migrations (as the owner of the schema), then grants the read-only role
 * SELECT and the writer role SELECT, INSERT and UPDATE on every table, so a table added by a
 * later migration is usable by the api and the bot at once (the init script's default
 * privileges do the same; this also covers a database it did not create). The writer gets
 * nothing more: no DELETE, TRUNCATE or DDL, and no write to the migrations table. Running it
 * twice is a no-op. Both roles are optional (a plain development database may not have them).
 */
export async function migrateUp(ds: DataSource, readerRole?: string, writerRole?: string): Promise<MigrationReport> {
  const applied = await ds.runMigrations({ transaction: 'each' });
  if (readerRole) await grantReadOnly(ds, readerRole);
  if (writerRole) await grantRowWrites(ds, writerRole);
  return { applied: applied.map((m) => m.name), pending: [] };
}

export async function migrateDown(ds: DataSource): Promise<string | undefined> {
  const before = await executedMigrations(ds);
  await ds.undoLastMigration({ transaction: 'each' });
  const after = await executedMigrations(ds);
  return before.find((name) => !after.includes(name));
}

export async function migrationStatus(ds: DataSource): Promise<MigrationReport> {
  const applied = await executedMigrations(ds);
  const pending = ds.migrations.map((m) => m.name ?? m.constructor.name).filter((name) => !applied.includes(name));
  return { applied, pending };
}

async function executedMigrations(ds: DataSource): Promise<string[]> {
  const exists = await ds.query('SELECT to_regclass(\'migrations\') IS NOT NULL AS ok');
  if (!exists[0].ok) return [];
  const rows: { name: string }[] = await ds.query('SELECT name FROM migrations ORDER BY id');
  return rows.map((r) => r.name);
}

async function grantReadOnly(ds: DataSource, role: string): Promise<void> {
  await requireRole(ds, role, 'read-only', 'DB_READER_USER');
  const ident = quoteIdent(role);
  await ds.query(`GRANT USAGE ON SCHEMA public TO ${ident}`);
  await ds.query(`GRANT SELECT ON ALL TABLES IN SCHEMA public TO ${ident}`);
  await ds.query(`ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO ${ident}`);
}

async function grantRowWrites(ds: DataSource, role: string): Promise<void> {
  await requireRole(ds, role, 'writer', 'DB_WRITER_USER');
  const [{ owner }] = await ds.query('SELECT current_user = $1 AS owner', [role]);
  if (owner) throw new Error(`the writer role '${role}' must not be the role that runs migrations (it would own the schema): migrate as the owner role`);
  const ident = quoteIdent(role);
  await ds.query(`GRANT USAGE ON SCHEMA public TO ${ident}`);
  await ds.query(`GRANT SELECT, INSERT, UPDATE ON ALL TABLES IN SCHEMA public TO ${ident}`);
  await ds.query(`GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO ${ident}`);
  await ds.query(`ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE ON TABLES TO ${ident}`);
  await ds.query(`ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE ON SEQUENCES TO ${ident}`);
  await ds.query(`REVOKE INSERT, UPDATE ON migrations FROM ${ident}`);
}

async function requireRole(ds: DataSource, role: string, what: string, variable: string): Promise<void> {
  const exists = await ds.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [role]);
  if (exists.length === 0) throw new Error(`${what} role '${role}' does not exist (${variable})`);
}

export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
