import { randomBytes } from 'node:crypto';
import { exec, startService } from './process';
import { createTestDatabase, type TestDatabase } from '../../test/support/database';

export interface SeedSize {
  readonly users: number;
  readonly messages: number;
  readonly days: number;
}

/** The demo profile's history (devtools `history`): the simulated users' past, as `make demo` shows it. */
export interface DemoHistory {
  readonly history: { readonly days: number; readonly users: number };
}

export interface SeededApi {
  readonly url: string;
  readonly token: string;
  readonly database: TestDatabase;
  /** GET an api path with the bearer token, parsed JSON. */
  get(path: string): Promise<unknown>;
  /** Stops the api process (the database stays until `close`). */
  stopApi(): Promise<void>;
  close(): Promise<void>;
}

/**
 * The real statistics api over a fresh PostgreSQL database: migrations applied by the migrate
 * CLI, data from the api's seed CLI or the demo's history command (writer role), the api
 * reading as the read-only role, exactly as in the stack.
 */
export async function startSeededApi(data: SeedSize | DemoHistory): Promise<SeededApi> {
  const env = { PATH: process.env.PATH ?? '' };
  await exec('npx', ['tsc', '-b', 'src/db', 'src/api', 'src/devtools'], { ...process.env });
  const database = await createTestDatabase('frontend');
  try {
    await exec('node', ['src/db/dist/cli/migrate.js', 'up'], { ...env, DATABASE_URL: database.writerUrl, DB_READER_USER: database.readerRole });
    if ('history' in data) {
      const out = await exec('node', ['src/devtools/dist/main.js', 'history'],
        { ...env, DATABASE_URL: database.writerUrl, HISTORY_DAYS: String(data.history.days), HISTORY_USERS: String(data.history.users) });
      if (!out.includes('"msg":"seeded"')) throw new Error(`the demo history was not seeded:\n${out}`);
    } else {
      await exec('node', ['src/api/dist/cli/seed.js', '--users', String(data.users), '--messages', String(data.messages), '--days', String(data.days)],
        { ...env, DATABASE_URL: database.writerUrl });
    }
  } catch (err) {
    await database.drop();
    throw err;
  }
  const token = randomBytes(24).toString('hex');
  const api = startService('node', ['src/api/dist/main.js'], { ...env, DATABASE_URL: database.readerUrl, API_TOKEN: token, PORT: '0', LOG_LEVEL: 'info' });
  let port: string;
  try {
    [, port] = await api.waitForOutput('the api to listen', /"msg":"listening"[^\n]*?"port":(\d+)/);
  } catch (err) {
    await api.stop();
    await database.drop();
    throw err;
  }
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    token,
    database,
    get: async (path) => {
      const res = await fetch(`${url}${path}`, { headers: { authorization: `Bearer ${token}` } });
      if (!res.ok) throw new Error(`GET ${path}: ${res.status} ${await res.text()}`);
      return res.json();
    },
    stopApi: api.stop,
    close: async () => {
      await api.stop();
      await database.drop();
    },
  };
}
