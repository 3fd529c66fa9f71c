'use server';

import { setTimeout as sleep } from 'node:timers/promises';
import { cookies, headers } from 'next/headers';
import { redirect } from 'next/navigation';
import { currentClientAddress } from './client-address';
import { readConfig } from './config';
import { log } from './log';
import { passwordMatches, WRONG_PASSWORD_DELAY_MS } from './password';
import { safeRedirectTarget } from './redirect-target';
import { createSessionToken, isSecureRequest, SESSION_COOKIE } from './session';
import { SIGN_IN_REFUSED_HEADER, signInLimiter, tooManyAttempts } from './sign-in-limits';

export interface SignInState {
  readonly error?: string;
}

export async function signIn(_previous: SignInState, form: FormData): Promise<SignInState> {
  const result = readConfig();
  if (!result.ok) {
    return { error: 'Sign-in is unavailable: the dashboard server is missing configuration.' };
  }
  const { config } = result;
  const refusedFor = (await headers()).get(SIGN_IN_REFUSED_HEADER);
  if (refusedFor !== null) return { error: tooManyAttempts(Number(refusedFor)) };
  const password = form.get('password');
  if (typeof password !== 'string' || !passwordMatches(password, config.dashboardPassword)) {
    log.warn('sign-in refused: wrong password', { clientIp: currentClientAddress() });
    await sleep(WRONG_PASSWORD_DELAY_MS);
    return { error: 'Wrong password. Check it and try again.' };
  }

  signInLimiter().succeeded(currentClientAddress());
  const session = createSessionToken(config.sessionSecret);
  const forwardedProto = (await headers()).get('x-forwarded-proto');
  (await cookies()).set(SESSION_COOKIE, session.token, {
    httpOnly: true,
    sameSite: 'lax',
    secure: isSecureRequest(forwardedProto, config.forceSecureCookie),
    path: '/',
    expires: session.expiresAt,
  });
  log.info('signed in', { clientIp: currentClientAddress() });
  redirect(safeRedirectTarget(form.get('next')));
}

export async function signOut(): Promise<void> {
  (await cookies()).delete(SESSION_COOKIE);
  redirect('/sign-in');
}
