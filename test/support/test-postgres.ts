import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';

// Unique per run: two test runs on one engine (several engineers, CI) must not share or remove each other's database.
const PROJECT = `dialogstack-test-${process.pid}`;
const ROOT = resolve(__dirname, '..', '..');

function compose(args: string[], env: NodeJS.ProcessEnv = {}): string {
  return execFileSync('docker', ['compose', '-p', PROJECT, '-f', 'docker-compose.yml', ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
}

/**
 * Starts the compose `postgres` service (built from devops/Dockerfile.postgres) on a free
 * loopback port and returns its superuser URL.
 */
export async function startTestPostgres(): Promise<string> {
  const password = randomBytes(12).toString('hex');
  try {
    compose(['up', '-d', '--wait', '--build', 'postgres'], {
      POSTGRES_PASSWORD: password,
      POSTGRES_PORT: '0', // a free loopback port
      DB_WRITER_PASSWORD: randomBytes(12).toString('hex'),
      DB_READER_PASSWORD: randomBytes(12).toString('hex'),
    });
  } catch (err) {
    throw new Error(
      'No DATABASE_URL given and the compose postgres service could not start. ' +
      'Start a Docker engine, or point DATABASE_URL at a PostgreSQL superuser connection. ' +
      `(${(err as Error).message.split('\n')[0]})`,
    );
  }
  const binding = compose(['port', 'postgres', '5432']).trim(); // 127.0.0.1:49153
  const port = binding.slice(binding.lastIndexOf(':') + 1);
  process.env.DIALOGSTACK_TEST_POSTGRES_STARTED = '1';
  return `postgres://postgres:${password}@127.0.0.1:${port}/postgres`;
}

export async function stopTestPostgres(): Promise<void> {
  if (process.env.DIALOGSTACK_TEST_POSTGRES_STARTED !== '1') return;
  if (process.env.KEEP_TEST_POSTGRES === '1') return;
  compose(['down', '-v', '--remove-orphans']);
}
