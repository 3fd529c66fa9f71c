import { createDataSource, migrateUp } from '@dialogstack/db';
import { createTestDatabase, TestDatabase } from '../../../../test/support/database';

/** A fresh database with every migration applied by the writer role and SELECT granted to the reader. */
export async function migratedTestDatabase(prefix: string): Promise<TestDatabase> {
  const db = await createTestDatabase(prefix);
  const ds = createDataSource({ url: db.writerUrl, applicationName: 'api-test-migrate', poolSize: 1 });
  await ds.initialize();
  try {
    await migrateUp(ds, db.readerRole);
  } finally {
    await ds.destroy();
  }
  return db;
}
