import { NextResponse, type NextRequest } from 'next/server';
import { currentClientAddress } from './lib/client-address';
import { readConfig } from './lib/config';
import { log } from './lib/log';
import { contentSecurityPolicy, newNonce } from './lib/security-headers';
import { SESSION_COOKIE, verifySessionToken } from './lib/session';
import { SIGN_IN_REFUSED_HEADER, signInLimiter, tooManyAttempts } from './lib/sign-in-limits';

/**
 * Every page gets a Content-Security-Policy with a fresh nonce (Next.js reads it from the
 * request and puts it on its scripts). Every page needs a session, except sign-in (and the
 * health check, excluded by the matcher), whose posts (the sign-in action) are rate limited.
 * Without a valid configuration the request goes on to the page, which explains what is
 * missing and shows no data.
 */
export function proxy(request: NextRequest) {
  const csp = contentSecurityPolicy(newNonce(), process.env.NODE_ENV === 'development');
  const response = route(request, csp);
  response.headers.set('Content-Security-Policy', csp);
  return response;
}

function route(request: NextRequest, csp: string): NextResponse {
  if (request.nextUrl.pathname === '/sign-in') {
    if (request.method === 'POST') {
      const client = currentClientAddress();
      const attempt = signInLimiter().attempt(client);
      if (!attempt.ok) {
        log.warn('sign-in refused: too many attempts', { clientIp: client, limit: attempt.limit, retryAfterSeconds: attempt.retryAfterSeconds });
        // The form's own posts: the action answers with the refusal in its state (see SIGN_IN_REFUSED_HEADER).
        if (isActionPost(request)) return withPolicy(request, csp, String(attempt.retryAfterSeconds));
        return new NextResponse(tooManyAttempts(attempt.retryAfterSeconds), {
          status: 429,
          headers: { 'content-type': 'text/plain', 'retry-after': String(attempt.retryAfterSeconds), 'cache-control': 'no-store' },
        });
      }
    }
    return withPolicy(request, csp);
  }
  const result = readConfig();
  if (!result.ok) return withPolicy(request, csp);
  if (verifySessionToken(request.cookies.get(SESSION_COOKIE)?.value, result.config.sessionSecret)) {
    return withPolicy(request, csp);
  }
  const signIn = new URL('/sign-in', request.url);
  const wanted = `${request.nextUrl.pathname}${request.nextUrl.search}`;
  if (wanted !== '/') signIn.searchParams.set('next', wanted);
  return NextResponse.redirect(signIn);
}

/** On to the page, with the policy on the request so that Next.js puts its nonce on the scripts. */
function withPolicy(request: NextRequest, csp: string, signInRefusedFor?: string): NextResponse {
  const headers = new Headers(request.headers);
  headers.set('content-security-policy', csp);
  headers.delete(SIGN_IN_REFUSED_HEADER);
  if (signInRefusedFor !== undefined) headers.set(SIGN_IN_REFUSED_HEADER, signInRefusedFor);
  return NextResponse.next({ request: { headers } });
}

/**
 * A server action request: with JavaScript, React posts with a Next-Action header; without,
 * the form is a multipart post whose fields name the action (progressive enhancement).
 */
function isActionPost(request: NextRequest): boolean {
  return request.headers.has('next-action') || (request.headers.get('content-type') ?? '').startsWith('multipart/form-data');
}

export const config = {
  matcher: ['/((?!api/health|_next/static|_next/image|favicon.ico|icon.svg|robots.txt).*)'],
};
