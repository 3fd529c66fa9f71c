import { DEFAULT_SYSTEM_PROMPT, loadConfig } from '@dialogstack/bot';
import { ConfigError } from '@dialogstack/runtime';

const minimal = {
  TELEGRAM_BOT_TOKEN: '123456:AAE-secret_token',
  LLM_API_KEY: 'sk-secret-llm-key',
  DATABASE_URL: 'postgres://bot:db-secret@db:5432/dialogstack',
};

function problems(env: Record<string, string | undefined>, readFile?: (path: string) => string): readonly string[] {
  try {
    loadConfig(env, readFile);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('fills in the documented defaults', () => {
    expect(loadConfig(minimal)).toEqual({
      telegram: { token: minimal.TELEGRAM_BOT_TOKEN, apiRoot: 'https://api.telegram.org', webhook: undefined },
      llm: {
        baseUrl: 'https://openrouter.ai/api/v1',
        apiKey: minimal.LLM_API_KEY,
        model: 'openai/gpt-4o-mini',
        temperature: 0.7,
        maxTokens: 1024,
        timeoutMs: 60_000,
      },
      systemPrompt: DEFAULT_SYSTEM_PROMPT,
      systemPromptSource: 'default',
      contextMessages: 20,
      databaseUrl: minimal.DATABASE_URL,
      port: 8080,
      logLevel: 'info',
      shutdownGraceMs: 20_000,
    });
  });

  it('names every missing required variable in one error', () => {
    const error = (() => { try { loadConfig({}); } catch (err) { return err as ConfigError; } return undefined; })();
    expect(error).toBeInstanceOf(ConfigError);
    expect(error!.problems).toEqual([
      'TELEGRAM_BOT_TOKEN is required (the bot token from @BotFather)',
      'LLM_API_KEY is required (the API key of the LLM provider)',
      'DATABASE_URL is required (postgres://user:password@host:5432/database of the writer role)',
    ]);
    expect(error!.message).toBe(`invalid configuration: ${error!.problems.join('; ')}`);
  });

  it('names every malformed variable and never repeats a secret', () => {
    const found = problems({
      TELEGRAM_BOT_TOKEN: 'not a token secretvalue',
      TELEGRAM_API_ROOT: 'ftp://example.com',
      LLM_API_KEY: 'k',
      LLM_TEMPERATURE: 'warm',
      LLM_MAX_TOKENS: '1.5',
      LLM_TIMEOUT_MS: '-1',
      BOT_CONTEXT_MESSAGES: '0',
      DATABASE_URL: 'mysql://user:dbsecretvalue@host/db',
      PORT: '70000',
      LOG_LEVEL: 'loud',
    });
    expect(found).toEqual([
      'TELEGRAM_BOT_TOKEN is malformed: expected <bot id>:<secret> as issued by @BotFather',
      'TELEGRAM_API_ROOT must be an http(s) URL (got "ftp://example.com")',
      'LLM_TEMPERATURE must be a number from 0 to 2 (got "warm")',
      'LLM_MAX_TOKENS must be an integer from 1 to 1000000 (got "1.5")',
      'LLM_TIMEOUT_MS must be an integer from 100 to 600000 (got "-1")',
      'DATABASE_URL must be a postgres:// URL (postgres://user:password@host:5432/database)',
      'BOT_CONTEXT_MESSAGES must be an integer from 1 to 500 (got "0")',
      'PORT must be an integer from 0 to 65535 (got "70000")',
      'LOG_LEVEL must be one of debug, info, warn, error (got "loud")',
    ]);
    expect(found.join(' ')).not.toMatch(/secretvalue/);
  });

  it('switches to webhook mode with a URL and requires its secret', () => {
    expect(problems({ ...minimal, TELEGRAM_WEBHOOK_URL: 'https://bot.example.com/telegram/hook' })).toEqual([
      'TELEGRAM_WEBHOOK_SECRET is required when TELEGRAM_WEBHOOK_URL is set (Telegram sends it back so forged updates are refused)',
    ]);
    expect(problems({ ...minimal, TELEGRAM_WEBHOOK_URL: 'https://bot.example.com/health', TELEGRAM_WEBHOOK_SECRET: 'has spaces' })).toEqual([
      'TELEGRAM_WEBHOOK_URL must not use the path /health (the health check lives there)',
      'TELEGRAM_WEBHOOK_SECRET must be 1-256 characters of A-Z, a-z, 0-9, _ and - (a Telegram rule)',
    ]);
    const config = loadConfig({ ...minimal, TELEGRAM_WEBHOOK_URL: 'https://bot.example.com/telegram/hook', TELEGRAM_WEBHOOK_SECRET: 's3cret_-' });
    expect(config.telegram.webhook).toEqual({ url: 'https://bot.example.com/telegram/hook', path: '/telegram/hook', secret: 's3cret_-' });
  });

  it('takes the role from BOT_SYSTEM_PROMPT or BOT_SYSTEM_PROMPT_FILE, not both', () => {
    expect(loadConfig({ ...minimal, BOT_SYSTEM_PROMPT: 'Be brief.' })).toMatchObject({ systemPrompt: 'Be brief.', systemPromptSource: 'BOT_SYSTEM_PROMPT' });
    const files: Record<string, string> = { '/roles/pirate.txt': '\nYou are a pirate.\n', '/roles/empty.txt': '  \n' };
    const readFile = (path: string) => {
      if (path in files) return files[path];
      throw Object.assign(new Error('no such file'), { code: 'ENOENT' });
    };
    expect(loadConfig({ ...minimal, BOT_SYSTEM_PROMPT_FILE: '/roles/pirate.txt' }, readFile))
      .toMatchObject({ systemPrompt: 'You are a pirate.', systemPromptSource: 'BOT_SYSTEM_PROMPT_FILE' });
    expect(problems({ ...minimal, BOT_SYSTEM_PROMPT_FILE: '/roles/missing.txt' }, readFile)).toEqual(['BOT_SYSTEM_PROMPT_FILE: cannot read /roles/missing.txt (ENOENT)']);
    expect(problems({ ...minimal, BOT_SYSTEM_PROMPT_FILE: '/roles/empty.txt' }, readFile)).toEqual(['BOT_SYSTEM_PROMPT_FILE: /roles/empty.txt is empty']);
    expect(problems({ ...minimal, BOT_SYSTEM_PROMPT: 'a', BOT_SYSTEM_PROMPT_FILE: '/roles/pirate.txt' }, readFile))
      .toEqual(['BOT_SYSTEM_PROMPT and BOT_SYSTEM_PROMPT_FILE are both set: set one of them']);
  });

  it('treats empty variables as unset (compose passes VAR= through)', () => {
    expect(loadConfig({ ...minimal, LLM_MODEL: '', BOT_SYSTEM_PROMPT: '  ', PORT: '' })).toMatchObject({ port: 8080, systemPromptSource: 'default' });
  });
});
