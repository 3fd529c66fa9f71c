/**
 * The dashboard's security headers, in one place: the proxy (proxy.ts) sends the
 * Content-Security-Policy with a fresh nonce on every page; next.config.ts sends the fixed
 * ones on every response, static files included.
 */

export const FIXED_SECURITY_HEADERS: readonly { key: string; value: string }[] = [
  // Older browsers' frame-ancestors.
  { key: 'X-Frame-Options', value: 'DENY' },
  { key: 'X-Content-Type-Options', value: 'nosniff' },
  // Links out of the dashboard (none today) would not tell other sites what was viewed.
  { key: 'Referrer-Policy', value: 'same-origin' },
  // A dashboard needs no sensors, camera, microphone, payments or devices.
  {
    key: 'Permissions-Policy',
    value: ['accelerometer', 'autoplay', 'camera', 'display-capture', 'geolocation', 'gyroscope', 'magnetometer', 'microphone',
      'payment', 'usb', 'browsing-topics'].map((feature) => `${feature}=()`).join(', '),
  },
  { key: 'Cross-Origin-Opener-Policy', value: 'same-origin' },
];

/** 128 random bits, base64: a script nonce for one response. */
export function newNonce(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return btoa(String.fromCharCode(...bytes));
}

/**
 * Scripts run only when they carry this response's nonce (Next.js adds it to its own
 * scripts when it finds the policy on the request), or when such a script loaded them
 * (`strict-dynamic`: Next's chunks); `'self'` is the fallback of browsers without CSP 3.
 * Styles allow inline attributes: React renders `style=""` (the chart) and nonces cannot
 * cover attributes. Development adds `'unsafe-eval'`, which React's dev tooling needs.
 * No upgrade-insecure-requests: the dashboard may be served over plain HTTP on loopback,
 * and HTTPS is the edge proxy's job.
 */
export function contentSecurityPolicy(nonce: string, development = false): string {
  return [
    "default-src 'self'",
    `script-src 'self' 'nonce-${nonce}' 'strict-dynamic'${development ? " 'unsafe-eval'" : ''}`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}
