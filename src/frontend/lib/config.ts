import 'server-only';
import { ConfigError, Env, readEnv } from '@dialogstack/runtime';

/** What the dashboard server needs at run time. Read per request: nothing is baked at build time. */
export interface DashboardConfig {
  /** Base URL of the statistics api, e.g. http://api:4000. */
  readonly apiUrl: string;
  /** Bearer token for the api. Never leaves the server. */
  readonly apiToken: string;
  readonly dashboardPassword: string;
  /** HMAC key of the session cookie. */
  readonly sessionSecret: string;
  /** true: always set the Secure cookie flag; false: only when the request came over https. */
  readonly forceSecureCookie: boolean;
}

export type ConfigResult =
  | { readonly ok: true; readonly config: DashboardConfig }
  | { readonly ok: false; readonly problems: readonly string[]; readonly message: string };

export const MIN_SECRET_LENGTH = 32;

/** The dashboard's variables: names and defaults are held to the stack model by test/pipeline/service-environment.test.ts. */
export const DASHBOARD_ENV = {
  API_URL: Env.url({ required: true, stripTrailingSlash: true, description: 'e.g. http://api:4000' }),
  API_TOKEN: Env.string({ required: true, secret: true }),
  DASHBOARD_PASSWORD: Env.string({ required: true, secret: true }),
  SESSION_SECRET: Env.string({ required: true, secret: true, minLength: MIN_SECRET_LENGTH }),
  SESSION_COOKIE_SECURE: Env.boolean(),
};

/**
 * Validates the environment. Every missing or malformed variable is named in one message;
 * secrets are never echoed. A result instead of an exception: the server keeps answering its
 * health check and the pages explain what is missing.
 */
export function readConfig(env: Readonly<Record<string, string | undefined>> = process.env): ConfigResult {
  try {
    const e = readEnv(DASHBOARD_ENV, env);
    return {
      ok: true,
      config: {
        apiUrl: e.API_URL,
        apiToken: e.API_TOKEN,
        dashboardPassword: e.DASHBOARD_PASSWORD,
        sessionSecret: e.SESSION_SECRET,
        forceSecureCookie: e.SESSION_COOKIE_SECURE === true,
      },
    };
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    return { ok: false, problems: err.problems, message: err.message };
  }
}
