import { isPostgresUrl } from '@dialogstack/db';
import { ConfigError, Env, EnvOf, EnvRule, LOG_LEVELS, LogLevel, readEnv } from '@dialogstack/runtime';
import { readFileSync } from 'node:fs';

export interface WebhookConfig {
  /** Public HTTPS URL Telegram posts updates to. */
  readonly url: string;
  /** Path of that URL: where our HTTP server accepts the posts. */
  readonly path: string;
  readonly secret: string;
}

export interface LlmConfig {
  readonly baseUrl: string;
  readonly apiKey: string;
  readonly model: string;
  readonly temperature: number;
  readonly maxTokens: number;
  readonly timeoutMs: number;
}

export interface BotConfig {
  readonly telegram: {
    readonly token: string;
    readonly apiRoot: string;
    /** Absent: long polling. */
    readonly webhook?: WebhookConfig;
  };
  readonly llm: LlmConfig;
  readonly systemPrompt: string;
  /** Where the system prompt came from, for the start-up log. */
  readonly systemPromptSource: 'default' | 'BOT_SYSTEM_PROMPT' | 'BOT_SYSTEM_PROMPT_FILE';
  /** Messages of the dialog sent to the LLM, the new one included. */
  readonly contextMessages: number;
  readonly databaseUrl: string;
  readonly port: number;
  readonly logLevel: LogLevel;
  /** How long shutdown waits for replies in progress. */
  readonly shutdownGraceMs: number;
}

export const DEFAULT_SYSTEM_PROMPT = [
  'You are a helpful, friendly assistant in a Telegram chat.',
  'Answer clearly and concisely, in the language the user writes in.',
  'Write plain text: Telegram shows your reply as is, without rendering Markdown.',
  'If you are not sure about something, say so instead of guessing.',
].join(' ');

const TELEGRAM_TOKEN = /^\d+:[A-Za-z0-9_-]+$/;
const TELEGRAM_SECRET_TOKEN = /^[A-Za-z0-9_-]{1,256}$/;

/** The bot's variables: names and defaults are held to the stack model by test/pipeline/service-environment.test.ts. */
export const BOT_ENV = {
  TELEGRAM_BOT_TOKEN: Env.string({
    required: true,
    secret: true,
    description: 'the bot token from @BotFather',
    check: (token) => (TELEGRAM_TOKEN.test(token) ? undefined : 'is malformed: expected <bot id>:<secret> as issued by @BotFather'),
  }),
  TELEGRAM_API_ROOT: Env.url({ default: 'https://api.telegram.org' }),
  TELEGRAM_WEBHOOK_URL: Env.url({
    check: (url) => (new URL(url).pathname === '/health' ? 'must not use the path /health (the health check lives there)' : undefined),
  }),
  TELEGRAM_WEBHOOK_SECRET: Env.string({
    secret: true,
    check: (secret) => (TELEGRAM_SECRET_TOKEN.test(secret) ? undefined : 'must be 1-256 characters of A-Z, a-z, 0-9, _ and - (a Telegram rule)'),
  }),
  LLM_BASE_URL: Env.url({ default: 'https://openrouter.ai/api/v1', stripTrailingSlash: true }),
  LLM_API_KEY: Env.string({ required: true, secret: true, description: 'the API key of the LLM provider' }),
  LLM_MODEL: Env.string({ default: 'openai/gpt-4o-mini' }),
  LLM_TEMPERATURE: Env.number({ default: 0.7, min: 0, max: 2 }),
  LLM_MAX_TOKENS: Env.int({ default: 1024, min: 1, max: 1_000_000 }),
  LLM_TIMEOUT_MS: Env.int({ default: 60_000, min: 100, max: 600_000 }),
  DATABASE_URL: Env.string({
    required: true,
    secret: true,
    description: 'postgres://user:password@host:5432/database of the writer role',
    check: (url) => (isPostgresUrl(url) ? undefined : 'must be a postgres:// URL (postgres://user:password@host:5432/database)'),
  }),
  BOT_SYSTEM_PROMPT: Env.string(),
  BOT_SYSTEM_PROMPT_FILE: Env.string(),
  BOT_CONTEXT_MESSAGES: Env.int({ default: 20, min: 1, max: 500 }),
  PORT: Env.int({ default: 8080, min: 0, max: 65535 }),
  LOG_LEVEL: Env.oneOf(LOG_LEVELS, { default: 'info' }),
  BOT_SHUTDOWN_GRACE_MS: Env.int({ default: 20_000, min: 0, max: 600_000 }),
};

