import { ConfigError } from '@dialogstack/runtime';
import { loadConfig } from '../src/config';

const TOKEN = 'a-secret-token-of-32-characters!';
const URL_WITH_SECRET = 'postgres://reader:hunter2@db:5432/dialogstack';
const valid = { DATABASE_URL: URL_WITH_SECRET, API_TOKEN: TOKEN };

const problems = (env: NodeJS.ProcessEnv): ConfigError => {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
};

describe('loadConfig', () => {
  it('applies defaults: port 4000, log level info, CORS disabled', () => {
    expect(loadConfig(valid)).toEqual({ databaseUrl: URL_WITH_SECRET, apiToken: TOKEN, corsOrigins: [], port: 4000, logLevel: 'info' });
  });

  it('names every missing or malformed variable in one message, without any value', () => {
    const err = problems({ API_TOKEN: 'short-secret', PORT: '70000', LOG_LEVEL: 'loud', CORS_ORIGINS: '*' });
    expect(err.problems).toHaveLength(5);
    for (const name of ['DATABASE_URL', 'API_TOKEN', 'PORT', 'LOG_LEVEL', 'CORS_ORIGINS']) expect(err.message).toContain(name);
    expect(err.message).not.toContain('short-secret');
  });

  it('rejects a DATABASE_URL that is not postgres:// without echoing it', () => {
    const err = problems({ ...valid, DATABASE_URL: 'mysql://root:hunter2@db/x' });
    expect(err.problems).toEqual(['DATABASE_URL must be a postgres:// or postgresql:// URL']);
    expect(err.message).not.toContain('hunter2');
  });

  it('treats empty variables as unset', () => {
    expect(problems({ DATABASE_URL: '', API_TOKEN: '' }).problems).toHaveLength(2);
    expect(loadConfig({ ...valid, PORT: '', LOG_LEVEL: '', CORS_ORIGINS: '' })).toMatchObject({ port: 4000, logLevel: 'info', corsOrigins: [] });
  });

  it('reads CORS_ORIGINS as an exact allow-list of origins', () => {
    expect(loadConfig({ ...valid, CORS_ORIGINS: ' https://stats.example.com, http://localhost:3000 ,' }).corsOrigins)
      .toEqual(['https://stats.example.com', 'http://localhost:3000']);
    expect(problems({ ...valid, CORS_ORIGINS: 'https://stats.example.com/' }).message).toContain('no path, no trailing slash');
    expect(problems({ ...valid, CORS_ORIGINS: 'stats.example.com' }).message).toContain('CORS_ORIGINS');
    expect(problems({ ...valid, CORS_ORIGINS: 'https://a.example, *' }).message).toContain("'*' is not allowed");
  });

  it('accepts PORT 0 (any free port) and rejects non-integers', () => {
    expect(loadConfig({ ...valid, PORT: '0' }).port).toBe(0);
    expect(problems({ ...valid, PORT: '80.5' }).problems).toEqual(['PORT must be an integer from 0 to 65535 (got "80.5")']);
  });
});
