/**
 * Where to go after signing in. Only a path on this site: `//evil.example` and
 * `/\evil.example` are other hosts to a browser, and the sign-in page itself would loop.
 */
export function safeRedirectTarget(value: unknown): string {
  if (typeof value !== 'string' || !value.startsWith('/')) return '/';
  if (value.startsWith('//') || value.startsWith('/\\')) return '/';
  if (value === '/sign-in' || value.startsWith('/sign-in?') || value.startsWith('/sign-in/')) return '/';
  return value;
}
