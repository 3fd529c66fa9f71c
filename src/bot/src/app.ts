import { dataSourceOptions, migrationStatus, poolQuery } from '@dialogstack/db';
import { Logger } from '@dialogstack/runtime';
import { Telegraf, TelegramError } from 'telegraf';
import { DataSource } from 'typeorm';
import { Admission } from './admission';
import { Assistant } from './assistant';
import { useLeanBotApi } from './bot-api-transport';
import { ChatLanes } from './chat-lanes';
import { BotConfig } from './config';
import { DialogStore, preparedStatements } from './dialog-store';
import { createUpdateHandler } from './handlers';
import { closeServer, createHttpServer, listen } from './http-server';
import { BotMetrics, serveMetrics } from './metrics';
import { DEFAULT_RECOVERY, Recovery, RecoveryOptions } from './recovery';
import { ReplySender } from './reply-sender';
import { callWithRetry } from './telegram-retry';
import { COMMANDS } from './texts';
import { DEFAULT_POLLER_OPTIONS, PollerOptions, UpdatePoller } from './update-poller';
import { UpdateSource } from './update-source';
import { WebhookReceiver } from './webhook-receiver';

export interface BotAppOptions {
  /** Long-polling timings (tests shorten them). */
  poller?: PollerOptions;
  /** Replies queued before the update loop waits. */
  maxPendingReplies?: number;
  /** Port of the Prometheus endpoint (0: a free one). @default none: metrics are only counted */
  metricsPort?: number;
  /** How owed replies are found and answered (tests shorten the interval). */
  recovery?: RecoveryOptions;
}

export interface BotApp {
  /** The HTTP port actually bound (PORT=0 picks a free one). */
  readonly port: number;
  readonly mode: UpdateSource['mode'];
  /** Resolves if the bot hits an error it cannot recover from (the token was revoked). */
  readonly fatal: Promise<Error>;
  readonly metrics: BotMetrics;
  /** The port of `GET /metrics`, when it is served. */
  readonly metricsPort?: number;
  /** Graceful stop: no new updates, replies in progress finish (within the grace period), connections closed. */
  stop(): Promise<void>;
}

/** Wires the bot together and starts taking updates. The schema must already be migrated. */
export async function startBot(config: BotConfig, log: Logger, options: BotAppOptions = {}): Promise<BotApp> {
  const ds = new DataSource({
    ...dataSourceOptions({ url: config.databaseUrl, applicationName: 'dialogstack-bot', poolSize: 10 }),
    // TypeORM would print a failed statement with its parameters (users' messages) as plain
    // text; our own log reports the error, without the content.
    logging: false,
  });
  await ds.initialize();
  const cleanups: (() => Promise<void>)[] = [() => ds.destroy()];
  try {
    const { pending } = await migrationStatus(ds);
    if (pending.length > 0) {
      throw new Error(`the database schema is not up to date (pending: ${pending.join(', ')}); run the migrate one-shot first`);
    }

    const bot = new Telegraf(config.telegram.token, { telegram: { apiRoot: config.telegram.apiRoot, webhookReply: false } });
    useLeanBotApi(bot.telegram);
    const metrics = new BotMetrics();
    metrics.instrumentTelegram(bot.telegram);
    const recoveryOptions = options.recovery ?? DEFAULT_RECOVERY;
    const store = new DialogStore(preparedStatements(poolQuery(ds, {
      onRetry: (err) => log.warn('database session lost; retrying once on a new connection', { err }),
    })), { ms: recoveryOptions.claimMs });
    const replies = new ReplySender(bot.telegram, log);
    const lanes = new ChatLanes(log, options.maxPendingReplies);
    metrics.observeQueue(() => lanes.pendingReplies);
    const assistant = new Assistant(store, metrics.measuredLlmClient(config.llm), replies, log, {
      systemPrompt: config.systemPrompt,
      contextMessages: config.contextMessages,
      llmTimeoutMs: config.llm.timeoutMs,
      dailyTokenBudget: config.limits.dailyTokenBudget,
    });
    const admission = new Admission(config.limits, lanes);
    const handleUpdate = createUpdateHandler({
      lanes, store, assistant, replies, admission, metrics, systemPrompt: config.systemPrompt, log, username: () => bot.botInfo?.username,
    });
    // Webhook mode: telegraf checks the secret and parses the post, then hands the update over.
    bot.use((ctx) => handleUpdate(ctx.update));
    const recovery = new Recovery(store, assistant, lanes, log, recoveryOptions);
    cleanups.unshift(() => recovery.release());

    let reportFatal: (err: Error) => void = () => undefined;
    const fatal = new Promise<Error>((resolve) => { reportFatal = resolve; });
    const source: UpdateSource = config.telegram.webhook
      ? new WebhookReceiver(bot, config.telegram.webhook, log)
      : new UpdatePoller(bot.telegram, handleUpdate, log, reportFatal, options.poller ?? DEFAULT_POLLER_OPTIONS);

    const server = createHttpServer(source);
    const metricsServer = options.metricsPort === undefined ? undefined : await serveMetrics(metrics.registry, options.metricsPort);
    if (metricsServer) {
      cleanups.unshift(() => closeServer(metricsServer.server));
      log.info('metrics served', { port: metricsServer.port, path: '/metrics' });
    }

    bot.botInfo = await callWithRetry(() => bot.telegram.getMe(), 'getMe', log).catch((err: unknown) => {
      if (err instanceof TelegramError && err.code === 401) throw new Error('Telegram refused TELEGRAM_BOT_TOKEN (401 Unauthorized)');
      throw err;
    });
    await bot.telegram.setMyCommands(COMMANDS).catch((err: unknown) => log.warn('could not set the command menu', { err }));
    // Replies owed from before (a crash, an unreachable Telegram) go first in their chats.
    await recovery.start({ exclusive: source.mode === 'polling' });
    await source.start();
    // Only now: until it takes updates, a copy refuses connections (the health check waits, and
    // in webhook mode the proxy retries a refused webhook call on a copy that is running).
    const port = await listen(server, config.port).catch(async (err: unknown) => {
      await source.stop(Date.now());
      throw err;
    });
    cleanups.unshift(() => closeServer(server));
    log.info('http server listening', { port });
    log.info('bot started', {
      mode: source.mode,
      username: bot.botInfo.username,
      model: config.llm.model,
      systemPrompt: config.systemPromptSource,
      contextMessages: config.contextMessages,
    });

    return {
      port,
      mode: source.mode,
      fatal,
      metrics,
      metricsPort: metricsServer?.port,
      stop: async () => {
        const deadline = Date.now() + config.shutdownGraceMs;
        recovery.stop();
        assistant.stop();
        // Webhook mode: no new connection from now on (the proxy retries a refused webhook call
        // on the other copy, where a 503 would have gone back to Telegram); posts in progress finish.
        if (source.mode === 'webhook') void closeServer(server);
        await source.stop(deadline);
        const closed = await lanes.close(deadline);
        if (!closed.finished) log.warn('shutdown grace period over, replies abandoned', { pending: lanes.pendingReplies });
        if (closed.leftOwed > 0) log.info('queued questions left for the next start to answer', { count: closed.leftOwed });
        // What is still in hand goes back to the database queue, for the next process.
        await recovery.release();
        for (const cleanup of cleanups) await cleanup();
      },
    };
  } catch (err) {
    for (const cleanup of cleanups) await cleanup().catch(() => undefined);
    throw err;
  }
}
