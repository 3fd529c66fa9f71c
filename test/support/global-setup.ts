import { useStandInBaseImages } from './stand-in-base-images';
import { startTestPostgres } from './test-postgres';

/**
 * Runs once before all tests. When DATABASE_URL is not given, starts the compose
 * `postgres` service (the real image, with its init scripts) as a disposable server and
 * exports its admin URL; test workers inherit it.
 */
export default async function globalSetup(): Promise<void> {
  // Before any build: on an engine with local stand-ins of the base images, build against them.
  useStandInBaseImages();
  if (process.env.DATABASE_URL) return;
  process.env.DATABASE_URL = await startTestPostgres();
}
