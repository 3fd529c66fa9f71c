import { BotApp, LlmError, LlmTimeoutError, TEXTS, llmErrorReason, readMetricsPort } from '@dialogstack/bot';
import { setTimeout as sleep } from 'node:timers/promises';
import { ask, Harness } from './support/harness';

/** The value of one series in Prometheus text format, or undefined when it is absent. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('bot metrics', () => {
  let h: Harness;
  let bot: BotApp;
  let nextUserId = 7000;
  const newUser = () => ({ id: nextUserId++, first_name: 'Metric', language_code: 'en' });
  const scrape = async () => {
    const res = await fetch(`http://127.0.0.1:${bot.metricsPort}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    return res.text();
  };

  beforeAll(async () => {
    h = await Harness.create('bot_metrics');
    bot = await h.startBot({}, { metricsPort: 0 });
  });
  afterEach(() => h.llm.reset());
  afterAll(async () => { await h.close(); });

  it('serves every series on its own port from the start, zeros included', async () => {
    expect(bot.metricsPort).toEqual(expect.any(Number));
    expect(bot.metricsPort).not.toBe(bot.port);
    const text = await scrape();
    for (const series of [
      'bot_replies_total{outcome="sent"}',
      'bot_replies_total{outcome="failed"}',
      'bot_llm_request_duration_seconds_count{outcome="ok"}',
      'bot_llm_errors_total{reason="timeout"}',
      'bot_rate_limit_refusals_total{by="telegram"}',
      'bot_rate_limit_refusals_total{by="llm"}',
      'bot_reply_queue_depth',
    ]) {
      expect({ series, value: sample(text, series) }).toEqual({ series, value: expect.any(Number) });
    }
    expect(text).toMatch(/^process_resident_memory_bytes /m);
    expect((await fetch(`http://127.0.0.1:${bot.metricsPort}/health`)).status).toBe(404);
    // The service port does not serve metrics: it is the one that may be published.
    expect((await fetch(`http://127.0.0.1:${bot.port}/metrics`)).status).toBe(404);
  });

  it('counts updates, replies and the LLM latency of an answered message', async () => {
    const before = await scrape();
    await ask(h.emulator, newUser(), 'hello metrics');
    const after = await scrape();
    const delta = (series: string) => (sample(after, series) ?? 0) - (sample(before, series) ?? 0);
    expect(delta('bot_updates_total{type="message"}')).toBe(1);
    // The reply is counted once Telegram accepted it; the scrape may come a moment later.
    expect(delta('bot_replies_total{outcome="sent"}')).toBeGreaterThanOrEqual(0);
    expect(delta('bot_llm_request_duration_seconds_count{outcome="ok"}')).toBe(1);
    await until('the reply to be counted', async () => (sample(await bot.metrics.registry.metrics(), 'bot_replies_total{outcome="sent"}') ?? 0)
      > (sample(before, 'bot_replies_total{outcome="sent"}') ?? 0));
  });

  it('counts LLM errors by reason and a 429 from the LLM as a rate-limit refusal', async () => {
    const before = await scrape();
    h.llm.configure({ failStatus: 429, failTimes: 1 });
    expect(await ask(h.emulator, newUser(), 'are you there?')).toBe(TEXTS.llmUnavailable);
    const after = await scrape();
    const delta = (series: string) => (sample(after, series) ?? 0) - (sample(before, series) ?? 0);
    expect(delta('bot_llm_errors_total{reason="rate_limited"}')).toBe(1);
    expect(delta('bot_rate_limit_refusals_total{by="llm"}')).toBe(1);
    expect(delta('bot_llm_request_duration_seconds_count{outcome="error"}')).toBe(1);
  });

  it('counts Telegram\'s 429 answers as rate-limit refusals (the call is retried and succeeds)', async () => {
    const before = await scrape();
    h.emulator.failNext({ method: 'sendMessage', status: 429, retryAfter: 1 });
    await ask(h.emulator, newUser(), 'slow down');
    await until('the refusal to be counted', async () => (sample(await scrape(), 'bot_rate_limit_refusals_total{by="telegram"}') ?? 0)
      > (sample(before, 'bot_rate_limit_refusals_total{by="telegram"}') ?? 0));
    const after = await scrape();
    expect((sample(after, 'bot_rate_limit_refusals_total{by="telegram"}') ?? 0) - (sample(before, 'bot_rate_limit_refusals_total{by="telegram"}') ?? 0)).toBe(1);
  });

  it('shows the reply queue while the LLM is slow', async () => {
    h.llm.configure({ delayMs: 600 });
    const user = newUser();
    h.emulator.sendUserMessage({ from: user, text: 'one' });
    h.emulator.sendUserMessage({ from: user, text: 'two' });
    await until('two queued replies', async () => (sample(await scrape(), 'bot_reply_queue_depth') ?? 0) >= 2);
    await until('the queue to drain', async () => sample(await scrape(), 'bot_reply_queue_depth') === 0);
  });

  it('classifies LLM failures into a few fixed reasons', () => {
    expect(llmErrorReason(new LlmTimeoutError(100))).toBe('timeout');
    expect(llmErrorReason(new LlmError('x', 429))).toBe('rate_limited');
    expect(llmErrorReason(new LlmError('x', 503))).toBe('http_5xx');
    expect(llmErrorReason(new LlmError('x', 401))).toBe('http_4xx');
    expect(llmErrorReason(new LlmError('x', 200))).toBe('invalid_response');
    expect(llmErrorReason(new LlmError('x'))).toBe('network');
    expect(llmErrorReason(new Error('boom'))).toBe('network');
  });
});

async function until(what: string, condition: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!await condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

describe('METRICS_PORT', () => {
  it('is optional: unset or blank serves no metrics', () => {
    expect(readMetricsPort({})).toBeUndefined();
    expect(readMetricsPort({ METRICS_PORT: ' ' })).toBeUndefined();
  });

  it('is a TCP port (0: a free one)', () => {
    expect(readMetricsPort({ METRICS_PORT: '9464' })).toBe(9464);
    expect(readMetricsPort({ METRICS_PORT: '0' })).toBe(0);
    for (const bad of ['-1', '65536', 'x', '94.64']) {
      expect(() => readMetricsPort({ METRICS_PORT: bad })).toThrow('METRICS_PORT must be an integer from 0 to 65535');
    }
  });
});
