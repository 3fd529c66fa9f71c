import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * V8's explicit compile hint (Chrome 136 and later): a script that starts with this comment
 * has all its functions compiled eagerly, while it streams in, on a background thread.
 * Without it V8 compiles each function on the main thread the first time it is called, and
 * the dashboard's scripts (React, the Next.js runtime) are nearly all called at start: that
 * lazy compilation was most of the longest task of a page load (the modules' evaluation)
 * and one hydration step (React's beginWork). Other engines read it as a comment.
 */
export const COMPILE_HINT = '//# allFunctionsCalledOnLoad\n';

/**
 * Puts the compile hint at the top of every script the build emitted for the browser
 * (`<distDir>/static/chunks`). Run after the production compile (next.config.ts), before the
 * build copies or serves anything; running it twice changes nothing. The hint is one line more
 * at the top: browser source maps (`productionBrowserSourceMaps`, off here) would point one line off.
 */
export async function addCompileHints(distDir: string): Promise<string[]> {
  const chunks = join(distDir, 'static', 'chunks');
  const scripts = (await readdir(chunks, { recursive: true })).filter((name) => name.endsWith('.js'));
  const changed: string[] = [];
  for (const name of scripts) {
    const path = join(chunks, name);
    const code = await readFile(path, 'utf8');
    if (code.startsWith(COMPILE_HINT)) continue;
    await writeFile(path, COMPILE_HINT + code);
    changed.push(name);
  }
  return changed;
}
