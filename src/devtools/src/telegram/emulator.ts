import { Agent, request } from 'node:https';
import { rootCertificates } from 'node:tls';
import { sleep } from '../http';
import { ApiResult, TelegramChat, TelegramMessage, TelegramUpdate, TelegramUser } from './types';

/** A message a (pretend) human sends to the bot. */
export interface UserMessageInput {
  from: { id: number; first_name: string; last_name?: string; username?: string; language_code?: string };
  /** Defaults to the sender's private chat; another id makes it a group chat. */
  chatId?: number;
  text?: string;
  /** A non-text message instead of `text`. */
  attachment?: 'sticker' | 'photo' | 'voice';
}

export interface InjectedMessage {
  updateId: number;
  chatId: number;
  messageId: number;
}

export interface SentMessage {
  chatId: number;
  messageId: number;
  text: string;
  /** Epoch milliseconds when the emulator accepted it. */
  at: number;
}

export interface ApiCall {
  method: string;
  chatId?: number;
  status: number;
  at: number;
}

/** Makes the next `times` calls of `method` (or all of them for `seconds`) fail as the real API does under load. */
export interface FaultSpec {
  method: string;
  /** 429 (with `retryAfter`) or a 5xx status. */
  status: number;
  /** Seconds, reported as `parameters.retry_after` on a 429. */
  retryAfter?: number;
  times?: number;
  /** Every call for this long instead (a storm); `times` is then ignored. */
  seconds?: number;
  /** Never answer (the call is not carried out) until the client hangs up: a request lost on the way. */
  hang?: boolean;
}

interface ActiveFault {
  method: string;
  status: number;
  retryAfter: number;
  times: number;
  /** Epoch ms; 0: counted by `times`. */
  until: number;
  hang: boolean;
}

export interface WebhookDelivery {
  updateId: number;
  /** HTTP status the bot answered with; 0 when the request itself failed. */
  status: number;
  at: number;
}

const MAX_TEXT_LENGTH = 4096;
const MAX_LOG_ENTRIES = 200_000;
/** Half of a surrogate pair on its own: what a reply split in the wrong place contains. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const CHAT_ACTIONS = new Set(['typing', 'upload_photo', 'record_video', 'upload_video', 'record_voice',
  'upload_voice', 'upload_document', 'choose_sticker', 'find_location', 'record_video_note', 'upload_video_note']);

interface ChatState {
  chat: TelegramChat;
  lastMessageId: number;
}

interface WaitingPoll {
  wake(): void;
  terminate(): void;
}

/**
 * An in-memory Telegram Bot API for one bot: updates are queued until the bot confirms
 * them with a higher `offset` (or a webhook answers 2xx), message ids count per chat,
 * and the limits the bot must respect (4096 characters, valid UTF-16, known chats) are
 * enforced with the real API's error shapes.
 */
export class TelegramEmulator {
  readonly me: TelegramUser = { id: 7_000_000_001, is_bot: true, first_name: 'Dialogstack', username: 'dialogstack_bot' };

  private nextUpdateId = 1;
  /** Updates not yet confirmed by the bot, oldest first. */
  private queue: TelegramUpdate[] = [];
  private readonly injected = new Map<number, TelegramUpdate>();
  private readonly chats = new Map<number, ChatState>();
  /** What the bot sent, by chat (the traffic generator reads it per chat, often). */
  private readonly sent = new Map<number, SentMessage[]>();
  private sentTotal = 0;
  private readonly calls: ApiCall[] = [];
  private readonly deliveries: WebhookDelivery[] = [];
  private faults: ActiveFault[] = [];
  private readonly sentListeners = new Set<() => void>();
  private poll?: WaitingPoll;
  private webhook?: { url: string; secret?: string };
  /** Certificate authorities a webhook's HTTPS certificate may chain to besides the public ones; kept across `reset`. */
  private readonly trustedCas: string[] = [];
  private httpsAgent?: Agent;
  private delivering = false;
  private closed = false;

