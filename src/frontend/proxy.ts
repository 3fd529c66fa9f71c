import { NextResponse, type NextRequest } from 'next/server';
import { readConfig } from './lib/config';
import { SESSION_COOKIE, verifySessionToken } from './lib/session';

/**
 * Every page needs a session, except sign-in (and the health check, excluded by the matcher).
 * Without a valid configuration the request goes on to the page, which explains what is missing
 * and shows no data.
 */
export function proxy(request: NextRequest) {
  if (request.nextUrl.pathname === '/sign-in') return NextResponse.next();
  const result = readConfig();
  if (!result.ok) return NextResponse.next();
  if (verifySessionToken(request.cookies.get(SESSION_COOKIE)?.value, result.config.sessionSecret)) {
    return NextResponse.next();
  }
  const signIn = new URL('/sign-in', request.url);
  const wanted = `${request.nextUrl.pathname}${request.nextUrl.search}`;
  if (wanted !== '/') signIn.searchParams.set('next', wanted);
  return NextResponse.redirect(signIn);
}

export const config = {
  matcher: ['/((?!api/health|_next/static|_next/image|favicon.ico|icon.svg|robots.txt).*)'],
};
