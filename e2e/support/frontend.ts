import { cpSync, existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Locator } from 'playwright-core';
import { freePort, REPO_ROOT, waitFor } from './docker';
import { exec, startService } from './process';

export const FRONTEND_DIR = join(REPO_ROOT, 'src', 'frontend');
const NEXT_DIR = join(FRONTEND_DIR, '.next');
/** Where the image puts the standalone server: `.next/standalone` copied to the app root. */
const STANDALONE_APP = join(NEXT_DIR, 'standalone', 'src', 'frontend');

/** Set to the env of the build in .next, by the process that made it. */
const BUILT_MARKER = 'DIALOGSTACK_E2E_FRONTEND_BUILT';
/** The dashboard's own variables: removed from a build's environment unless passed in. */
const DASHBOARD_VARIABLES = ['API_URL', 'API_TOKEN', 'DASHBOARD_PASSWORD', 'SESSION_SECRET', 'SESSION_COOKIE_SECURE', 'TRUSTED_PROXIES'];

/**
 * Builds the dashboard the way its Dockerfile does: the contract compiled to dist, then
 * `next build` with only `env` set of the dashboard's variables, then `.next/static` and
 * `public` copied beside the standalone server.
 *
 * E2E_REUSE_FRONTEND_BUILD=1 keeps a build made without variables, for running one test file
 * many times over unchanged sources (a flakiness loop); a build with variables is always redone.
 */
export async function buildFrontend(env: Record<string, string> = {}): Promise<void> {
  if (process.env.E2E_REUSE_FRONTEND_BUILD === '1' && Object.keys(env).length === 0 && existsSync(join(STANDALONE_APP, 'server.js'))) return;
  // e2e files run one after another in one process: a second file asking for the same build reuses it.
  const key = JSON.stringify(env);
  if (process.env[BUILT_MARKER] === key) return;
  delete process.env[BUILT_MARKER];
  const base = Object.fromEntries(Object.entries(process.env).filter(([name]) => !DASHBOARD_VARIABLES.includes(name)));
  await exec('npx', ['tsc', '-b', 'src/contract', 'src/runtime'], base);
  rmSync(NEXT_DIR, { recursive: true, force: true });
  await exec('npm', ['run', 'build', '--workspace', 'src/frontend'], { ...base, ...env, NEXT_TELEMETRY_DISABLED: '1' });
  cpSync(join(NEXT_DIR, 'static'), join(STANDALONE_APP, '.next', 'static'), { recursive: true });
  cpSync(join(FRONTEND_DIR, 'public'), join(STANDALONE_APP, 'public'), { recursive: true });
  process.env[BUILT_MARKER] = key;
}

/** Every file under `dir` whose name ends with `suffix`. */
export function filesUnder(dir: string, suffix = ''): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((name) => join(dir, name))
    .filter((path) => path.endsWith(suffix) && statSync(path).isFile());
}

export const BUILD_OUTPUT = { static: join(NEXT_DIR, 'static'), standalone: join(NEXT_DIR, 'standalone') };

export interface RunningFrontend {
  readonly url: string;
  /** Everything the server printed so far. */
  output(): string;
  stop(): Promise<void>;
}

/**
 * Starts the built standalone server as the container does (`node server.js`), with exactly
 * `env` plus PATH, PORT and HOSTNAME, and waits for its health check. `standalone` is another
 * build's `.next/standalone` (a copy kept to compare builds); the default is the current build.
 */
export async function startFrontend(env: Record<string, string>, standalone?: string): Promise<RunningFrontend> {
  const port = await freePort();
  const app = standalone === undefined ? STANDALONE_APP : join(standalone, 'src', 'frontend');
  const server = startService(process.execPath, [join(app, 'server.js')], {
    PATH: process.env.PATH ?? '', PORT: String(port), HOSTNAME: '127.0.0.1', NEXT_TELEMETRY_DISABLED: '1', ...env,
  }, app);
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitFor('the dashboard health check', async () => (await fetch(`${url}/api/health`)).ok || undefined, 30_000, 200);
  } catch (err) {
    await server.stop();
    throw new Error(`${(err as Error).message}\n--- server output ---\n${server.output()}`);
  }
  return { url, output: server.output, stop: server.stop };
}

/**
 * Resolves once React has hydrated the element `target` finds (React keeps its props on the
 * element). Acting earlier loses the event on a busy machine: a click on the sign-in form,
 * whose action is a client function, does nothing before hydration; a pointer move over the
 * chart's client-only read-out shows nothing.
 */
export async function hydrated(target: Locator, timeoutMs = 30_000): Promise<void> {
  // The locator is resolved again on every try: streaming can replace the element it found first.
  const isHydrated = () => target.first().evaluate((el) => Object.keys(el).some((k) => k.startsWith('__reactProps$')), undefined, { timeout: timeoutMs });
  for (const deadline = Date.now() + timeoutMs; !(await isHydrated());) {
    if (Date.now() > deadline) {
      const page = await target.page().evaluate(() => ({
        url: location.href,
        readyState: document.readyState,
        scripts: Array.from(document.scripts).map((s) => s.src.replace(location.origin, '') || `inline ${s.textContent?.length ?? 0}`),
        flight: (self as unknown as { __next_f?: unknown[] }).__next_f?.length,
        visibility: document.visibilityState,
      }));
      throw new Error(`not hydrated after ${timeoutMs} ms: ${String(target)}\n${JSON.stringify(page, null, 1)}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}
