import { Logger } from '@dialogstack/runtime';
import { IncomingMessage, ServerResponse } from 'node:http';
import { Telegraf } from 'telegraf';
import { WebhookConfig } from './config';
import { settlesBy } from './deadline';
import { callWithRetry } from './telegram-retry';
import { UpdateSource } from './update-source';

/**
 * Webhook mode: registers TELEGRAM_WEBHOOK_URL with Telegram and takes the posts on our
 * HTTP server. telegraf verifies the secret token header (a post without it gets 403) and
 * answers 200 once the update is admitted (stored), so Telegram retries anything not stored.
 */
export class WebhookReceiver implements UpdateSource {
  readonly mode = 'webhook';
  private active = false;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly callback: (req: IncomingMessage, res: ServerResponse) => Promise<void>;

  constructor(private readonly bot: Telegraf, private readonly config: WebhookConfig, private readonly log: Logger) {
    this.callback = bot.webhookCallback(config.path, { secretToken: config.secret });
  }

  async start(): Promise<void> {
    await callWithRetry(() => this.bot.telegram.setWebhook(this.config.url, {
      secret_token: this.config.secret,
      allowed_updates: ['message'],
      drop_pending_updates: false,
    }), 'setWebhook', this.log);
    this.active = true;
  }

  accepts(req: IncomingMessage): boolean {
    return req.method === 'POST' && new URL(req.url ?? '/', 'http://bot').pathname === this.config.path;
  }

  handle(req: IncomingMessage, res: ServerResponse): void {
    if (!this.active) {
      // Shutting down: Telegram keeps the update and delivers it again later.
      res.writeHead(503).end();
      return;
    }
    const work = this.callback(req, res).catch((err: unknown) => {
      this.log.error('webhook request failed', { err });
      if (!res.headersSent) res.writeHead(500).end();
    });
    this.inFlight.add(work);
    void work.finally(() => this.inFlight.delete(work));
  }

  isAlive(): boolean {
    return this.active;
  }

  async stop(deadline: number): Promise<void> {
    // The webhook stays registered: Telegram queues updates for the next instance.
    this.active = false;
    await settlesBy(Promise.all(this.inFlight), deadline);
  }
}