  // ------------------------------------------------------------------ the human side

  sendUserMessage(input: UserMessageInput): InjectedMessage {
    if ((input.text === undefined) === (input.attachment === undefined)) {
      throw new Error('a user message has either text or an attachment');
    }
    const chatId = input.chatId ?? input.from.id;
    const state = this.chatState(chatId, input.from);
    const message: TelegramMessage = {
      message_id: ++state.lastMessageId,
      date: Math.floor(Date.now() / 1000),
      chat: state.chat,
      from: { is_bot: false, ...input.from },
      ...messageContent(input),
    };
    const updateId = this.enqueue(message);
    return { updateId, chatId, messageId: message.message_id };
  }

  /** Delivers an already injected message again, as Telegram does when an update was not confirmed. */
  redeliver(updateId: number): InjectedMessage {
    const original = this.injected.get(updateId)?.message;
    if (!original) throw new Error(`no injected update ${updateId}`);
    return { updateId: this.enqueue(original), chatId: original.chat.id, messageId: original.message_id };
  }

  // ------------------------------------------------------------------ observation

  sentTo(chatId: number, afterMessageId = 0): SentMessage[] {
    return (this.sent.get(chatId) ?? []).filter((m) => m.messageId > afterMessageId);
  }

  get sentCount(): number {
    return this.sentTotal;
  }

  get pendingUpdates(): number {
    return this.queue.length;
  }

  /** Counted faults (`failNext` without `seconds`) not yet met by a call: 0 once each has struck. */
  get faultsArmed(): number {
    return this.faults.reduce((n, f) => n + (f.until === 0 ? f.times : 0), 0);
  }

  callsOf(method: string, chatId?: number): ApiCall[] {
    return this.calls.filter((c) => c.method === method && (chatId === undefined || c.chatId === chatId));
  }

  webhookDeliveries(): WebhookDelivery[] {
    return [...this.deliveries];
  }

  /** The registered webhook URL ('' when none), as getWebhookInfo reports it. */
  get webhookUrl(): string {
    return this.webhook?.url ?? '';
  }

  /**
   * Trusts a certificate authority (PEM) for HTTPS webhook deliveries, besides the public
   * ones Node knows: a test's own CA (e.g. Caddy's `tls internal` root) stands in for the
   * public CA a real Telegram checks a webhook's certificate against. Verification stays on.
   */
  trustCertificateAuthority(pem: string): void {
    if (!/-----BEGIN CERTIFICATE-----/.test(pem)) throw new Error('not a PEM certificate');
    if (this.trustedCas.includes(pem)) return;
    this.trustedCas.push(pem);
    this.httpsAgent?.destroy();
    this.httpsAgent = new Agent({ keepAlive: true, ca: [...rootCertificates, ...this.trustedCas] });
  }

  /** Resolves with the messages sent to `chatId` after `afterMessageId` once there are at least `count`. */
  async waitForSent(chatId: number, options: { afterMessageId?: number; count?: number; timeoutMs?: number } = {}): Promise<SentMessage[]> {
    const { afterMessageId = 0, count = 1, timeoutMs = 10_000 } = options;
    const ready = () => this.sentTo(chatId, afterMessageId);
    await this.waitUntil(() => ready().length >= count, timeoutMs,
      () => `expected ${count} message(s) to chat ${chatId} after #${afterMessageId}, got ${ready().length}`);
    return ready();
  }

  /** Resolves once the bot has sent `total` messages in all. */
  async waitForSentCount(total: number, timeoutMs: number): Promise<void> {
    await this.waitUntil(() => this.sentTotal >= total, timeoutMs, () => `expected ${total} sent messages, got ${this.sentTotal}`);
  }

  /** Forgets what the bot sent to a chat (a test rewinding to before a reply went out). */
  forgetSent(chatId: number): void {
    this.sentTotal -= this.sent.get(chatId)?.length ?? 0;
    this.sent.delete(chatId);
  }

