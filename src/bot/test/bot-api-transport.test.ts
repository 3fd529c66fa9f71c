import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { Telegram, TelegramError } from 'telegraf';
import { useLeanBotApi } from '../src/bot-api-transport';

const TOKEN = '123456:secret-token';

/** A Bot API stand-in that answers each request with what `answer` says, and records them. */
async function fakeApi(answer: (method: string, body: unknown, res: ServerResponse) => void) {
  const requests: { path: string; contentType?: string; body: unknown }[] = [];
  const server: Server = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const body = req.headers['content-type'] === 'application/json' ? JSON.parse(text) as unknown : text;
      requests.push({ path: req.url ?? '', contentType: req.headers['content-type'], body });
      answer(req.url!.split('/').pop()!, body, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const root = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { server, requests, root };
}

const json = (res: ServerResponse, status: number, body: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));

describe('lean Bot API transport', () => {
  let api: Awaited<ReturnType<typeof fakeApi>>;
  let telegram: Telegram;

  beforeEach(async () => {
    api = await fakeApi((method, body, res) => {
      if (method === 'sendMessage' && (body as { text?: string }).text === 'blocked') {
        json(res, 403, { ok: false, error_code: 403, description: 'Forbidden: bot was blocked by the user' });
      } else if (method === 'sendMessage' && (body as { text?: string }).text === 'slow down') {
        json(res, 429, { ok: false, error_code: 429, description: 'Too Many Requests', parameters: { retry_after: 3 } });
      } else if (method === 'getMe') {
        res.writeHead(502, 'Bad Gateway').end('<html>proxy error</html>');
      } else if (method === 'close') {
        res.writeHead(200, { 'content-type': 'text/html' }).end('<html>not json</html>');
      } else {
        json(res, 200, { ok: true, result: { method, echo: body } });
      }
    });
    telegram = new Telegram(TOKEN, { apiRoot: api.root, webhookReply: false });
    useLeanBotApi(telegram);
  });
  afterEach(async () => {
    await new Promise((resolve) => api.server.close(resolve));
  });

  it('posts the payload as JSON without null fields and resolves the result', async () => {
    const result = await telegram.callApi('sendMessage', { chat_id: 42, text: 'hi', reply_markup: undefined, message_thread_id: null } as never);
    expect(result).toEqual({ method: 'sendMessage', echo: { chat_id: 42, text: 'hi' } });
    expect(api.requests).toEqual([{ path: `/bot${TOKEN}/sendMessage`, contentType: 'application/json', body: { chat_id: 42, text: 'hi' } }]);
  });

  it('throws a TelegramError for an API error, with its code and parameters', async () => {
    const refused = await telegram.sendMessage(1, 'blocked').catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(TelegramError);
    expect((refused as TelegramError).code).toBe(403);
    expect((refused as TelegramError).on).toEqual({ method: 'sendMessage', payload: { chat_id: 1, text: 'blocked' } });
    const limited = await telegram.sendMessage(1, 'slow down').catch((err: unknown) => err) as TelegramError;
    expect([limited.code, limited.parameters?.retry_after]).toEqual([429, 3]);
  });

  it('throws a TelegramError with the HTTP status for a 5xx, whatever its body', async () => {
    const err = await telegram.getMe().catch((e: unknown) => e) as TelegramError;
    expect(err).toBeInstanceOf(TelegramError);
    expect([err.code, err.description]).toEqual([502, 'Bad Gateway']);
  });

  it('rejects a body that is not JSON, and a failed connection without the token in the message', async () => {
    await expect(telegram.close()).rejects.toThrow('Bot API close: HTTP 200 with a body that is not JSON');
    await new Promise((resolve) => api.server.close(resolve));
    const err = await telegram.sendMessage(1, 'nobody there').catch((e: unknown) => e) as Error;
    expect(err).not.toBeInstanceOf(TelegramError);
    expect(err.message).toMatch(/^Bot API sendMessage request failed: /);
    expect(err.message).not.toContain('secret-token');
    api = await fakeApi(() => undefined); // for afterEach
  });

  it('stops at the caller\'s abort signal', async () => {
    const hung = await fakeApi(() => undefined); // never answers
    const t = new Telegram(TOKEN, { apiRoot: hung.root, webhookReply: false });
    useLeanBotApi(t);
    const controller = new AbortController();
    const call = t.callApi('getUpdates', { timeout: 50 }, { signal: controller.signal as never });
    controller.abort();
    await expect(call).rejects.toMatchObject({ name: 'AbortError' });
    hung.server.closeAllConnections();
    await new Promise((resolve) => hung.server.close(resolve));
  });

  it('leaves a file upload to telegraf (a multipart body)', async () => {
    await telegram.sendDocument(1, { source: Buffer.from('file content'), filename: 'a.txt' });
    expect(api.requests).toHaveLength(1);
    expect(api.requests[0].path).toBe(`/bot${TOKEN}/sendDocument`);
    expect(api.requests[0].contentType).toMatch(/^multipart\/form-data; boundary=/);
  });
});
