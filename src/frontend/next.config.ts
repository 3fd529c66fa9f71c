import path from 'node:path';
import type { NextConfig } from 'next';

// npm workspaces: dependencies are hoisted to the repository root, two levels up.
const repositoryRoot = path.join(__dirname, '..', '..');

const nextConfig: NextConfig = {
  // .next/standalone/src/frontend/server.js plus the traced node_modules: the image copies
  // .next/standalone, .next/static and public, nothing else.
  output: 'standalone',
  outputFileTracingRoot: repositoryRoot,
  turbopack: { root: repositoryRoot },
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