  failNext(fault: FaultSpec): void {
    const { method, status, retryAfter = 1, times = 1, seconds, hang = false } = fault;
    this.faults.push({ method, status, retryAfter, times, until: seconds === undefined ? 0 : Date.now() + seconds * 1000, hang });
  }

  /** Forgets everything (chats, updates, logs, faults, webhook). */
  reset(): void {
    this.poll?.terminate();
    this.queue = [];
    this.injected.clear();
    this.chats.clear();
    this.sent.clear();
    this.sentTotal = 0;
    this.calls.length = 0;
    this.deliveries.length = 0;
    this.faults = [];
    this.webhook = undefined;
  }

  close(): void {
    this.closed = true;
    this.poll?.terminate();
    this.webhook = undefined;
    this.httpsAgent?.destroy();
    for (const listener of this.sentListeners) listener();
  }

  // ------------------------------------------------------------------ the bot side

  /** Handles one Bot API method call. `aborted` fires when the client goes away (long polls). */
  async callApi(method: string, params: Record<string, unknown>, aborted: AbortSignal): Promise<ApiResult> {
    const chatId = params.chat_id === undefined ? undefined : Number(params.chat_id);
    const fault = this.takeFault(method);
    if (fault?.hang) {
      await new Promise<void>((resolve) => (aborted.aborted ? resolve() : aborted.addEventListener('abort', () => resolve(), { once: true })));
    }
    const result = fault ? faultResult(fault) : await this.dispatch(method, params, aborted);
    this.record(this.calls, { method, chatId, status: result.status, at: Date.now() });
    return result;
  }

  private async dispatch(method: string, params: Record<string, unknown>, aborted: AbortSignal): Promise<ApiResult> {
    switch (method) {
      case 'getMe': return ok(this.me);
      case 'getUpdates': return this.getUpdates(params, aborted);
      case 'sendMessage': return this.sendMessage(params);
      case 'sendChatAction': return this.sendChatAction(params);
      case 'setWebhook': return this.setWebhook(params);
      case 'deleteWebhook': return this.deleteWebhook(params);
      case 'getWebhookInfo': return ok({ url: this.webhook?.url ?? '', has_custom_certificate: false, pending_update_count: this.queue.length });
      case 'setMyCommands': return ok(true);
      default: return failure(404, 'Not Found: method not found');
    }
  }

  private async getUpdates(params: Record<string, unknown>, aborted: AbortSignal): Promise<ApiResult> {
    if (this.webhook) {
      return failure(409, "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first");
    }
    const offset = Number(params.offset ?? 0);
    const limit = clamp(Number(params.limit ?? 100), 1, 100);
    const timeoutSeconds = clamp(Number(params.timeout ?? 0), 0, 50);
    if (offset > 0) this.queue = this.queue.filter((u) => u.update_id >= offset);
    // As on the real API, a newer poll ends the one still waiting (two bot instances).
    this.poll?.terminate();
    if (this.queue.length === 0 && timeoutSeconds > 0 && !this.closed) {
      const outcome = await this.waitForUpdates(timeoutSeconds * 1000, aborted);
      if (outcome === 'terminated') return failure(409, 'Conflict: terminated by other getUpdates request; make sure that only one bot instance is running');
    }
    return ok(this.queue.slice(0, limit));
  }

  private waitForUpdates(timeoutMs: number, aborted: AbortSignal): Promise<'woken' | 'terminated'> {
    return new Promise((resolve) => {
      const finish = (outcome: 'woken' | 'terminated') => {
        clearTimeout(timer);
        aborted.removeEventListener('abort', onAbort);
        if (this.poll === poll) this.poll = undefined;
        resolve(outcome);
      };
      const onAbort = () => finish('terminated');
      const timer = setTimeout(() => finish('woken'), timeoutMs);
      const poll: WaitingPoll = { wake: () => finish('woken'), terminate: () => finish('terminated') };
      aborted.addEventListener('abort', onAbort);
      this.poll = poll;
    });
  }

