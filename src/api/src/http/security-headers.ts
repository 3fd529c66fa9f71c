import { API_ROUTES } from '@dialogstack/contract';
import type { IncomingMessage, ServerResponse } from 'node:http';

/** JSON only: nothing in a response may run, load, or be framed. */
const JSON_POLICY = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";
/** Swagger UI: its own scripts and styles (served from swagger-ui-dist here), inline styles, data: images. */
const DOCS_POLICY = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; "
  + "frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/** The headers every api response carries (browsers are not the api's clients, but may visit it). */
export function securityHeaders() {
  return (req: IncomingMessage, res: ServerResponse, next: () => void): void => {
    const docs = (req.url ?? '').startsWith(API_ROUTES.docs);
    res.setHeader('Content-Security-Policy', docs ? DOCS_POLICY : JSON_POLICY);
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('X-Frame-Options', 'DENY');
    res.setHeader('Referrer-Policy', 'no-referrer');
    res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
    res.setHeader('Cross-Origin-Resource-Policy', 'same-site');
    next();
  };
}
