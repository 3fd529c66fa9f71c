import { BotApp, BotAppOptions, loadConfig, startBot } from '@dialogstack/bot';
import { createDataSource, migrateUp } from '@dialogstack/db';
import { close, createLlmStubServer, createTelegramEmulatorServer, listen, LlmStub, TelegramEmulator, UserMessageInput } from '@dialogstack/devtools';
import { createLogger } from '@dialogstack/runtime';
import { Server } from 'node:http';
import { Client } from 'pg';
import { createTestDatabase, TestDatabase } from '../../../../test/support/database';

export const TOKEN = '123456:test-token';
export const LLM_KEY = 'test-llm-key';

/**
 * A migrated test database plus the Telegram emulator and the LLM stub on ephemeral ports:
 * everything the bot talks to, with only Telegram and the LLM faked.
 */
export class Harness {
  readonly emulator = new TelegramEmulator();
  readonly llm = new LlmStub({}, LLM_KEY);
  private readonly apps = new Set<BotApp>();
  private servers: Server[] = [];
  private sql?: Client;
  emulatorUrl = '';
  llmUrl = '';

  private constructor(readonly db: TestDatabase) {}

  static async create(prefix: string): Promise<Harness> {
    const db = await createTestDatabase(prefix);
    const ds = createDataSource({ url: db.writerUrl, applicationName: 'test-migrate', poolSize: 1 });
    await ds.initialize();
    await migrateUp(ds, db.readerRole);
    await ds.destroy();
    const harness = new Harness(db);
    await harness.listen();
    return harness;
  }

  /** The bot's environment for these fakes; `overrides` replace or (with undefined) remove variables. */
  env(overrides: Record<string, string | undefined> = {}): Record<string, string | undefined> {
    return {
      TELEGRAM_BOT_TOKEN: TOKEN,
      TELEGRAM_API_ROOT: this.emulatorUrl,
      LLM_BASE_URL: `${this.llmUrl}/v1`,
      LLM_API_KEY: LLM_KEY,
      LLM_MODEL: 'test/model',
      DATABASE_URL: this.db.writerUrl,
      PORT: '0',
      BOT_SHUTDOWN_GRACE_MS: '5000',
      ...overrides,
    };
  }

  /** Starts the bot in this process (logs kept quiet unless BOT_TEST_LOGS=1). */
  async startBot(overrides: Record<string, string | undefined> = {}, options: BotAppOptions = {}): Promise<BotApp> {
    const config = loadConfig(this.env(overrides));
    const log = createLogger('bot', { level: process.env.BOT_TEST_LOGS === '1' ? 'debug' : 'error' });
    const app = await startBot(config, log, options);
    this.apps.add(app);
    return app;
  }

  async stopBot(app: BotApp): Promise<void> {
    this.apps.delete(app);
    await app.stop();
  }

  async query<T = Record<string, unknown>>(text: string, params: unknown[] = []): Promise<T[]> {
    if (!this.sql) {
      this.sql = new Client({ connectionString: this.db.adminUrl });
      await this.sql.connect();
    }
    return (await this.sql.query(text, params)).rows as T[];
  }

  /** Stops and restarts the emulator's HTTP server on the same port (Telegram unreachable meanwhile). */
  async emulatorOutage(during: () => Promise<void>): Promise<void> {
    const port = Number(new URL(this.emulatorUrl).port);
    await close(this.servers[0]);
    await during();
    this.servers[0] = createTelegramEmulatorServer(this.emulator, { token: TOKEN });
    await listen(this.servers[0], port, '127.0.0.1');
  }

  async close(): Promise<void> {
    for (const app of this.apps) await app.stop();
    this.emulator.close();
    for (const server of this.servers) await close(server);
    await this.sql?.end();
    await this.db.drop();
  }

  private async listen(): Promise<void> {
    const telegram = createTelegramEmulatorServer(this.emulator, { token: TOKEN });
    const llm = createLlmStubServer(this.llm);
    this.servers = [telegram, llm];
    this.emulatorUrl = `http://127.0.0.1:${await listen(telegram, 0, '127.0.0.1')}`;
    this.llmUrl = `http://127.0.0.1:${await listen(llm, 0, '127.0.0.1')}`;
  }
}

/** Sends `text` as `from` and resolves with the bot's first answer to it. */
export async function ask(emulator: TelegramEmulator, from: UserMessageInput['from'], text: string, timeoutMs = 10_000): Promise<string> {
  const sent = emulator.sendUserMessage({ from, text });
  const [reply] = await emulator.waitForSent(sent.chatId, { afterMessageId: sent.messageId, timeoutMs });
  return reply.text;
}

export function waitFor(condition: () => boolean, timeoutMs = 10_000, what = 'condition'): Promise<void> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const tick = () => {
      if (condition()) resolve();
      else if (Date.now() - started > timeoutMs) reject(new Error(`timed out waiting for ${what}`));
      else setTimeout(tick, 20);
    };
    tick();
  });
}
