/** @jest-environment node */
import { readConfig } from '@/lib/config';

jest.mock('server-only', () => ({}));

const VALID = {
  API_URL: 'http://api:4000/',
  API_TOKEN: 'token-0123456789abcdef0123456789abcdef',
  DASHBOARD_PASSWORD: 'a long dashboard password',
  SESSION_SECRET: 's'.repeat(32),
};

describe('readConfig', () => {
  it('reads a complete environment, trimming the trailing slash of API_URL', () => {
    const result = readConfig(VALID);
    expect(result).toEqual({
      ok: true,
      config: {
        apiUrl: 'http://api:4000',
        apiToken: VALID.API_TOKEN,
        dashboardPassword: VALID.DASHBOARD_PASSWORD,
        sessionSecret: VALID.SESSION_SECRET,
        forceSecureCookie: false,
      },
    });
  });

  it('names every missing variable in one message', () => {
    const result = readConfig({});
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems).toEqual([
      'API_URL is required (e.g. http://api:4000)',
      'API_TOKEN is required',
      'DASHBOARD_PASSWORD is required',
      'SESSION_SECRET is required',
    ]);
    expect(result.message).toBe(
      'invalid configuration: API_URL is required (e.g. http://api:4000); API_TOKEN is required; DASHBOARD_PASSWORD is required; SESSION_SECRET is required',
    );
  });

  it('rejects malformed values without echoing them', () => {
    const result = readConfig({ ...VALID, API_URL: 'api:4000', SESSION_SECRET: 'short-secret-value', SESSION_COOKIE_SECURE: 'yes' });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems).toEqual([
      'API_URL must be an http(s) URL (got "api:4000")',
      'SESSION_SECRET must be at least 32 characters',
      'SESSION_COOKIE_SECURE must be true or false (got "yes")',
    ]);
    expect(result.message).not.toContain('short-secret-value');
  });

  it('treats a blank value as missing (no default password)', () => {
    const result = readConfig({ ...VALID, DASHBOARD_PASSWORD: '   ' });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problems).toEqual(['DASHBOARD_PASSWORD is required']);
  });

  it('forces the Secure cookie flag with SESSION_COOKIE_SECURE=true', () => {
    const result = readConfig({ ...VALID, SESSION_COOKIE_SECURE: 'true' });
    expect(result.ok && result.config.forceSecureCookie).toBe(true);
  });
});
