import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { Telegram, TelegramError } from 'telegraf';
import { LlmConfig } from './config';
import { ChatMessage, Completion, LlmClient, LlmError, LlmTimeoutError } from './llm-client';

/**
 * The port of the Prometheus endpoint (`GET /metrics`) from METRICS_PORT: a port of its own,
 * never published and never behind the edge (the monitoring profile scrapes it on the stack's
 * network). Unset: metrics are counted but not served. 0 picks a free port (tests).
 */
export function readMetricsPort(env: Record<string, string | undefined>): number | undefined {
  const text = env.METRICS_PORT?.trim();
  if (!text) return undefined;
  if (!/^\d{1,5}$/.test(text) || Number(text) > 65535) throw new Error('METRICS_PORT must be an integer from 0 to 65535');
  return Number(text);
}

/** Why an LLM call failed, as a label value: few, fixed values (no provider text). */
export type LlmErrorReason = 'timeout' | 'rate_limited' | 'http_4xx' | 'http_5xx' | 'network' | 'invalid_response';

/**
 * The bot's metrics, in a registry of its own (tests start several bots in one process).
 * Names follow Prometheus conventions: `_total` counters, `_seconds` histograms.
 */
export class BotMetrics {
  readonly registry = new Registry();
  readonly updates = new Counter({
    name: 'bot_updates_total',
    help: 'Telegram updates received, by update type',
    labelNames: ['type'] as const,
    registers: [this.registry],
  });
  readonly replies = new Counter({
    name: 'bot_replies_total',
    help: 'Messages the bot sent to Telegram (sendMessage), by outcome: sent or failed',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  readonly llmDuration = new Histogram({
    name: 'bot_llm_request_duration_seconds',
    help: 'Time the LLM took to answer, by outcome: ok or error',
    labelNames: ['outcome'] as const,
    buckets: [0.25, 0.5, 1, 2, 4, 8, 15, 30, 60, 120],
    registers: [this.registry],
  });
  readonly llmErrors = new Counter({
    name: 'bot_llm_errors_total',
    help: 'LLM calls that gave no answer, by reason',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });
  readonly rateLimitRefusals = new Counter({
    name: 'bot_rate_limit_refusals_total',
    help: 'Calls refused with HTTP 429 (too many requests), by who refused: telegram or llm',
    labelNames: ['by'] as const,
    registers: [this.registry],
  });
  private queueDepth: () => number;

  constructor() {
    this.queueDepth = () => 0;
    collectDefaultMetrics({ register: this.registry });
    const depth = () => this.queueDepth();
    new Gauge({
      name: 'bot_reply_queue_depth',
      help: 'Replies queued or in progress (the LLM is slow; a growing queue means it cannot keep up)',
      registers: [this.registry],
      collect() { this.set(depth()); },
    });
    // Every series exists from the start, so rate() and alerts see zeros rather than nothing.
    for (const outcome of ['sent', 'failed']) this.replies.inc({ outcome }, 0);
    for (const outcome of ['ok', 'error']) this.llmDuration.zero({ outcome });
    for (const reason of LLM_ERROR_REASONS) this.llmErrors.inc({ reason }, 0);
    for (const by of ['telegram', 'llm']) this.rateLimitRefusals.inc({ by }, 0);
  }

  /** Reads the queue depth when scraped. */
  observeQueue(depth: () => number): void {
    this.queueDepth = depth;
  }

  /** Counts an update (before routing) by its type: `message`, `edited_message`... */
  countUpdate(type: string): void {
    this.updates.inc({ type });
  }

  /** Counts sent messages and 429 refusals of every Bot API call, retries included. */
  instrumentTelegram(telegram: Telegram): void {
    const call = telegram.callApi.bind(telegram) as (...args: unknown[]) => Promise<unknown>;
    const measured = async (...args: unknown[]) => {
      const isReply = args[0] === 'sendMessage';
      try {
        const result = await call(...args);
        if (isReply) this.replies.inc({ outcome: 'sent' });
        return result;
      } catch (err) {
        if (err instanceof TelegramError && err.code === 429) this.rateLimitRefusals.inc({ by: 'telegram' });
        if (isReply) this.replies.inc({ outcome: 'failed' });
        throw err;
      }
    };
    telegram.callApi = measured as Telegram['callApi'];
  }

  /** An LLM client whose calls are timed and whose failures are counted by reason. */
  measuredLlmClient(config: LlmConfig): LlmClient {
    return new MeasuredLlmClient(config, this);
  }

  recordLlmCall(seconds: number, err?: unknown): void {
    this.llmDuration.observe({ outcome: err === undefined ? 'ok' : 'error' }, seconds);
    if (err === undefined) return;
    const reason = llmErrorReason(err);
    this.llmErrors.inc({ reason });
    if (reason === 'rate_limited') this.rateLimitRefusals.inc({ by: 'llm' });
  }
}

const LLM_ERROR_REASONS: readonly LlmErrorReason[] = ['timeout', 'rate_limited', 'http_4xx', 'http_5xx', 'network', 'invalid_response'];

export function llmErrorReason(err: unknown): LlmErrorReason {
  if (err instanceof LlmTimeoutError) return 'timeout';
  if (!(err instanceof LlmError) || err.status === undefined) return 'network';
  if (err.status === 429) return 'rate_limited';
  if (err.status >= 500) return 'http_5xx';
  if (err.status >= 400) return 'http_4xx';
  return 'invalid_response';
}

class MeasuredLlmClient extends LlmClient {
  constructor(config: LlmConfig, private readonly metrics: BotMetrics) {
    super(config);
  }

  override async complete(messages: ChatMessage[], timeoutMs?: number): Promise<Completion> {
    const started = process.hrtime.bigint();
    const seconds = () => Number(process.hrtime.bigint() - started) / 1e9;
    try {
      const answer = await super.complete(messages, timeoutMs);
      this.metrics.recordLlmCall(seconds());
      return answer;
    } catch (err) {
      this.metrics.recordLlmCall(seconds(), err);
      throw err;
    }
  }
}

/** `GET /metrics` on its own port (0: a free one); anything else is 404. */
export async function serveMetrics(registry: Registry, port: number): Promise<{ port: number; server: Server }> {
  const server = createServer((req, res) => {
    if (req.method !== 'GET' || req.url !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    registry.metrics().then(
      (text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text),
      () => res.writeHead(500, { 'content-type': 'text/plain' }).end('metrics unavailable\n'),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, () => { server.off('error', reject); resolve(); });
  });
  return { port: (server.address() as AddressInfo).port, server };
}
