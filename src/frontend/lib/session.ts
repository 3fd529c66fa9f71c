import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * The session is a signed, expiring token in an httpOnly cookie: `v1.<expires>.<nonce>.<mac>`,
 * mac = HMAC-SHA256(SESSION_SECRET, `v1.<expires>.<nonce>`). Nothing is stored server-side,
 * so rotating SESSION_SECRET signs everybody out.
 */
export const SESSION_COOKIE = 'dialogstack_session';
export const SESSION_TTL_SECONDS = 7 * 24 * 60 * 60;

const VERSION = 'v1';

export interface SessionToken {
  readonly token: string;
  readonly expiresAt: Date;
}

export function createSessionToken(secret: string, now: Date = new Date(), ttlSeconds = SESSION_TTL_SECONDS): SessionToken {
  const expires = Math.floor(now.getTime() / 1000) + ttlSeconds;
  const payload = `${VERSION}.${expires}.${randomBytes(12).toString('base64url')}`;
  return { token: `${payload}.${mac(secret, payload)}`, expiresAt: new Date(expires * 1000) };
}

/** True when the token was signed with `secret` and has not expired at `now`. */
export function verifySessionToken(token: string | undefined, secret: string, now: Date = new Date()): boolean {
  if (!token) return false;
  const parts = token.split('.');
  if (parts.length !== 4 || parts[0] !== VERSION || !/^\d+$/.test(parts[1])) return false;
  const payload = parts.slice(0, 3).join('.');
  const expected = Buffer.from(mac(secret, payload));
  const given = Buffer.from(parts[3]);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return false;
  return Number(parts[1]) * 1000 > now.getTime();
}

/**
 * The Secure flag: forced by configuration, or when the request reached the proxy in front of
 * us over https (`x-forwarded-proto` may list several hops; the first is the client's).
 */
export function isSecureRequest(forwardedProto: string | null, forceSecure: boolean): boolean {
  if (forceSecure) return true;
  return forwardedProto?.split(',')[0]?.trim().toLowerCase() === 'https';
}

function mac(secret: string, payload: string): string {
  return createHmac('sha256', secret).update(payload).digest('base64url');
}
