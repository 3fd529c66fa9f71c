export interface ChatCompletionMessage {
  role: string;
  content: string;
}

export interface ChatCompletionRequest {
  model: string;
  messages: ChatCompletionMessage[];
  temperature?: number;
  max_tokens?: number;
}

export interface LlmStubBehaviour {
  /** Wait this long before answering. */
  delayMs: number;
  /** 0: a short reply quoting the conversation; otherwise pad the reply to exactly this many UTF-16 units. */
  replyChars: number;
  /** Answer the next `failTimes` requests with this HTTP status instead of a completion. */
  failStatus: number;
  failTimes: number;
  /**
   * An outage until this time (epoch ms; 0: none): `error` answers every request with
   * `failStatus`, `hang` answers none (the request waits until the client gives up).
   */
  outageUntil: number;
  outage: 'error' | 'hang';
}

export interface StubAnswer {
  status: number;
  body: unknown;
  /** Milliseconds to wait before answering; Infinity: never answer (until the client hangs up). */
  delayMs: number;
}

export const DEFAULT_BEHAVIOUR: LlmStubBehaviour = { delayMs: 0, replyChars: 0, failStatus: 500, failTimes: 0, outageUntil: 0, outage: 'error' };

const MAX_RECORDED_REQUESTS = 1000;

/**
 * An OpenAI-compatible chat completions endpoint with deterministic answers: the reply
 * quotes the user's last message and every earlier user message it was given, so a test
 * reads the bot's memory straight from the reply text.
 */
export class LlmStub {
  private readonly initial: LlmStubBehaviour;
  private behaviour: LlmStubBehaviour;
  private readonly recorded: ChatCompletionRequest[] = [];
  private completions = 0;

  constructor(behaviour: Partial<LlmStubBehaviour> = {}, private readonly apiKey?: string) {
    this.initial = { ...DEFAULT_BEHAVIOUR, ...behaviour };
    this.behaviour = { ...this.initial };
  }

  configure(change: Partial<LlmStubBehaviour>): LlmStubBehaviour {
    this.behaviour = { ...this.behaviour, ...change };
    return this.behaviour;
  }

  get requests(): ChatCompletionRequest[] {
    return [...this.recorded];
  }

  reset(): void {
    this.recorded.length = 0;
    this.behaviour = { ...this.initial };
  }

  answer(body: Record<string, unknown>, authorization: string | undefined): StubAnswer {
    const { delayMs } = this.behaviour;
    if (!authorization?.startsWith('Bearer ') || (this.apiKey !== undefined && authorization !== `Bearer ${this.apiKey}`)) {
      return { status: 401, delayMs: 0, body: apiError('Invalid API key', 'authentication_error') };
    }
    const request = parseRequest(body);
    if (typeof request === 'string') return { status: 400, delayMs: 0, body: apiError(request, 'invalid_request_error') };
    this.recorded.push(request);
    if (this.recorded.length > MAX_RECORDED_REQUESTS) this.recorded.shift();

    if (Date.now() < this.behaviour.outageUntil) {
      if (this.behaviour.outage === 'hang') return { status: 504, delayMs: Infinity, body: apiError('The stub never answers', 'timeout') };
      return { status: this.behaviour.failStatus, delayMs, body: apiError('The stub is in an outage', 'server_error') };
    }
    if (this.behaviour.failTimes > 0) {
      this.behaviour.failTimes -= 1;
      return { status: this.behaviour.failStatus, delayMs, body: apiError('The stub was told to fail', 'server_error') };
    }
    const content = pad(composeReply(request.messages), this.behaviour.replyChars);
    this.completions += 1;
    // Roughly what a provider would bill: four characters a token.
    const promptTokens = Math.ceil(request.messages.reduce((sum, m) => sum + m.content.length, 0) / 4);
    const completionTokens = Math.ceil(content.length / 4);
    return {
      status: 200,
      delayMs,
      body: {
        id: `chatcmpl-stub-${this.completions}`,
        object: 'chat.completion',
        created: Math.floor(Date.now() / 1000),
        model: request.model,
        choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
        usage: { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens },
      },
    };
  }
}

/** `You said: "<last>". Earlier you said: "<a>", "<b>".` */
export function composeReply(messages: ChatCompletionMessage[]): string {
  const said = messages.filter((m) => m.role === 'user').map((m) => m.content);
  const last = said.pop() ?? '';
  const earlier = said.length > 0
    ? `Earlier you said: ${said.map((s) => `"${s}"`).join(', ')}.`
    : 'This is the start of our conversation.';
  return `You said: "${last}". ${earlier}`;
}

/** Pads with numbered paragraphs (emoji included, to exercise surrogate pairs) to exactly `length` units. */
function pad(reply: string, length: number): string {
  if (length <= reply.length) return reply;
  let text = reply;
  for (let n = 1; text.length < length; n++) {
    text += `\n\nParagraph ${n} 🙂 of a deliberately long answer. ${Array(8).fill('It keeps going so the bot has to split it.').join(' ')}`;
  }
  const cut = text.slice(0, length);
  // Never leave half a surrogate pair at the end: swap it for a plain character.
  return /[\uD800-\uDBFF]$/.test(cut) ? `${cut.slice(0, -1)}.` : cut;
}

function parseRequest(body: Record<string, unknown>): ChatCompletionRequest | string {
  if (typeof body.model !== 'string' || body.model === '') return 'model is required';
  if (!Array.isArray(body.messages) || body.messages.length === 0) return 'messages must be a non-empty array';
  for (const m of body.messages as unknown[]) {
    const message = m as Partial<ChatCompletionMessage>;
    if (!['system', 'user', 'assistant'].includes(String(message?.role)) || typeof message?.content !== 'string') {
      return 'each message needs a role (system|user|assistant) and string content';
    }
  }
  return {
    model: body.model,
    messages: body.messages as ChatCompletionMessage[],
    temperature: typeof body.temperature === 'number' ? body.temperature : undefined,
    max_tokens: typeof body.max_tokens === 'number' ? body.max_tokens : undefined,
  };
}

function apiError(message: string, type: string): unknown {
  return { error: { message, type, code: null } };
}
