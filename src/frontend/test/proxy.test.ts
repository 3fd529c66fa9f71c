/** @jest-environment node */
import { TrustedProxies } from '@dialogstack/runtime';
import { createServer, request as httpRequest } from 'node:http';
import { AddressInfo } from 'node:net';
import { NextRequest } from 'next/server';
import { currentClientAddress, runWithClientAddress, trackClientAddresses } from '../lib/client-address';
import { SignInLimiter, SIGN_IN_LIMITS } from '../lib/sign-in-limits';

jest.mock('server-only', () => ({}));

const ENV = {
  API_URL: 'http://api:4000',
  API_TOKEN: 'token-0123456789abcdef0123456789abcdef',
  DASHBOARD_PASSWORD: 'a long dashboard password',
  SESSION_SECRET: 's'.repeat(32),
};

/** proxy.ts with a full limiter (the process's limiter lives on globalThis). */
async function loadProxy(): Promise<typeof import('../proxy').proxy> {
  delete (globalThis as Record<symbol, unknown>)[Symbol.for('dialogstack.frontend.sign-in-limiter')];
  return (await import('../proxy')).proxy;
}

const signInPost = () => new NextRequest('http://dashboard.test/sign-in', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
/** The form's posts: with JavaScript (Next-Action header) and without (a multipart form post). */
const actionPosts = () => [
  new NextRequest('http://dashboard.test/sign-in', { method: 'POST', headers: { 'next-action': 'abc' } }),
  new NextRequest('http://dashboard.test/sign-in', { method: 'POST', headers: { 'content-type': 'multipart/form-data; boundary=x' } }),
];
const refusedFor = (response: Response) => response.headers.get('x-middleware-request-x-dialogstack-sign-in-refused');

describe('proxy: security headers', () => {
  const saved = { ...process.env };
  beforeEach(() => Object.assign(process.env, ENV));
  afterEach(() => { process.env = { ...saved }; });

  it('sends a nonce-based, strict-dynamic Content-Security-Policy on every page, with a new nonce each time', async () => {
    const proxy = await loadProxy();
    const policies = [
      new NextRequest('http://dashboard.test/sign-in'),
      new NextRequest('http://dashboard.test/?period=7d'), // no session: redirected, still with the header
    ].map((req) => proxy(req).headers.get('content-security-policy')!);
    for (const policy of policies) {
      expect(policy).toMatch(/script-src 'self' 'nonce-[A-Za-z0-9+/]{22}==' 'strict-dynamic'(;|$)/);
      expect(policy).toContain("frame-ancestors 'none'");
      expect(policy).toContain("object-src 'none'");
      expect(policy).toContain("base-uri 'none'");
      expect(policy).not.toContain('unsafe-eval');
    }
    const nonce = (policy: string) => /'nonce-([^']+)'/.exec(policy)![1];
    expect(nonce(policies[0])).not.toBe(nonce(policies[1]));
  });

  it('hands the policy to Next.js on the request, so that its scripts carry the nonce', async () => {
    const response = (await loadProxy())(new NextRequest('http://dashboard.test/sign-in'));
    // NextResponse.next({ request: { headers } }) passes overridden request headers this way.
    expect(response.headers.get('x-middleware-override-headers')).toContain('content-security-policy');
    expect(response.headers.get('x-middleware-request-content-security-policy')).toBe(response.headers.get('content-security-policy'));
  });
});

