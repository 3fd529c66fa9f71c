import { isPostgresUrl } from '@dialogstack/db';
import { readFileSync } from 'node:fs';
import { LOG_LEVELS, LogLevel } from './logger';

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

/** Every problem found, so one start-up attempt names them all. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration: ${problems.join('; ')}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

/**
 * Reads and validates the bot's configuration. Throws one ConfigError listing every missing
 * or malformed variable. Secret values never appear in a message.
 */
export function loadConfig(env: Env = process.env, readFile: (path: string) => string = (p) => readFileSync(p, 'utf8')): BotConfig {
  const problems: string[] = [];
  const read = new Reader(env, problems);

  const token = read.required('TELEGRAM_BOT_TOKEN', 'the bot token from @BotFather');
  if (token && !/^\d+:[A-Za-z0-9_-]+$/.test(token)) problems.push('TELEGRAM_BOT_TOKEN is malformed: expected <bot id>:<secret> as issued by @BotFather');
  const apiRoot = read.url('TELEGRAM_API_ROOT', 'https://api.telegram.org');
  const webhook = readWebhook(read, problems);

  const llm: LlmConfig = {
    baseUrl: read.url('LLM_BASE_URL', 'https://openrouter.ai/api/v1').replace(/\/+$/, ''),
    apiKey: read.required('LLM_API_KEY', 'the API key of the LLM provider'),
    model: read.text('LLM_MODEL', 'openai/gpt-4o-mini'),
    temperature: read.number('LLM_TEMPERATURE', 0.7, 0, 2),
    maxTokens: read.integer('LLM_MAX_TOKENS', 1024, 1, 1_000_000),
    timeoutMs: read.integer('LLM_TIMEOUT_MS', 60_000, 100, 600_000),
  };

  const databaseUrl = read.required('DATABASE_URL', 'postgres://user:password@host:5432/database of the writer role');
  if (databaseUrl && !isPostgresUrl(databaseUrl)) problems.push('DATABASE_URL must be a postgres:// URL (postgres://user:password@host:5432/database)');

  const prompt = readSystemPrompt(read, problems, readFile);
  const config: BotConfig = {
    telegram: { token, apiRoot, webhook },
    llm,
    systemPrompt: prompt.text,
    systemPromptSource: prompt.source,
    contextMessages: read.integer('BOT_CONTEXT_MESSAGES', 20, 1, 500),
    databaseUrl,
    port: read.integer('PORT', 8080, 0, 65535),
    logLevel: read.oneOf('LOG_LEVEL', 'info', LOG_LEVELS),
    shutdownGraceMs: read.integer('BOT_SHUTDOWN_GRACE_MS', 8000, 0, 600_000),
  };
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

function readWebhook(read: Reader, problems: string[]): WebhookConfig | undefined {
  const url = read.optional('TELEGRAM_WEBHOOK_URL');
  const secret = read.optional('TELEGRAM_WEBHOOK_SECRET');
  if (secret !== undefined && !/^[A-Za-z0-9_-]{1,256}$/.test(secret)) {
    problems.push('TELEGRAM_WEBHOOK_SECRET must be 1-256 characters of A-Z, a-z, 0-9, _ and - (a Telegram rule)');
  }
  if (url === undefined) return undefined;
  let path = '/';
  try {
    const parsed = new URL(url);
    if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') throw new Error('protocol');
    path = parsed.pathname;
  } catch {
    problems.push(`TELEGRAM_WEBHOOK_URL must be a URL; Telegram requires https:// (got "${url}")`);
  }
  if (path === '/health') problems.push('TELEGRAM_WEBHOOK_URL must not use the path /health (the health check lives there)');
  if (secret === undefined) problems.push('TELEGRAM_WEBHOOK_SECRET is required when TELEGRAM_WEBHOOK_URL is set (Telegram sends it back so forged updates are refused)');
  return { url, path, secret: secret ?? '' };
}

function readSystemPrompt(read: Reader, problems: string[], readFile: (path: string) => string): { text: string; source: BotConfig['systemPromptSource'] } {
  const inline = read.optional('BOT_SYSTEM_PROMPT');
  const file = read.optional('BOT_SYSTEM_PROMPT_FILE');
  if (inline !== undefined && file !== undefined) {
    problems.push('BOT_SYSTEM_PROMPT and BOT_SYSTEM_PROMPT_FILE are both set: set one of them');
    return { text: DEFAULT_SYSTEM_PROMPT, source: 'default' };
  }
  if (inline !== undefined) return { text: inline, source: 'BOT_SYSTEM_PROMPT' };
  if (file === undefined) return { text: DEFAULT_SYSTEM_PROMPT, source: 'default' };
  try {
    const text = readFile(file).trim();
    if (text === '') problems.push(`BOT_SYSTEM_PROMPT_FILE: ${file} is empty`);
    return { text, source: 'BOT_SYSTEM_PROMPT_FILE' };
  } catch (err) {
    problems.push(`BOT_SYSTEM_PROMPT_FILE: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
    return { text: DEFAULT_SYSTEM_PROMPT, source: 'default' };
  }
}

/** Typed reads of single variables; problems are collected, never thrown one by one. */
class Reader {
  constructor(private readonly env: Env, private readonly problems: string[]) {}

  optional(name: string): string | undefined {
    const value = this.env[name]?.trim();
    return value === undefined || value === '' ? undefined : value;
  }

  required(name: string, what: string): string {
    const value = this.optional(name);
    if (value === undefined) this.problems.push(`${name} is required (${what})`);
    return value ?? '';
  }

  text(name: string, fallback: string): string {
    return this.optional(name) ?? fallback;
  }

  url(name: string, fallback: string): string {
    const value = this.optional(name) ?? fallback;
    try {
      const url = new URL(value);
      if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error('protocol');
    } catch {
      this.problems.push(`${name} must be an http(s) URL (got "${value}")`);
    }
    return value;
  }

  number(name: string, fallback: number, min: number, max: number): number {
    const raw = this.optional(name);
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!Number.isFinite(value) || value < min || value > max) {
      this.problems.push(`${name} must be a number from ${min} to ${max} (got "${raw}")`);
      return fallback;
    }
    return value;
  }

  integer(name: string, fallback: number, min: number, max: number): number {
    const raw = this.optional(name);
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!/^\d+$/.test(raw) || value < min || value > max) {
      this.problems.push(`${name} must be an integer from ${min} to ${max} (got "${raw}")`);
      return fallback;
    }
    return value;
  }

  oneOf<T extends string>(name: string, fallback: T, allowed: readonly T[]): T {
    const raw = this.optional(name);
    if (raw === undefined) return fallback;
    if (!allowed.includes(raw as T)) {
      this.problems.push(`${name} must be one of ${allowed.join(', ')} (got "${raw}")`);
      return fallback;
    }
    return raw as T;
  }
}
