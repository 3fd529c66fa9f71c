import { randomBytes } from 'node:crypto';
import { buildFrontend, startFrontend, type RunningFrontend } from '../../e2e/support/frontend';
import { startSeededApi, type DemoHistory, type SeedSize } from '../../e2e/support/seeded-api';
import { createSessionToken, SESSION_COOKIE } from '../../src/frontend/lib/session';

export interface DashboardStack {
  readonly frontendUrl: string;
  /** The `against` builds' servers (same api, same session secret), in their order. */
  readonly againstUrls: readonly string[];
  readonly apiUrl: string;
  readonly apiToken: string;
  /** `Cookie` header value of a valid session: requests skip the sign-in form. */
  readonly sessionCookie: string;
  close(): Promise<void>;
}

/**
 * The built dashboard (standalone server) in front of the real api over a seeded test database.
 * Needs DATABASE_URL (a PostgreSQL superuser URL), like the tests.
 */
export async function startDashboardStack(
  data: SeedSize | DemoHistory,
  options: { build: boolean; against?: readonly string[] },
): Promise<DashboardStack> {
  if (!process.env.DATABASE_URL) throw new Error('DATABASE_URL (a PostgreSQL superuser URL) is required');
  if (options.build) await buildFrontend();
  const started = Date.now();
  const api = await startSeededApi(data);
  const what = 'history' in data ? `the demo history (${data.history.users} users, ${data.history.days} days)` : `${data.users} users, ${data.messages} messages over ${data.days} days`;
  console.log(`seeded ${what} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  const sessionSecret = randomBytes(24).toString('hex');
  const env = { API_URL: api.url, API_TOKEN: api.token, DASHBOARD_PASSWORD: randomBytes(8).toString('hex'), SESSION_SECRET: sessionSecret };
  const frontend = await startFrontend(env);
  const against: RunningFrontend[] = [];
  for (const standalone of options.against ?? []) against.push(await startFrontend(env, standalone));
  return {
    frontendUrl: frontend.url,
    againstUrls: against.map((f) => f.url),
    apiUrl: api.url,
    apiToken: api.token,
    sessionCookie: `${SESSION_COOKIE}=${createSessionToken(sessionSecret).token}`,
    close: async () => {
      await frontend.stop();
      for (const f of against) await f.stop();
      await api.close();
    },
  };
}

/** Milliseconds → `12.3 ms`; percentiles of a sample. */
export const ms = (value: number) => `${value.toFixed(1)} ms`;
export function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}