describe('proxy: sign-in attempts', () => {
  const saved = { ...process.env };
  beforeEach(() => Object.assign(process.env, ENV));
  afterEach(() => { process.env = { ...saved }; });

  it('answers 429 with Retry-After once one client has used its attempts; other clients still get in', async () => {
    const proxy = await loadProxy();
    const statuses = runWithClientAddress('203.0.113.9', () => Array.from({ length: 12 }, () => proxy(signInPost())));
    expect(statuses.map((r) => r.status)).toEqual([...Array(10).fill(200), 429, 429]);
    const refused = statuses[10];
    expect(refused.headers.get('retry-after')).toBe('30');
    expect(refused.headers.get('content-type')).toBe('text/plain');
    expect(refused.headers.get('content-security-policy')).toContain('nonce-');
    expect(runWithClientAddress('198.51.100.7', () => proxy(signInPost()).status)).toBe(200);
    // The form's own posts go on to the action, told that the attempt was refused.
    for (const post of actionPosts()) {
      const response = runWithClientAddress('203.0.113.9', () => proxy(post));
      expect(response.status).toBe(200);
      expect(Number(refusedFor(response))).toBeGreaterThanOrEqual(1);
    }
    // Reading the page is not an attempt.
    expect(runWithClientAddress('203.0.113.9', () => proxy(new NextRequest('http://dashboard.test/sign-in')).status)).toBe(200);
  });

  it('passes no refusal on for an attempt it allowed, whatever the client sends', async () => {
    const proxy = await loadProxy();
    const forged = new NextRequest('http://dashboard.test/sign-in', { method: 'POST', headers: { 'next-action': 'abc', 'x-dialogstack-sign-in-refused': '5' } });
    const response = runWithClientAddress('203.0.113.11', () => proxy(forged));
    expect(response.status).toBe(200);
    expect(refusedFor(response)).toBeNull();
    expect(response.headers.get('x-middleware-override-headers')).not.toContain('x-dialogstack-sign-in-refused');
  });

  it('logs the refused client\'s address', async () => {
    const proxy = await loadProxy();
    const lines: string[] = [];
    const write = jest.spyOn(process.stdout, 'write').mockImplementation((chunk) => { lines.push(String(chunk)); return true; });
    try {
      runWithClientAddress('203.0.113.10', () => { for (let i = 0; i < 11; i++) proxy(signInPost()); });
    } finally {
      write.mockRestore();
    }
    const entries = lines.map((l) => JSON.parse(l));
    expect(entries).toEqual([expect.objectContaining({ level: 'warn', msg: 'sign-in refused: too many attempts', clientIp: '203.0.113.10', limit: 'client' })]);
  });
});

describe('SignInLimiter', () => {
  it('counts guesses only: the right password gives its attempt back', () => {
    const limiter = new SignInLimiter();
    for (let i = 0; i < 50; i++) {
      expect(limiter.attempt('10.0.0.1', 0).ok).toBe(true);
      limiter.succeeded('10.0.0.1', 0);
    }
  });

  it('limits everyone together too, without charging the client for a globally refused attempt', () => {
    const limiter = new SignInLimiter({ perClient: SIGN_IN_LIMITS.perClient, global: { capacity: 3, refillPerSecond: 1 } });
    expect([1, 2, 3, 4].map((i) => limiter.attempt(`10.0.0.${i}`, 0))).toEqual([
      { ok: true }, { ok: true }, { ok: true }, { ok: false, retryAfterSeconds: 1, limit: 'global' },
    ]);
    for (let i = 0; i < 10; i++) expect(limiter.attempt('10.0.0.4', 1000 * (i + 1)).ok).toBe(true);
  });
});

describe('client address of a request', () => {
  it('is the socket\'s address, whatever X-Forwarded-For the client sends, unless the peer is a trusted proxy', async () => {
    trackClientAddresses(new TrustedProxies([]));
    const seen: string[] = [];
    const server = createServer((_req, res) => {
      // Later, in another tick, as a page or an action would read it.
      setImmediate(() => { seen.push(currentClientAddress()); res.end(); });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      await new Promise<void>((resolve, reject) => {
        httpRequest({ port, host: '127.0.0.1', headers: { 'x-forwarded-for': '6.6.6.6' } }, (res) => { res.resume(); res.on('end', resolve); })
          .on('error', reject).end();
      });
    } finally {
      server.close();
    }
    expect(seen).toEqual(['127.0.0.1']);
    expect(currentClientAddress()).toBe('unknown');
  });
});
