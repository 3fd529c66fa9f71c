import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { HttpError, readJson, readParams, sendJson } from '../http';
import { FaultSpec, TelegramEmulator, UserMessageInput } from './emulator';

export interface TelegramEmulatorServerOptions {
  /** When set, Bot API calls with any other token get 401, as with a revoked token. */
  token?: string;
}

const BOT_API_PATH = /^\/bot([^/]+)\/([A-Za-z]+)$/;

/**
 * HTTP face of the emulator:
 *   /bot<token>/<method>           the Bot API (JSON body or query string)
 *   POST /control/messages         inject a user's message   {from, chatId?, text? | attachment?}
 *   POST /control/redeliver        deliver an update again   {updateId}
 *   GET  /control/sent             messages the bot sent     ?chat_id=&after_message_id=&wait_ms=
 *   GET  /control/calls            API calls made            ?method=
 *   POST /control/faults           fail the next calls       {method, status, retryAfter?, times?, seconds?, hang?}
 *   GET  /control/webhook          the webhook URL, pending updates and every delivery (update, status, when)
 *   POST /control/webhook-ca       trust a CA for HTTPS webhooks  {pem}
 *   POST /control/reset            forget everything
 *   GET  /health
 */
export function createTelegramEmulatorServer(emulator: TelegramEmulator, options: TelegramEmulatorServerOptions = {}): Server {
  return createServer((req, res) => {
    route(emulator, options, req, res).catch((err: unknown) => {
      const status = err instanceof HttpError ? err.status : 500;
      if (!res.headersSent) sendJson(res, status, { error: (err as Error).message });
      else res.destroy();
    });
  });
}

async function route(emulator: TelegramEmulator, options: TelegramEmulatorServerOptions, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://emulator');
  const api = BOT_API_PATH.exec(url.pathname);
  if (api) {
    const [, token, method] = api;
    if (options.token !== undefined && token !== options.token) {
      sendJson(res, 401, { ok: false, error_code: 401, description: 'Unauthorized' });
      return;
    }
    const params = { ...Object.fromEntries(url.searchParams), ...(req.method === 'POST' ? await readParams(req) : {}) };
    const gone = new AbortController();
    res.on('close', () => gone.abort());
    const result = await emulator.callApi(method, params, gone.signal);
    if (!res.destroyed) sendJson(res, result.status, result.body);
    return;
  }

  const endpoint = `${req.method} ${url.pathname}`;
  switch (endpoint) {
    case 'GET /health':
      sendJson(res, 200, { status: 'ok', service: 'telegram-emulator', pendingUpdates: emulator.pendingUpdates, sent: emulator.sentCount });
      return;
    case 'POST /control/messages': {
      const body = await readJson(req);
      try {
        sendJson(res, 201, emulator.sendUserMessage(body as unknown as UserMessageInput));
      } catch (err) {
        throw new HttpError(400, (err as Error).message);
      }
      return;
    }
    case 'POST /control/redeliver': {
      const { updateId } = await readJson(req);
      try {
        sendJson(res, 201, emulator.redeliver(Number(updateId)));
      } catch (err) {
        throw new HttpError(404, (err as Error).message);
      }
      return;
    }
    case 'GET /control/sent': {
      const chatId = Number(url.searchParams.get('chat_id'));
      const afterMessageId = Number(url.searchParams.get('after_message_id') ?? 0);
      const waitMs = Math.min(Number(url.searchParams.get('wait_ms') ?? 0), 60_000);
      if (!Number.isFinite(chatId)) throw new HttpError(400, 'chat_id is required');
      if (waitMs > 0) await emulator.waitForSent(chatId, { afterMessageId, timeoutMs: waitMs }).catch(() => undefined);
      sendJson(res, 200, { messages: emulator.sentTo(chatId, afterMessageId) });
      return;
    }
    case 'GET /control/calls':
      sendJson(res, 200, { calls: emulator.callsOf(url.searchParams.get('method') ?? '') });
      return;
    case 'POST /control/faults': {
      const body = await readJson(req);
      if (typeof body.method !== 'string' || typeof body.status !== 'number') throw new HttpError(400, 'method (string) and status (number) are required');
      emulator.failNext(body as unknown as FaultSpec);
      res.writeHead(204).end();
      return;
    }
    case 'GET /control/webhook':
      sendJson(res, 200, { url: emulator.webhookUrl, pendingUpdates: emulator.pendingUpdates, deliveries: emulator.webhookDeliveries() });
      return;
    case 'POST /control/webhook-ca': {
      const { pem } = await readJson(req);
      try {
        emulator.trustCertificateAuthority(String(pem ?? ''));
      } catch (err) {
        throw new HttpError(400, (err as Error).message);
      }
      res.writeHead(204).end();
      return;
    }
    case 'POST /control/reset':
      emulator.reset();
      res.writeHead(204).end();
      return;
    default:
      sendJson(res, 404, { error: `no route ${endpoint}` });
  }
}
