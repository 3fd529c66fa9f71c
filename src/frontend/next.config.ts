import path from 'node:path';
import type { NextConfig } from 'next';

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
  async headers() {
    return [{
      source: '/:path*',
      headers: [
        { key: 'X-Frame-Options', value: 'DENY' },
        { key: 'X-Content-Type-Options', value: 'nosniff' },
        { key: 'Referrer-Policy', value: 'same-origin' },
      ],
    }];
  },
};

export default nextConfig;
