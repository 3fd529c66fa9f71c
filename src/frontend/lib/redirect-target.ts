/**
 * Stands for this site when a target is resolved: an origin no request can have, so a value
 * only counts as "this site" when it is a path, never because a Host header said so.
 */
const THIS_SITE = 'http://dashboard.invalid';

/**
 * Where to go after signing in: a path (and query) on this site, `/` for anything else.
 *
 * The value is resolved the way a browser resolves a Location header (the WHATWG URL parser:
 * tabs and newlines removed, `\` read as `/`), and kept only when it stays on this origin.
 * A prefix check is not enough: `/\t/evil.example` passes one, and the browser, stripping
 * the tab, goes to `//evil.example`. What is returned is the parsed path and query, never the
 * raw value, and a path that a browser would read as another host (`//x`) is refused too.
 */
export function safeRedirectTarget(value: unknown): string {
  if (typeof value !== 'string' || value === '') return '/';
  let url: URL;
  try {
    url = new URL(value, THIS_SITE);
  } catch {
    return '/';
  }
  if (url.origin !== THIS_SITE) return '/';
  // `/.//evil.example` resolves to the path `//evil.example`: a host again, as a Location.
  if (url.pathname.startsWith('//')) return '/';
  // The sign-in page itself would loop.
  if (url.pathname === '/sign-in' || url.pathname.startsWith('/sign-in/')) return '/';
  return `${url.pathname}${url.search}`;
}