  private sendMessage(params: Record<string, unknown>): ApiResult {
    const state = this.chats.get(Number(params.chat_id));
    if (!state) return failure(400, 'Bad Request: chat not found');
    const text = typeof params.text === 'string' ? params.text : '';
    if (text.trim() === '') return failure(400, 'Bad Request: message text is empty');
    if (text.length > MAX_TEXT_LENGTH) return failure(400, 'Bad Request: message is too long');
    if (LONE_SURROGATE.test(text)) return failure(400, 'Bad Request: strings must be encoded in UTF-8');
    const message: TelegramMessage = {
      message_id: ++state.lastMessageId,
      date: Math.floor(Date.now() / 1000),
      chat: state.chat,
      from: this.me,
      text,
    };
    if (!this.sent.has(state.chat.id)) this.sent.set(state.chat.id, []);
    this.record(this.sent.get(state.chat.id)!, { chatId: state.chat.id, messageId: message.message_id, text, at: Date.now() });
    this.sentTotal += 1;
    for (const listener of this.sentListeners) listener();
    return ok(message);
  }

  private sendChatAction(params: Record<string, unknown>): ApiResult {
    if (!this.chats.has(Number(params.chat_id))) return failure(400, 'Bad Request: chat not found');
    if (!CHAT_ACTIONS.has(String(params.action))) return failure(400, 'Bad Request: wrong parameter action in request');
    return ok(true);
  }

  private setWebhook(params: Record<string, unknown>): ApiResult {
    const url = String(params.url ?? '');
    if (url === '') return this.deleteWebhook(params);
    if (!/^https?:\/\//.test(url)) return failure(400, 'Bad Request: bad webhook: An HTTPS URL must be provided for webhook');
    if (params.drop_pending_updates === true) this.queue = [];
    const secret = typeof params.secret_token === 'string' ? params.secret_token : undefined;
    this.webhook = { url, secret };
    this.poll?.terminate();
    void this.deliverToWebhook();
    return ok(true);
  }

  private deleteWebhook(params: Record<string, unknown>): ApiResult {
    if (params.drop_pending_updates === true) this.queue = [];
    this.webhook = undefined;
    return ok(true);
  }

  /** Posts queued updates to the webhook one at a time; a non-2xx answer is retried. */
  private async deliverToWebhook(): Promise<void> {
    if (this.delivering) return;
    this.delivering = true;
    try {
      while (this.webhook && this.queue.length > 0 && !this.closed) {
        const hook = this.webhook;
        const update = this.queue[0];
        const status = await postUpdate(hook.url, hook.secret, update, this.httpsAgent);
        this.record(this.deliveries, { updateId: update.update_id, status, at: Date.now() });
        if (status >= 200 && status < 300) {
          if (this.queue[0] === update) this.queue.shift();
        } else {
          await sleep(200);
        }
      }
    } finally {
      this.delivering = false;
    }
  }

  // ------------------------------------------------------------------ internals

  private enqueue(message: TelegramMessage): number {
    const update: TelegramUpdate = { update_id: this.nextUpdateId++, message };
    this.queue.push(update);
    this.injected.set(update.update_id, update);
    if (this.injected.size > MAX_LOG_ENTRIES) this.injected.delete(this.injected.keys().next().value!);
    this.poll?.wake();
    if (this.webhook) void this.deliverToWebhook();
    return update.update_id;
  }

  private chatState(chatId: number, from: UserMessageInput['from']): ChatState {
    let state = this.chats.get(chatId);
    if (!state) {
      const chat: TelegramChat = chatId === from.id
        ? { id: chatId, type: 'private', first_name: from.first_name, username: from.username }
        : { id: chatId, type: 'group', title: `Group ${chatId}` };
      state = { chat, lastMessageId: 0 };
      this.chats.set(chatId, state);
    }
    return state;
  }

  private takeFault(method: string): ActiveFault | undefined {
    const now = Date.now();
    this.faults = this.faults.filter((f) => f.until === 0 || f.until > now);
    const fault = this.faults.find((f) => f.method === method);
    if (!fault) return undefined;
    if (fault.until === 0) {
      fault.times -= 1;
      if (fault.times <= 0) this.faults = this.faults.filter((f) => f !== fault);
    }
    return fault;
  }

  private record<T>(log: T[], entry: T): void {
    log.push(entry);
    if (log.length > MAX_LOG_ENTRIES) log.splice(0, log.length - MAX_LOG_ENTRIES);
  }

  private waitUntil(done: () => boolean, timeoutMs: number, describe: () => string): Promise<void> {
    if (done()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const check = () => {
        if (done()) finish();
        else if (this.closed) finish(new Error(`emulator closed: ${describe()}`));
      };
      const finish = (error?: Error) => {
        clearTimeout(timer);
        this.sentListeners.delete(check);
        if (error) reject(error);
        else resolve();
      };
      const timer = setTimeout(() => finish(new Error(`timed out after ${timeoutMs} ms: ${describe()}`)), timeoutMs);
      this.sentListeners.add(check);
    });
  }
}

