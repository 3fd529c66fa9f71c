import 'server-only';

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

/**
 * Validates the environment. Every missing or malformed variable is named in one message;
 * values are never echoed (they are secrets).
 */
export function readConfig(env: Readonly<Record<string, string | undefined>> = process.env): ConfigResult {
  const problems: string[] = [];
  const required = (name: string): string => {
    const value = env[name]?.trim() ?? '';
    if (!value) problems.push(`${name} is missing`);
    return value;
  };

  const apiUrl = required('API_URL');
  if (apiUrl && !isHttpUrl(apiUrl)) problems.push('API_URL must be an http(s) URL, e.g. http://api:4000');
  const apiToken = required('API_TOKEN');
  const dashboardPassword = required('DASHBOARD_PASSWORD');
  const sessionSecret = required('SESSION_SECRET');
  if (sessionSecret && sessionSecret.length < MIN_SECRET_LENGTH) {
    problems.push(`SESSION_SECRET must be at least ${MIN_SECRET_LENGTH} characters`);
  }
  const secureFlag = env.SESSION_COOKIE_SECURE?.trim().toLowerCase() ?? '';
  if (secureFlag && secureFlag !== 'true' && secureFlag !== 'false') {
    problems.push('SESSION_COOKIE_SECURE must be true or false');
  }

  if (problems.length > 0) {
    return { ok: false, problems, message: `Invalid configuration: ${problems.join('; ')}` };
  }
  return {
    ok: true,
    config: {
      apiUrl: apiUrl.replace(/\/+$/, ''),
      apiToken,
      dashboardPassword,
      sessionSecret,
      forceSecureCookie: secureFlag === 'true',
    },
  };
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}
