#!/usr/bin/env node
/**
 * Migrate CLI, run by the compose `migrate` one-shot and `make migrate`.
 *   migrate [up|down|status]
 * Reads DATABASE_URL (the owner role) and optionally DB_READER_USER (granted SELECT) and
 * DB_WRITER_USER (granted SELECT, INSERT, UPDATE).
 */
import { createDataSource } from '../data-source';
import { migrateDown, migrateUp, migrationStatus } from '../migrate';

const USAGE = 'usage: migrate [up|down|status]';

async function main(argv: string[]): Promise<number> {
  const command = argv[0] ?? 'up';
  if (!['up', 'down', 'status'].includes(command)) {
    console.error(USAGE);
    return 2;
  }
  const url = process.env.DATABASE_URL;
  if (!url) {
    console.error('migrate: DATABASE_URL is not set (postgres://user:password@host:5432/database)');
    return 2;
  }
  const ds = createDataSource({ url, applicationName: 'dialogstack-migrate', poolSize: 1 });
  try {
    await ds.initialize();
  } catch (err) {
    throw new Error(`${(err as Error).message}${loginHint(err, url)}`);
  }
  try {
    if (command === 'up') {
      const report = await migrateUp(ds, process.env.DB_READER_USER || undefined, process.env.DB_WRITER_USER || undefined);
      console.log(report.applied.length
        ? `migrate: applied ${report.applied.length}: ${report.applied.join(', ')}`
        : 'migrate: database is up to date');
    } else if (command === 'down') {
      const undone = await migrateDown(ds);
      console.log(undone ? `migrate: reverted ${undone}` : 'migrate: nothing to revert');
    } else {
      const status = await migrationStatus(ds);
      console.log(`migrate: applied ${status.applied.length}, pending ${status.pending.length}`);
      for (const name of status.pending) console.log(`  pending: ${name}`);
      return status.pending.length ? 1 : 0;
    }
    return 0;
  } finally {
    await ds.destroy();
  }
}

/**
 * A refused login as the owner on a database made by the earlier init script (whose writer
 * owned everything, and which had no owner role): say how to upgrade it.
 */
function loginHint(err: unknown, url: string): string {
  if ((err as { code?: unknown }).code !== '28P01') return '';
  const user = decodeURIComponent(new URL(url).username);
  return `. If this database was created before the owner role '${user}' existed, bring it to the current roles once with `
    + '`docker compose exec postgres /docker-entrypoint-initdb.d/10-roles.sh` (see devops/doc/guides/manual-deploy.md, "Database roles")';
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: Error) => {
    // The message only: a driver error can carry the connection string in its stack.
    console.error(`migrate: failed: ${err.message}`);
    process.exit(1);
  },
);
