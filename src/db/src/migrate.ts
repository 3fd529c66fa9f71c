import { DataSource } from 'typeorm';

export interface MigrationReport {
  readonly applied: string[];
  readonly pending: string[];
}

/**
 * Applies pending migrations, then grants the read-only role SELECT on every table, so a
 * table added by a later migration is readable by the api at once. Running it twice is a
 * no-op. The reader role is optional (a plain development database may not have one).
 */
export async function migrateUp(ds: DataSource, readerRole?: string): Promise<MigrationReport> {
  const applied = await ds.runMigrations({ transaction: 'each' });
  if (readerRole) await grantReadOnly(ds, readerRole);
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
  const exists = await ds.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [role]);
  if (exists.length === 0) throw new Error(`read-only role '${role}' does not exist (DB_READER_USER)`);
  const ident = quoteIdent(role);
  await ds.query(`GRANT USAGE ON SCHEMA public TO ${ident}`);
  await ds.query(`GRANT SELECT ON ALL TABLES IN SCHEMA public TO ${ident}`);
  await ds.query(`ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO ${ident}`);
}

export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
