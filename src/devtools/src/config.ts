/**
 * The variables of each devtools role: names and defaults are held to the stack model's demo
 * services by test/pipeline/service-environment.test.ts.
 */
import { Env } from '@dialogstack/runtime';

const PORT = { min: 0, max: 65535 };

/** `devtools telegram`: the Telegram Bot API emulator. */
export const TELEGRAM_EMULATOR_ENV = {
  TELEGRAM_EMULATOR_PORT: Env.int({ default: 8081, ...PORT }),
  TELEGRAM_EMULATOR_HOST: Env.string({ default: '0.0.0.0' }),
  /** Unset: any bot token is accepted. */
  TELEGRAM_EMULATOR_TOKEN: Env.string(),
};

/** `devtools llm`: the OpenAI-compatible LLM stub. */
export const LLM_STUB_ENV = {
  LLM_STUB_PORT: Env.int({ default: 8082, ...PORT }),
  LLM_STUB_HOST: Env.string({ default: '0.0.0.0' }),
  LLM_STUB_DELAY_MS: Env.int({ default: 0, min: 0, max: 600_000 }),
  LLM_STUB_REPLY_CHARS: Env.int({ default: 0, min: 0, max: 1_000_000 }),
  /** Unset: any API key is accepted. */
  LLM_STUB_API_KEY: Env.string(),
};

/** `devtools traffic`: simulated users chatting through the emulator. */
export const TRAFFIC_ENV = {
  TRAFFIC_PORT: Env.int({ default: 8083, ...PORT }),
  TRAFFIC_HOST: Env.string({ default: '0.0.0.0' }),
  TRAFFIC_TELEGRAM_URL: Env.url({ default: 'http://127.0.0.1:8081', stripTrailingSlash: true }),
  TRAFFIC_USERS: Env.int({ default: 5, min: 1, max: 1000 }),
  TRAFFIC_MESSAGES_PER_USER: Env.int({ default: 4, min: 1, max: 1000 }),
  TRAFFIC_PAUSE_MS: Env.int({ default: 1500, min: 0, max: 600_000 }),
  TRAFFIC_REPLY_TIMEOUT_MS: Env.int({ default: 60_000, min: 1, max: 600_000 }),
  /** 0: keep chatting until stopped. */
  TRAFFIC_ROUNDS: Env.int({ default: 1, min: 0, max: 1_000_000 }),
};

/** `devtools history`: the demo's past, written once into the database before the live traffic. */
export const HISTORY_ENV = {
  DATABASE_URL: Env.string({
    required: true,
    secret: true,
    description: 'postgres://user:password@host:5432/database of the writer role',
    check: (url) => (/^postgres(ql)?:\/\//.test(url) ? undefined : 'must be a postgres:// URL (postgres://user:password@host:5432/database)'),
  }),
  HISTORY_DAYS: Env.int({ default: 90, min: 1, max: 3650 }),
  HISTORY_USERS: Env.int({ default: 40, min: 1, max: 1000 }),
};
