import 'server-only';
import { cookies } from 'next/headers';
import { redirect } from 'next/navigation';
import type { DashboardConfig } from './config';
import { SESSION_COOKIE, verifySessionToken } from './session';

export async function hasSession(config: Pick<DashboardConfig, 'sessionSecret'>): Promise<boolean> {
  const token = (await cookies()).get(SESSION_COOKIE)?.value;
  return verifySessionToken(token, config.sessionSecret);
}

/**
 * The proxy already turns away requests without a session; pages check again so that no
 * data is rendered if a matcher change ever lets one through.
 */
export async function requireSession(config: Pick<DashboardConfig, 'sessionSecret'>): Promise<void> {
  if (!(await hasSession(config))) redirect('/sign-in');
}
