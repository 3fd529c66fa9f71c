import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dialogstack } from '../../.projenrc';
import { Stack } from '../../projenrc';
import { loadConfig as loadApiConfig } from '../../src/api/src/config';
import { readMetricsPort as readApiMetricsPort } from '../../src/api/src/metrics';
import { loadConfig as loadBotConfig } from '../../src/bot/src/config';
import { readMetricsPort as readBotMetricsPort } from '../../src/bot/src/metrics';
import { readConfig as readDashboardConfig } from '../../src/frontend/lib/config';
import { readMetricsPort as readDashboardMetricsPort } from '../../src/frontend/lib/metrics';

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

/** Each reader in turn: a service reads its configuration and, in its metrics module, METRICS_PORT. */
function all(...readers: ((env: Record<string, string | undefined>) => unknown)[]) {
  return (env: Record<string, string | undefined>) => {
    for (const read of readers) {
      try { read(env); } catch { /* as above */ }
    }
  };
}

/**
 * "A variable read by a service but not declared" checked against the real code: what each
 * service's configuration reader looks at must be exactly what the stack model hands it.
 */
describe.each<[string, (env: Record<string, string | undefined>) => unknown, string[]]>([
  ['bot', all((env) => loadBotConfig(env, () => ''), readBotMetricsPort), []],
  ['api', all((env) => loadApiConfig(env), readApiMetricsPort), []],
  // PORT and HOSTNAME are read by the Next.js standalone server itself (set in the image).
  ['frontend', all((env) => readDashboardConfig(env), readDashboardMetricsPort), []],
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
