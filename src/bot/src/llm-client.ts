import { Agent as HttpAgent, IncomingMessage, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { LlmConfig } from './config';

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

/** The provider did not answer within LLM_TIMEOUT_MS. */
export class LlmTimeoutError extends Error {
  constructor(timeoutMs: number) {
    super(`no answer from the LLM within ${timeoutMs} ms`);
    this.name = 'LlmTimeoutError';
  }
}

/** The provider answered, but not with a usable completion (HTTP error, error body, empty reply). */
export class LlmError extends Error {
  constructor(message: string, readonly status?: number) {
    super(message);
    this.name = 'LlmError';
  }
}

interface CompletionBody {
  choices?: { message?: { content?: unknown } }[];
  error?: { message?: unknown };
  usage?: { total_tokens?: unknown };
}

/** A reply and what it cost. */
export interface Completion {
  readonly text: string;
  /** Tokens billed for the exchange: the provider's count, or an estimate (4 characters a token) when it gives none. */
  readonly tokens: number;
}

/** A failure worth another try: the provider was busy or down, or the connection broke (not a refusal of the request). */
export function isTransientLlmError(err: unknown): boolean {
  if (!(err instanceof LlmError)) return false;
  return err.status === undefined || err.status === 429 || err.status >= 500;
}

/**
 * OpenAI-compatible Chat Completions client (OpenRouter, OpenAI, a local server...).
 * node:http with a keep-alive agent rather than fetch: a third of the allocations per
 * message less (no web streams), which keeps the heap, and so RSS, small under load.
 */
export class LlmClient {
  private readonly endpoint: URL;
  private readonly agent: HttpAgent;

  constructor(private readonly config: LlmConfig) {
    this.endpoint = new URL(`${config.baseUrl}/chat/completions`);
    this.agent = this.endpoint.protocol === 'https:' ? new HttpsAgent({ keepAlive: true }) : new HttpAgent({ keepAlive: true });
  }

  /** One request; it gives up after `timeoutMs` (default LLM_TIMEOUT_MS). */
  async complete(messages: ChatMessage[], timeoutMs = this.config.timeoutMs): Promise<Completion> {
    const { model, temperature, maxTokens } = this.config;
    const { status, text } = await this.post(JSON.stringify({ model, messages, temperature, max_tokens: maxTokens }), timeoutMs);
    let body: CompletionBody = {};
    try {
      body = JSON.parse(text) as CompletionBody;
    } catch {
      // Not JSON (a proxy's error page): reported by status below.
    }
    if (status < 200 || status >= 300 || body.error) {
      const detail = typeof body.error?.message === 'string' ? `: ${body.error.message.slice(0, 200)}` : '';
      throw new LlmError(`LLM answered HTTP ${status}${detail}`, status);
    }
    const content = body.choices?.[0]?.message?.content;
    if (typeof content !== 'string' || content.trim() === '') throw new LlmError('LLM answered without any text', status);
    const reported = body.usage?.total_tokens;
    const tokens = typeof reported === 'number' && reported > 0
      ? reported
      : Math.ceil((messages.reduce((sum, m) => sum + m.content.length, 0) + content.length) / 4);
    return { text: content.trim(), tokens };
  }

  private post(payload: string, timeoutMs: number): Promise<{ status: number; text: string }> {
    const { apiKey } = this.config;
    const send = this.endpoint.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise((resolve, reject) => {
      const req = send(this.endpoint, {
        method: 'POST',
        agent: this.agent,
        headers: {
          'authorization': `Bearer ${apiKey}`,
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(payload),
          // OpenRouter shows this name in its dashboard; other providers ignore it.
          'x-title': 'dialogstack',
        },
      }, (res: IncomingMessage) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          clearTimeout(timer);
          resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') });
        });
        res.on('error', fail);
      });
      // Covers the whole exchange, body included.
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        req.destroy();
      }, timeoutMs);
      function fail(err: Error) {
        clearTimeout(timer);
        reject(timedOut ? new LlmTimeoutError(timeoutMs) : new LlmError(`LLM request failed: ${err.message}`));
      }
      req.on('error', fail);
      req.end(payload);
    });
  }
}
