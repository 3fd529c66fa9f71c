import { EnvSpec, readEnv } from '@dialogstack/runtime';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dialogstack } from '../../.projenrc';
import { Stack } from '../../projenrc';
import { API_ENV, loadConfig as loadApiConfig } from '../../src/api/src/config';
import { readMetricsPort as readApiMetricsPort } from '../../src/api/src/metrics';
import { BOT_ENV, loadConfig as loadBotConfig } from '../../src/bot/src/config';
import { readMetricsPort as readBotMetricsPort } from '../../src/bot/src/metrics';
import { HISTORY_ENV, LLM_STUB_ENV, TELEGRAM_EMULATOR_ENV, TRAFFIC_ENV } from '../../src/devtools/src/config';
import { DASHBOARD_ENV, readConfig as readDashboardConfig } from '../../src/frontend/lib/config';
import { readMetricsPort as readDashboardMetricsPort } from '../../src/frontend/lib/metrics';

// The dashboard's config module refuses to load outside a React server bundle.
jest.mock('server-only', () => ({}));

const stack = dialogstack({ outdir: mkdtempSync(join(tmpdir(), 'service-env-')) })
  .components.find((c): c is Stack => c instanceof Stack)!;

type Env = Record<string, string | undefined>;

/** Read by the Node.js runtime itself before any app code runs (the model's heap bounds). */
const READ_BY_NODE = ['NODE_OPTIONS'];

/** Every variable name a config reader looks at, recorded through a Proxy over the environment. */
function variablesRead(read: (env: Env) => unknown): string[] {
  const seen = new Set<string>();
  const env = new Proxy({} as Env, {
    get: (_, key) => { if (typeof key === 'string') seen.add(key); return undefined; },
  });
  try { read(env); } catch { /* a missing value is expected to throw; the reads are recorded */ }
  return [...seen].sort();
}

/** `text` as the app's own variable parses it, so `0.70` and `0.7` are the same default. */
function parsedBy(spec: EnvSpec, name: string, text: string): unknown {
  return readEnv({ [name]: spec[name] }, { [name]: text })[name];
}

/** Each reader in turn: a service reads its configuration and, in its metrics module, METRICS_PORT. */
function all(...readers: ((env: Env) => unknown)[]) {
  return (env: Env) => {
    for (const read of readers) {
      try { read(env); } catch { /* a missing value is expected to throw; the reads are recorded */ }
    }
  };
}

/**
 * "A variable read by a service but not declared" checked against the real code: what each
 * service's configuration reader looks at must be exactly what the stack model hands it, and
 * where the model declares a default, the app must apply the same one when run outside compose.
 */
describe.each<[string, EnvSpec, (env: Env) => unknown, string[]]>([
  ['bot', BOT_ENV, all((env) => loadBotConfig(env, () => ''), readBotMetricsPort), []],
  ['api', API_ENV, all((env) => loadApiConfig(env), readApiMetricsPort), []],
  // PORT and HOSTNAME are read by the Next.js standalone server itself (set in the image).
  ['frontend', DASHBOARD_ENV, all((env) => readDashboardConfig(env), readDashboardMetricsPort), []],
  // The demo stand-ins also take settings the demo leaves at their defaults.
  ['telegram', TELEGRAM_EMULATOR_ENV, (env) => readEnv(TELEGRAM_EMULATOR_ENV, env), ['TELEGRAM_EMULATOR_HOST', 'TELEGRAM_EMULATOR_TOKEN']],
  ['llm', LLM_STUB_ENV, (env) => readEnv(LLM_STUB_ENV, env), ['LLM_STUB_HOST', 'LLM_STUB_REPLY_CHARS', 'LLM_STUB_API_KEY']],
  ['traffic', TRAFFIC_ENV, (env) => readEnv(TRAFFIC_ENV, env), ['TRAFFIC_HOST', 'TRAFFIC_MESSAGES_PER_USER', 'TRAFFIC_REPLY_TIMEOUT_MS']],
  ['history', HISTORY_ENV, (env) => readEnv(HISTORY_ENV, env), []],
])('%s', (service, spec, read, notFromCompose) => {
  const model = stack.services.find((s) => s.name === service)!;
  const declared = model.reads.sort();
  const read_ = variablesRead(read).filter((name) => !notFromCompose.includes(name));

  it('reads no variable the stack does not declare for it', () => {
    expect(read_.length).toBeGreaterThan(0);
    expect(read_.filter((name) => !declared.includes(name))).toEqual([]);
  });

  it('is given no variable it never reads', () => {
    expect(declared.filter((name) => !read_.includes(name) && !READ_BY_NODE.includes(name))).toEqual([]);
  });

  it('applies exactly the defaults the stack declares for the variables it passes through', () => {
    const passedThrough = model.passThrough.filter((v) => spec[v.name] !== undefined);
    const modelDefaults = Object.fromEntries(passedThrough
      .filter((v) => v.default !== undefined)
      .map((v) => [v.name, parsedBy(spec, v.name, v.default!)]));
    const appDefaults = Object.fromEntries(passedThrough
      .filter((v) => spec[v.name].default !== undefined)
      .map((v) => [v.name, spec[v.name].default]));
    expect(appDefaults).toEqual(modelDefaults);
  });
});
