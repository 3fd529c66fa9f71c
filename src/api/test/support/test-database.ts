import { createTestDatabase, migrateTestDatabase, TestDatabase } from '../../../../test/support/database';

/** A fresh database with every migration applied by the owner role, the reader and the writer granted what they get in production. */
export async function migratedTestDatabase(prefix: string): Promise<TestDatabase> {
  const db = await createTestDatabase(prefix);
  await migrateTestDatabase(db);
  return db;
}
