import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dialogstack } from '../../.projenrc';
import { Stack } from '../../projenrc';
import { loadConfig as loadApiConfig } from '../../src/api/src/config';
import { loadConfig as loadBotConfig } from '../../src/bot/src/config';
import { readConfig as readDashboardConfig } from '../../src/frontend/lib/config';

// The dashboard's config module refuses to load outside a React server bundle.
jest.mock('server-only', () => ({}));

const stack = dialogstack({ outdir: mkdtempSync(join(tmpdir(), 'service-env-')) })
  .components.find((c): c is Stack => c instanceof Stack)!;

/** Every variable name a config reader looks at, recorded through a Proxy over the environment. */
function variablesRead(read: (env: Record<string, string | undefined>) => unknown): string[] {
  const seen = new Set<string>();
  const env = new Proxy({} as Record<string, string | undefined>, {
    get: (_, key) => { if (typeof key === 'string') seen.add(key); return undefined; },
  });
  try { read(env); } catch { /* a missing value is expected to throw; the reads are recorded */ }
  return [...seen].sort();
}

/**
 * "A variable read by a service but not declared" checked against the real code: what each
 * service's configuration reader looks at must be exactly what the stack model hands it.
 */
describe.each<[string, (env: Record<string, string | undefined>) => unknown, string[]]>([
  ['bot', (env) => loadBotConfig(env, () => ''), []],
  ['api', (env) => loadApiConfig(env), []],
  // PORT and HOSTNAME are read by the Next.js standalone server itself (set in the image).
  ['frontend', (env) => readDashboardConfig(env), []],
])('%s', (service, read, notFromCompose) => {
  const declared = stack.services.find((s) => s.name === service)!.reads.sort();
  const read_ = variablesRead(read).filter((name) => !notFromCompose.includes(name));

  it('reads no variable the stack does not declare for it', () => {
    expect(read_.length).toBeGreaterThan(3);
    expect(read_.filter((name) => !declared.includes(name))).toEqual([]);
  });

  it('is given no variable it never reads', () => {
    expect(declared.filter((name) => !read_.includes(name))).toEqual([]);
  });
});
