import { isPostgresUrl } from '@dialogstack/db';
import { Env, LOG_LEVELS, LogLevel, readEnv } from '@dialogstack/runtime';

export interface ApiConfig {
  /** postgres:// URL of the read-only role. Secret. */
  readonly databaseUrl: string;
  /** Bearer token clients must present to read statistics. Secret. */
  readonly apiToken: string;
  /** Origins allowed to call the api from a browser; empty = CORS disabled. */
  readonly corsOrigins: readonly string[];
  /** TCP port; 0 picks a free one (tests). */
  readonly port: number;
  readonly logLevel: LogLevel;
}

export const MIN_API_TOKEN_LENGTH = 32;

/** The api's variables: names and defaults are held to the stack model by test/pipeline/service-environment.test.ts. */
export const API_ENV = {
  DATABASE_URL: Env.string({
    required: true,
    secret: true,
    description: 'postgres://user:password@host:5432/database',
    check: (url) => (isPostgresUrl(url) ? undefined : 'must be a postgres:// or postgresql:// URL'),
  }),
  API_TOKEN: Env.string({ required: true, secret: true, minLength: MIN_API_TOKEN_LENGTH }),
  CORS_ORIGINS: Env.list({ check: corsOriginsProblem }),
  PORT: Env.int({ default: 4000, min: 0, max: 65535 }),
  LOG_LEVEL: Env.oneOf(LOG_LEVELS, { default: 'info' }),
};

/** Reads and checks the environment once, at startup. Throws a ConfigError listing every problem. */
export function loadConfig(env: NodeJS.ProcessEnv): ApiConfig {
  const e = readEnv(API_ENV, env);
  return {
    databaseUrl: e.DATABASE_URL,
    apiToken: e.API_TOKEN,
    corsOrigins: e.CORS_ORIGINS ?? [],
    port: e.PORT,
    logLevel: e.LOG_LEVEL,
  };
}

function corsOriginsProblem(origins: string[]): string | undefined {
  const problems = origins.map(originProblem).filter((problem) => problem !== undefined);
  return problems.length > 0 ? `must list exact origins (scheme://host[:port]): ${problems.join('; ')}` : undefined;
}

/** Why `origin` is not an exact browser origin (scheme://host[:port]), or undefined when it is. */
function originProblem(origin: string): string | undefined {
  if (origin === '*') return "'*' is not allowed: list the dashboard origins explicitly";
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return `'${origin}' is not a URL`;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return `'${origin}' must start with http:// or https://`;
  if (url.origin !== origin) return `'${origin}' must be an origin only, like ${url.origin} (no path, no trailing slash)`;
  return undefined;
}
