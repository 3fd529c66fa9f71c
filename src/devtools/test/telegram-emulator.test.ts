import { close, createTelegramEmulatorServer, listen, TelegramEmulator } from '@dialogstack/devtools';
import { readFileSync } from 'node:fs';
import { Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { join } from 'node:path';

describe('Telegram emulator over HTTP', () => {
  let emulator: TelegramEmulator;
  let server: Server;
  let base: string;
  const call = async (method: string, body: Record<string, unknown> = {}, token = '42:token') => {
    const res = await fetch(`${base}/bot${token}/${method}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    return { status: res.status, body: await res.json() as any };
  };
  const ada = { id: 5, first_name: 'Ada' };

  beforeEach(async () => {
    emulator = new TelegramEmulator();
    server = createTelegramEmulatorServer(emulator, { token: '42:token' });
    base = `http://127.0.0.1:${await listen(server, 0, '127.0.0.1')}`;
  });
  afterEach(async () => {
    emulator.close();
    await close(server);
  });

  it('long-polls: a waiting getUpdates wakes up on a new message, and an offset confirms', async () => {
    const started = Date.now();
    const poll = call('getUpdates', { timeout: 5 });
    setTimeout(() => emulator.sendUserMessage({ from: ada, text: '/start now' }), 100);
    const { body } = await poll;
    expect(Date.now() - started).toBeLessThan(2000);
    expect(body.result).toHaveLength(1);
    expect(body.result[0].message).toMatchObject({ text: '/start now', chat: { id: 5, type: 'private' }, entities: [{ type: 'bot_command', offset: 0, length: 6 }] });

    expect((await call('getUpdates', { offset: 0 })).body.result).toHaveLength(1); // not confirmed yet
    expect((await call('getUpdates', { offset: body.result[0].update_id + 1 })).body.result).toEqual([]);
    expect(emulator.pendingUpdates).toBe(0);
  });

  it('ends an older long poll with 409 when another one starts (two bot instances)', async () => {
    const older = call('getUpdates', { timeout: 5 });
    await new Promise((r) => setTimeout(r, 50));
    const newer = call('getUpdates', { timeout: 0 });
    expect((await older).status).toBe(409);
    expect((await newer).status).toBe(200);
  });

  it('enforces the limits of sendMessage like the real API', async () => {
    emulator.sendUserMessage({ from: ada, text: 'hi' });
    expect(await call('sendMessage', { chat_id: 6, text: 'x' })).toMatchObject({ status: 400, body: { description: 'Bad Request: chat not found' } });
    expect(await call('sendMessage', { chat_id: 5, text: 'x'.repeat(4097) })).toMatchObject({ status: 400, body: { description: 'Bad Request: message is too long' } });
    expect((await call('sendMessage', { chat_id: 5, text: 'broken \uD83D' })).status).toBe(400);
    expect((await call('sendMessage', { chat_id: 5, text: '  ' })).status).toBe(400);
    const ok = await call('sendMessage', { chat_id: 5, text: 'x'.repeat(4096) });
    expect(ok).toMatchObject({ status: 200, body: { ok: true, result: { message_id: 2, chat: { id: 5 } } } });
    expect(emulator.sentTo(5).map((m) => m.messageId)).toEqual([2]);
  });

  it('takes form-encoded parameters too, as Telegram does (curl --data-urlencode: scripts/notify-telegram.sh)', async () => {
    emulator.sendUserMessage({ from: ada, text: 'hi' });
    const res = await fetch(`${base}/bot42:token/sendMessage`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ chat_id: '5', text: 'deployed: sha-1a2b3c4 & checks ok' }).toString(),
    });
    expect(res.status).toBe(200);
    expect(emulator.sentTo(5).map((m) => m.text)).toEqual(['deployed: sha-1a2b3c4 & checks ok']);
  });

  it('fails on demand with 429 retry_after or 5xx, and refuses a wrong token', async () => {
    emulator.failNext({ method: 'getMe', status: 429, retryAfter: 7 });
    emulator.failNext({ method: 'getMe', status: 502 });
    expect(await call('getMe')).toEqual({ status: 429, body: { ok: false, error_code: 429, description: 'Too Many Requests: retry after 7', parameters: { retry_after: 7 } } });
    expect((await call('getMe')).status).toBe(502);
    expect((await call('getMe')).status).toBe(200);
    expect((await call('getMe', {}, '42:other')).status).toBe(401);
    expect((await call('noSuchMethod')).status).toBe(404);
  });

  it('delivers to a webhook with the secret header instead of getUpdates', async () => {
    const received: { secret: unknown; update: unknown }[] = [];
    const hook = new Server((req, res) => {
      let body = '';
      req.on('data', (c) => { body += c; });
      req.on('end', () => {
        received.push({ secret: req.headers['x-telegram-bot-api-secret-token'], update: JSON.parse(body) });
        res.end();
      });
    });
    const port = await listen(hook, 0, '127.0.0.1');
    try {
      await call('setWebhook', { url: `http://127.0.0.1:${port}/hook`, secret_token: 's3cret' });
      expect((await call('getUpdates')).status).toBe(409);
      emulator.sendUserMessage({ from: ada, text: 'to the hook' });
      const deadline = Date.now() + 5000;
      while (received.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(received).toEqual([{ secret: 's3cret', update: expect.objectContaining({ message: expect.objectContaining({ text: 'to the hook' }) }) }]);
      expect(emulator.pendingUpdates).toBe(0);
    } finally {
      await close(hook);
    }
  });

  it('delivers to an HTTPS webhook only once its certificate chains to a trusted CA, retrying until then', async () => {
    // A fixed test CA and a certificate for 127.0.0.1 it signed (valid until 2126).
    const fixture = (name: string) => readFileSync(join(__dirname, 'fixtures', 'webhook-tls', name), 'utf8');
    const received: string[] = [];
    const hook = createHttpsServer({ key: fixture('server.key'), cert: fixture('server.crt') }, (req, res) => {
      req.resume();
      req.on('end', () => {
        received.push(String(req.headers['x-telegram-bot-api-secret-token']));
        res.end();
      });
    });
    const port = await listen(hook as unknown as Server, 0, '127.0.0.1');
    try {
      await call('setWebhook', { url: `https://127.0.0.1:${port}/hook`, secret_token: 'tls-secret' });
      emulator.sendUserMessage({ from: ada, text: 'over https' });
      // Not trusted yet: every try fails (status 0) and the update stays queued.
      while (emulator.webhookDeliveries().length < 2) await new Promise((r) => setTimeout(r, 20));
      expect(received).toEqual([]);
      expect(emulator.pendingUpdates).toBe(1);

      const trust = await fetch(`${base}/control/webhook-ca`, { method: 'POST', body: JSON.stringify({ pem: fixture('ca.crt') }) });
      expect(trust.status).toBe(204);
      const deadline = Date.now() + 5000;
      while (emulator.pendingUpdates > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(received).toEqual(['tls-secret']);
      const { url, pendingUpdates, deliveries } = await (await fetch(`${base}/control/webhook`)).json() as { url: string; pendingUpdates: number; deliveries: { updateId: number; status: number }[] };
      expect({ url, pendingUpdates }).toEqual({ url: `https://127.0.0.1:${port}/hook`, pendingUpdates: 0 });
      expect(new Set(deliveries.slice(0, -1).map((d) => d.status))).toEqual(new Set([0]));
      expect(deliveries[deliveries.length - 1]).toMatchObject({ updateId: deliveries[0].updateId, status: 200 });
      expect((await fetch(`${base}/control/webhook-ca`, { method: 'POST', body: JSON.stringify({ pem: 'nope' }) })).status).toBe(400);
    } finally {
      await close(hook as unknown as Server);
    }
  });

  it('offers a control API to inject messages and read replies', async () => {
    const injected = await fetch(`${base}/control/messages`, { method: 'POST', body: JSON.stringify({ from: ada, attachment: 'sticker' }) });
    expect(injected.status).toBe(201);
    const { messageId } = await injected.json() as { messageId: number };
    const waiting = fetch(`${base}/control/sent?chat_id=5&after_message_id=${messageId}&wait_ms=3000`).then((r) => r.json() as Promise<{ messages: { text: string }[] }>);
    setTimeout(() => void call('sendMessage', { chat_id: 5, text: 'nice sticker' }), 50);
    expect((await waiting).messages.map((m) => m.text)).toEqual(['nice sticker']);
    expect((await fetch(`${base}/control/messages`, { method: 'POST', body: '{"from":{"id":1,"first_name":"x"}}' })).status).toBe(400);
    expect(await (await fetch(`${base}/health`)).json()).toMatchObject({ status: 'ok', service: 'telegram-emulator' });
  });
});
