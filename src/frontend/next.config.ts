import path from 'node:path';
import type { NextConfig } from 'next';
import { FIXED_SECURITY_HEADERS } from './lib/security-headers';

// npm workspaces: dependencies are hoisted to the repository root, two levels up.
const repositoryRoot = path.join(__dirname, '..', '..');

const nextConfig: NextConfig = {
  // .next/standalone/src/frontend/server.js plus the traced node_modules: the image copies
  // .next/standalone, .next/static and public, nothing else.
  output: 'standalone',
  outputFileTracingRoot: repositoryRoot,
  turbopack: {
    root: repositoryRoot,
    // No legacy polyfills: see lib/no-polyfills.js.
    resolveAlias: { '../build/polyfills/polyfill-module': './lib/no-polyfills.js' },
  },
  // The stylesheet (4 kB compressed) inline in the HTML: no render-blocking request before the first paint.
  experimental: { inlineCss: true },
  poweredByHeader: false,
  reactStrictMode: true,
  // The Content-Security-Policy, with its per-request nonce, comes from proxy.ts.
  async headers() {
    return [{ source: '/:path*', headers: [...FIXED_SECURITY_HEADERS] }];
  },
};

export default nextConfig;
