import { Agent as HttpAgent, IncomingMessage, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { Telegram, TelegramError } from 'telegraf';

/** Without a byte for this long the connection is dropped (telegraf's node-fetch timeout, 500 s). */
const IDLE_TIMEOUT_MS = 500_000;

type CallApi = Telegram['callApi'];
type ApiResponse = { ok: true; result: unknown } | { ok: false; error_code: number; description: string; parameters?: unknown };

/**
 * Bot API calls over node:http with a keep-alive agent instead of telegraf's node-fetch.
 * Every call the bot makes (getUpdates, sendMessage, sendChatAction...) is a small JSON post;
 * node-fetch builds a Request, Headers, a body stream and a Response around each one, which
 * was a fifth of the bot's allocations per message (bench/bot) and so of its garbage
 * collection. Same contract as telegraf's `callApi`: the result, a `TelegramError` for an API
 * error or a 5xx, another error (token redacted) when the request failed; a payload with a
 * file to upload still goes through telegraf.
 */
export function useLeanBotApi(telegram: Telegram): void {
  const { apiRoot, apiMode, testEnv } = telegram.options;
  const base = new URL(`./${apiMode}${telegram.token}${testEnv ? '/test' : ''}/`, apiRoot);
  const https = base.protocol === 'https:';
  const send = https ? httpsRequest : httpRequest;
  const agent = https ? new HttpsAgent({ keepAlive: true, keepAliveMsecs: 10_000 }) : new HttpAgent({ keepAlive: true, keepAliveMsecs: 10_000 });
  const telegrafCall = telegram.callApi.bind(telegram) as (method: string, payload: object, options?: { signal?: unknown }) => Promise<unknown>;
  const paths = new Map<string, string>();

  const call = (method: string, payload: Record<string, unknown>, options: { signal?: AbortSignal } = {}): Promise<unknown> => {
    if (includesMedia(payload)) return telegrafCall(method, payload, options);
    let path = paths.get(method);
    if (path === undefined) paths.set(method, path = `${base.pathname}${method}`);
    const body = JSON.stringify(payload, dropNulls);
    return new Promise((resolve, reject) => {
      const req = send({
        protocol: base.protocol,
        hostname: base.hostname,
        port: base.port,
        path,
        method: 'POST',
        agent,
        signal: options.signal,
        timeout: IDLE_TIMEOUT_MS,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      }, (res: IncomingMessage) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', (err) => reject(requestFailed(method, err)));
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          if (status >= 500) {
            reject(new TelegramError({ error_code: status, description: res.statusMessage ?? '' }, { method, payload }));
            return;
          }
          let data: ApiResponse;
          try {
            data = JSON.parse(chunks.length === 1 ? chunks[0].toString('utf8') : Buffer.concat(chunks).toString('utf8')) as ApiResponse;
          } catch {
            reject(new Error(`Bot API ${method}: HTTP ${status} with a body that is not JSON`));
            return;
          }
          if (data.ok) resolve(data.result);
          else reject(new TelegramError(data as ConstructorParameters<typeof TelegramError>[0], { method, payload }));
        });
      });
      req.on('timeout', () => req.destroy(new Error(`no data for ${IDLE_TIMEOUT_MS} ms`)));
      req.on('error', (err) => reject(requestFailed(method, err)));
      req.end(body);
    });
  };
  telegram.callApi = call as CallApi;
}

/** telegraf's JSON encoding: null and undefined fields are left out. */
function dropNulls(_key: string, value: unknown): unknown {
  return value == null ? undefined : value;
}

/** The request never got an answer; the message never contains the token (it is in the path only). */
function requestFailed(method: string, err: Error): Error {
  if (err.name === 'AbortError') return err;
  return Object.assign(new Error(`Bot API ${method} request failed: ${err.message}`), { code: (err as NodeJS.ErrnoException).code });
}

/** A file to upload (telegraf's own test): such a call needs a multipart body. */
function includesMedia(payload: Record<string, unknown>): boolean {
  for (const key in payload) {
    if (key === 'link_preview_options') continue;
    const value = payload[key];
    if (value === null || typeof value !== 'object') continue;
    if (Array.isArray(value)) {
      if (value.some((item) => isFile((item as { media?: unknown } | null)?.media))) return true;
    } else if (isFile(value) || isFile((value as { media?: unknown }).media)) {
      return true;
    }
  }
  return false;
}

function isFile(value: unknown): boolean {
  if (value === null || typeof value !== 'object') return false;
  const { source, url } = value as { source?: unknown; url?: unknown };
  return Boolean(source) || Boolean(url);
}
