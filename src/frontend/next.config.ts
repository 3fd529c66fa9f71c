import path from 'node:path';
import type { NextConfig } from 'next';
import { addCompileHints } from './lib/compile-hints';
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
  // No `experimental.inlineCss`: it put the 14 kB stylesheet in the HTML three times (a <style>
  // and twice in the inline RSC payload: the document 109 kB instead of 68 kB), and the main
  // thread paid more for that than the one cacheable stylesheet request costs (Lighthouse mobile,
  // alternating runs of bench/frontend/lighthouse.ts: median TBT 292 ms without it, 513 ms with it;
  // performance 90 or more in 15 of 18 runs against 8 of 19).
  compiler: {
    // Every browser script starts with V8's compile hint, so Chrome compiles it off the main
    // thread while it downloads (lib/compile-hints.ts). Lighthouse mobile, alternating runs of
    // bench/frontend/lighthouse.ts: see the README's dashboard section.
    runAfterProductionCompile: async ({ distDir }) => {
      await addCompileHints(distDir);
    },
  },
  poweredByHeader: false,
  reactStrictMode: true,
  // The Content-Security-Policy, with its per-request nonce, comes from proxy.ts.
  async headers() {
    return [{ source: '/:path*', headers: [...FIXED_SECURITY_HEADERS] }];
  },
};

export default nextConfig;
