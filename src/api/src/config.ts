import { isPostgresUrl } from '@dialogstack/db';
import { z } from 'zod';

/** Log levels of LOG_LEVEL, most severe first; each level includes the ones before it. */
export const LOG_LEVELS = ['error', 'warn', 'info', 'debug'] as const;
export type LogLevelName = (typeof LOG_LEVELS)[number];

export interface ApiConfig {
  /** postgres:// URL of the read-only role. Secret. */
  readonly databaseUrl: string;
  /** Bearer token clients must present to read statistics. Secret. */
  readonly apiToken: string;
  /** Origins allowed to call the api from a browser; empty = CORS disabled. */
  readonly corsOrigins: readonly string[];
  /** TCP port; 0 picks a free one (tests). */
  readonly port: number;
  readonly logLevel: LogLevelName;
}

/** Every problem with the environment at once, each naming its variable but never its value. */
export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`invalid configuration: ${problems.join('; ')}`);
    this.name = 'ConfigError';
  }
}

export const MIN_API_TOKEN_LENGTH = 32;

/** An unset variable and an empty one mean the same: not given. */
const given = (value: unknown) => (value === '' ? undefined : value);

const databaseUrl = z.preprocess(given, z.string({ error: 'DATABASE_URL is required (postgres://user:password@host:5432/database)' })
  .refine(isPostgresUrl, 'DATABASE_URL must be a postgres:// or postgresql:// URL'));

const apiToken = z.preprocess(given, z.string({ error: 'API_TOKEN is required' })
  .min(MIN_API_TOKEN_LENGTH, `API_TOKEN must be at least ${MIN_API_TOKEN_LENGTH} characters`));

const corsOrigins = z.preprocess(given, z.string().optional())
  .transform((value, ctx) => {
    const origins = (value ?? '').split(',').map((o) => o.trim()).filter(Boolean);
    for (const origin of origins) {
      const problem = originProblem(origin);
      if (problem) ctx.addIssue({ code: 'custom', message: `CORS_ORIGINS: ${problem}` });
    }
    return origins;
  });

const port = z.preprocess(given, z.string().default('4000'))
  .transform((value, ctx) => {
    const n = /^\d{1,5}$/.test(value) ? Number(value) : NaN;
    if (!(n >= 0 && n <= 65535)) ctx.addIssue({ code: 'custom', message: 'PORT must be an integer from 0 to 65535' });
    return n;
  });

const logLevel = z.preprocess(given, z.enum(LOG_LEVELS, { error: `LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}` }).default('info'));

const envSchema = z.object({
  DATABASE_URL: databaseUrl,
  API_TOKEN: apiToken,
  CORS_ORIGINS: corsOrigins,
  PORT: port,
  LOG_LEVEL: logLevel,
});

/** Reads and checks the environment once, at startup. Throws ConfigError listing every problem. */
export function loadConfig(env: NodeJS.ProcessEnv): ApiConfig {
  const result = envSchema.safeParse(env);
  if (!result.success) throw new ConfigError(result.error.issues.map((issue) => issue.message));
  const e = result.data;
  return {
    databaseUrl: e.DATABASE_URL,
    apiToken: e.API_TOKEN,
    corsOrigins: e.CORS_ORIGINS,
    port: e.PORT,
    logLevel: e.LOG_LEVEL,
  };
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
