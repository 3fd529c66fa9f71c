import { connect, createServer } from 'node:net';
import { ask, Harness } from './support/harness';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

describe('bot in webhook mode', () => {
  let h: Harness;
  beforeAll(async () => { h = await Harness.create('webhook'); });
  afterAll(async () => { await h.close(); });

  it('takes updates on its HTTP server, refuses forged posts, and hands over to polling without losing a message', async () => {
    const port = await freePort();
    const hook = `http://127.0.0.1:${port}/telegram/hook`;
    const app = await h.startBot({ PORT: String(port), TELEGRAM_WEBHOOK_URL: hook, TELEGRAM_WEBHOOK_SECRET: 'hook-secret' });
    expect(app.mode).toBe('webhook');
    const health = await fetch(`http://127.0.0.1:${port}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ok', mode: 'webhook' });

    const user = { id: 3001, first_name: 'Hook' };
    expect(await ask(h.emulator, user, 'via webhook')).toBe('You said: "via webhook". This is the start of our conversation.');
    expect(h.emulator.callsOf('getUpdates')).toEqual([]);
    expect(h.emulator.webhookDeliveries().map((d) => d.status)).toEqual([200]);

    const forged = { update_id: 999, message: { message_id: 50, date: 1, chat: { id: 3002, type: 'private' }, from: { id: 3002, is_bot: false, first_name: 'Mallory' }, text: 'forged' } };
    for (const headers of [{}, { 'x-telegram-bot-api-secret-token': 'wrong' }] as Record<string, string>[]) {
      const res = await fetch(hook, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(forged) });
      expect(res.status).toBe(403);
    }
    expect(await h.query(`SELECT id FROM users WHERE id = 3002`)).toEqual([]);

    // Stopped: the webhook stays registered, Telegram keeps what arrives meanwhile.
    await h.stopBot(app);
    const meanwhile = h.emulator.sendUserMessage({ from: user, text: 'while down' });
    await h.startBot();
    const [reply] = await h.emulator.waitForSent(user.id, { afterMessageId: meanwhile.messageId });
    expect(reply.text).toBe('You said: "while down". Earlier you said: "via webhook".');
  });

  it('refuses new connections from the moment it stops (a proxy retries those on another copy), and finishes the reply in progress', async () => {
    const port = await freePort();
    const refused = () => new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => { socket.destroy(); resolve(false); });
      socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code === 'ECONNREFUSED'));
    });
    const app = await h.startBot({ PORT: String(port), TELEGRAM_WEBHOOK_URL: `http://127.0.0.1:${port}/telegram/hook`, TELEGRAM_WEBHOOK_SECRET: 'hook-secret' });
    expect(await refused()).toBe(false);
    h.llm.configure({ delayMs: 800 });
    const user = { id: 3003, first_name: 'Drain' };
    const llmCalls = h.llm.requests.length;
    const asked = h.emulator.sendUserMessage({ from: user, text: 'answer while stopping' });
    while (h.llm.requests.length === llmCalls) await new Promise((r) => setTimeout(r, 20));
    const stopping = h.stopBot(app);
    await new Promise((r) => setTimeout(r, 50));
    expect(await refused()).toBe(true);
    await stopping;
    h.llm.configure({ delayMs: 0 });
    expect(h.emulator.sentTo(user.id, asked.messageId).map((m) => m.text)).toEqual(['You said: "answer while stopping". This is the start of our conversation.']);
  });
});
