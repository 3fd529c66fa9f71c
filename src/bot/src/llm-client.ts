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
}

/** OpenAI-compatible Chat Completions client (OpenRouter, OpenAI, a local server...). */
export class LlmClient {
  private readonly endpoint: string;

  constructor(private readonly config: LlmConfig) {
    this.endpoint = `${config.baseUrl}/chat/completions`;
  }

  async complete(messages: ChatMessage[]): Promise<string> {
    const { apiKey, model, temperature, maxTokens, timeoutMs } = this.config;
    let res: Response;
    let body: CompletionBody;
    try {
      res = await fetch(this.endpoint, {
        method: 'POST',
        headers: {
          'authorization': `Bearer ${apiKey}`,
          'content-type': 'application/json',
          // OpenRouter shows this name in its dashboard; other providers ignore it.
          'x-title': 'dialogstack',
        },
        body: JSON.stringify({ model, messages, temperature, max_tokens: maxTokens }),
        // Covers the whole exchange, body included.
        signal: AbortSignal.timeout(timeoutMs),
      });
      body = await res.json().catch(() => ({})) as CompletionBody;
    } catch (err) {
      if ((err as Error).name === 'TimeoutError') throw new LlmTimeoutError(timeoutMs);
      throw new LlmError(`LLM request failed: ${(err as Error).message}`);
    }
    if (!res.ok || body.error) {
      const detail = typeof body.error?.message === 'string' ? `: ${body.error.message.slice(0, 200)}` : '';
      throw new LlmError(`LLM answered HTTP ${res.status}${detail}`, res.status);
    }
    const content = body.choices?.[0]?.message?.content;
    if (typeof content !== 'string' || content.trim() === '') throw new LlmError('LLM answered without any text', res.status);
    return content.trim();
  }
}
