/** @jest-environment node */
import { createSessionToken, isSecureRequest, SESSION_TTL_SECONDS, verifySessionToken } from '@/lib/session';

const SECRET = 'a'.repeat(32) + '-session-secret-for-tests';
const NOW = new Date('2025-03-10T12:00:00Z');

describe('session tokens', () => {
  it('verifies a token it signed, until it expires', () => {
    const { token, expiresAt } = createSessionToken(SECRET, NOW);
    expect(expiresAt.getTime()).toBe(NOW.getTime() + SESSION_TTL_SECONDS * 1000);
    expect(verifySessionToken(token, SECRET, NOW)).toBe(true);
    expect(verifySessionToken(token, SECRET, new Date(expiresAt.getTime() - 1000))).toBe(true);
    expect(verifySessionToken(token, SECRET, expiresAt)).toBe(false);
  });

  it('gives every sign-in a different token', () => {
    expect(createSessionToken(SECRET, NOW).token).not.toBe(createSessionToken(SECRET, NOW).token);
  });

  it('refuses a token signed with another secret', () => {
    const { token } = createSessionToken('b'.repeat(40), NOW);
    expect(verifySessionToken(token, SECRET, NOW)).toBe(false);
  });

  it('refuses a token whose expiry was pushed forward', () => {
    const { token } = createSessionToken(SECRET, NOW);
    const [version, expires, nonce, mac] = token.split('.');
    const forged = [version, String(Number(expires) + 365 * 86_400), nonce, mac].join('.');
    expect(verifySessionToken(forged, SECRET, NOW)).toBe(false);
  });

  it('refuses a tampered signature and malformed values', () => {
    const { token } = createSessionToken(SECRET, NOW);
    const flipped = token.slice(0, -1) + (token.endsWith('A') ? 'B' : 'A');
    for (const bad of [flipped, undefined, '', 'v1', 'v1.abc.nonce.mac', `v2${token.slice(2)}`, `${token}.extra`]) {
      expect(verifySessionToken(bad, SECRET, NOW)).toBe(false);
    }
  });
});

describe('isSecureRequest', () => {
  it('is secure when the client reached the proxy over https', () => {
    expect(isSecureRequest('https', false)).toBe(true);
    expect(isSecureRequest('https, http', false)).toBe(true);
  });

  it('is not secure over plain http unless forced', () => {
    expect(isSecureRequest('http', false)).toBe(false);
    expect(isSecureRequest(null, false)).toBe(false);
    expect(isSecureRequest(null, true)).toBe(true);
  });
});