function messageContent(input: UserMessageInput): Partial<TelegramMessage> {
  if (input.text !== undefined) {
    const command = /^\/[A-Za-z0-9_]+(@[A-Za-z0-9_]+)?/.exec(input.text);
    return {
      text: input.text,
      ...(command ? { entities: [{ type: 'bot_command', offset: 0, length: command[0].length }] } : {}),
    };
  }
  const file = { file_id: `file-${Date.now()}`, file_unique_id: `u-${Date.now()}` };
  switch (input.attachment) {
    case 'sticker': return { sticker: { ...file, type: 'regular', width: 512, height: 512, is_animated: false, is_video: false, emoji: '👍' } };
    case 'photo': return { photo: [{ ...file, width: 640, height: 480 }] };
    default: return { voice: { ...file, duration: 3, mime_type: 'audio/ogg' } };
  }
}

/** Posts one update; resolves the HTTP status, 0 when the request failed (refused, timed out, an untrusted certificate). */
async function postUpdate(url: string, secret: string | undefined, update: TelegramUpdate, httpsAgent: Agent | undefined): Promise<number> {
  const headers = { 'content-type': 'application/json', ...(secret ? { 'x-telegram-bot-api-secret-token': secret } : {}) };
  const body = JSON.stringify(update);
  if (httpsAgent && url.startsWith('https:')) return postWithAgent(url, headers, body, httpsAgent);
  try {
    const res = await fetch(url, { method: 'POST', headers, body, signal: AbortSignal.timeout(30_000) });
    await res.arrayBuffer();
    return res.status;
  } catch {
    return 0;
  }
}

/** `postUpdate` over node:https, for a URL whose certificate may chain to a CA the test trusts. */
function postWithAgent(url: string, headers: Record<string, string>, body: string, agent: Agent): Promise<number> {
  return new Promise((resolve) => {
    const req = request(url, { method: 'POST', headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) }, agent, timeout: 30_000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('error', () => resolve(0));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve(0));
    req.end(body);
  });
}

function faultResult(fault: ActiveFault): ApiResult {
  return fault.status === 429
    ? failure(429, `Too Many Requests: retry after ${fault.retryAfter}`, { retry_after: fault.retryAfter })
    : failure(fault.status, 'Internal Server Error');
}

function ok(result: unknown): ApiResult {
  return { status: 200, body: { ok: true, result } };
}

function failure(status: number, description: string, parameters?: { retry_after: number }): ApiResult {
  return { status, body: { ok: false, error_code: status, description, ...(parameters ? { parameters } : {}) } };
}

function clamp(value: number, min: number, max: number): number {
  return Number.isFinite(value) ? Math.min(Math.max(value, min), max) : min;
}