type BotEnv = EnvOf<typeof BOT_ENV>;

const BOT_RULES: EnvRule<typeof BOT_ENV>[] = [
  {
    variables: ['TELEGRAM_WEBHOOK_URL', 'TELEGRAM_WEBHOOK_SECRET'],
    check: (env) => (env.TELEGRAM_WEBHOOK_URL !== undefined && env.TELEGRAM_WEBHOOK_SECRET === undefined
      ? 'TELEGRAM_WEBHOOK_SECRET is required when TELEGRAM_WEBHOOK_URL is set (Telegram sends it back so forged updates are refused)'
      : undefined),
  },
  {
    variables: ['BOT_SYSTEM_PROMPT', 'BOT_SYSTEM_PROMPT_FILE'],
    check: (env) => (env.BOT_SYSTEM_PROMPT !== undefined && env.BOT_SYSTEM_PROMPT_FILE !== undefined
      ? 'BOT_SYSTEM_PROMPT and BOT_SYSTEM_PROMPT_FILE are both set: set one of them'
      : undefined),
  },
];

/**
 * Reads and validates the bot's configuration. Throws one ConfigError listing every missing
 * or malformed variable, then (once they are fine) a ConfigError if the role file cannot be read.
 */
export function loadConfig(
  env: Readonly<Record<string, string | undefined>> = process.env,
  readFile: (path: string) => string = (p) => readFileSync(p, 'utf8'),
): BotConfig {
  const e = readEnv(BOT_ENV, env, BOT_RULES);
  const prompt = systemPrompt(e, readFile);
  return {
    telegram: {
      token: e.TELEGRAM_BOT_TOKEN,
      apiRoot: e.TELEGRAM_API_ROOT,
      webhook: e.TELEGRAM_WEBHOOK_URL === undefined ? undefined : {
        url: e.TELEGRAM_WEBHOOK_URL,
        path: new URL(e.TELEGRAM_WEBHOOK_URL).pathname,
        secret: e.TELEGRAM_WEBHOOK_SECRET!, // required with the URL (BOT_RULES)
      },
    },
    llm: {
      baseUrl: e.LLM_BASE_URL,
      apiKey: e.LLM_API_KEY,
      model: e.LLM_MODEL,
      temperature: e.LLM_TEMPERATURE,
      maxTokens: e.LLM_MAX_TOKENS,
      timeoutMs: e.LLM_TIMEOUT_MS,
    },
    systemPrompt: prompt.text,
    systemPromptSource: prompt.source,
    contextMessages: e.BOT_CONTEXT_MESSAGES,
    databaseUrl: e.DATABASE_URL,
    port: e.PORT,
    logLevel: e.LOG_LEVEL,
    shutdownGraceMs: e.BOT_SHUTDOWN_GRACE_MS,
  };
}

function systemPrompt(e: BotEnv, readFile: (path: string) => string): { text: string; source: BotConfig['systemPromptSource'] } {
  if (e.BOT_SYSTEM_PROMPT !== undefined) return { text: e.BOT_SYSTEM_PROMPT, source: 'BOT_SYSTEM_PROMPT' };
  const file = e.BOT_SYSTEM_PROMPT_FILE;
  if (file === undefined) return { text: DEFAULT_SYSTEM_PROMPT, source: 'default' };
  let text: string;
  try {
    text = readFile(file).trim();
  } catch (err) {
    throw new ConfigError([`BOT_SYSTEM_PROMPT_FILE: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`]);
  }
  if (text === '') throw new ConfigError([`BOT_SYSTEM_PROMPT_FILE: ${file} is empty`]);
  return { text, source: 'BOT_SYSTEM_PROMPT_FILE' };
}
