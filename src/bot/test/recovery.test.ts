import { BotApp } from '@dialogstack/bot';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { TcpProxy } from '../../api/test/support/tcp-proxy';
import { ask, Harness, waitFor } from './support/harness';

/**
 * Replies the bot owes, whatever stopped it: the database is the queue (a question without
 * `replied_at`). Each state a crash can leave behind is set up in the database, then a bot
 * starts; the order answer stored → sent → marked replied decides what it does.
 */
describe('owed replies', () => {
  let h: Harness;
  let nextUserId = 9000;
  const newUser = () => ({ id: nextUserId++, first_name: 'Owed' });
  const owed = (userId: number) => h.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM messages WHERE user_id = $1 AND role = 'user' AND replied_at IS NULL`, [userId]).then((r) => r[0].n);
  const waitUntilReplied = async (userId: number) => {
    for (const deadline = Date.now() + 10_000; await owed(userId) > 0;) {
      if (Date.now() > deadline) throw new Error(`user ${userId} still owed a reply`);
      await sleep(50);
    }
  };

  /** A dialog with one question answered and delivered, then put back into the state a crash leaves. */
  async function crashedAfter(step: 'storing the question' | 'storing the answer' | 'sending the answer'): Promise<{ user: { id: number; first_name: string }; answer: string }> {
    const user = newUser();
    const app = await h.startBot();
    const answer = await ask(h.emulator, user, `crash after ${step}`);
    await waitUntilReplied(user.id);
    await h.stopBot(app);
    await h.query(`UPDATE messages SET replied_at = NULL WHERE user_id = $1`, [user.id]);
    if (step === 'storing the question') await h.query(`DELETE FROM messages WHERE user_id = $1 AND role = 'assistant'`, [user.id]);
    // Telegram has the answer only when the crash came after sending it.
    if (step !== 'sending the answer') h.emulator.forgetSent(user.id);
    h.llm.reset();
    return { user, answer };
  }

  /** A second bot process in webhook mode (no poller to fight over), on its own port. */
  const startWebhookBot = async (recovery: { intervalMs: number; claimMs: number }) => {
    const port = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const { port: free } = probe.address() as { port: number };
        probe.close(() => resolve(free));
      });
    });
    return h.startBot(
      { PORT: String(port), TELEGRAM_WEBHOOK_URL: `http://127.0.0.1:${port}/telegram/hook`, TELEGRAM_WEBHOOK_SECRET: 'claims-secret' },
      { recovery: { windowMs: 3_600_000, batch: 100, ...recovery } },
    );
  };
  const claimOf = async (userId: number) => (await h.query<{ by: string | null; held: boolean }>(
    `SELECT answering_by AS by, answering_until > now() AS held FROM messages WHERE user_id = $1 AND role = 'user'`, [userId]))[0];

  beforeAll(async () => { h = await Harness.create('recovery'); });
  afterEach(async () => {
    await h.stopAll();
    h.llm.reset();
  });
  afterAll(async () => { await h.close(); });

  it('answers a question stored before a crash, once, at start-up (its update was confirmed: Telegram will not send it again)', async () => {
    const { user, answer } = await crashedAfter('storing the question');
    await h.startBot();
    const [reply] = await h.emulator.waitForSent(user.id);
    expect(reply.text).toBe(answer);
    await waitUntilReplied(user.id);
    await sleep(300);
    expect(h.emulator.sentTo(user.id)).toHaveLength(1);
    expect(h.llm.requests).toHaveLength(1);
  });

  it('sends an answer stored but not sent before a crash, without asking the LLM again', async () => {
    const { user, answer } = await crashedAfter('storing the answer');
    await h.startBot();
    const [reply] = await h.emulator.waitForSent(user.id);
    expect(reply.text).toBe(answer);
    await waitUntilReplied(user.id);
    expect(h.llm.requests).toEqual([]);
    const rows = await h.query(`SELECT role FROM messages WHERE user_id = $1 ORDER BY id`, [user.id]);
    expect(rows).toEqual([{ role: 'user' }, { role: 'assistant' }]);
  });

  it('sends it twice rather than never when the crash fell between Telegram\'s "ok" and recording it (the one window left)', async () => {
    const { user, answer } = await crashedAfter('sending the answer');
    await h.startBot();
    const sent = await h.emulator.waitForSent(user.id, { count: 2 });
    expect(sent.map((m) => m.text)).toEqual([answer, answer]);
    await waitUntilReplied(user.id);
    expect(h.llm.requests).toEqual([]);
  });

  it('keeps a reply owed while Telegram cannot take it, and delivers it once Telegram can', async () => {
    const app = await h.startBot({}, { recovery: { windowMs: 3_600_000, intervalMs: 500, batch: 100 } });
    const user = newUser();
    // More failures than one send retries (5 attempts): the reply is left owed.
    h.emulator.failNext({ method: 'sendMessage', status: 502, times: 6 });
    h.emulator.sendUserMessage({ from: user, text: 'are you there?' });
    await waitFor(() => h.emulator.callsOf('sendMessage', user.id).length >= 5, 30_000, 'five failed sends');
    const [reply] = await h.emulator.waitForSent(user.id, { timeoutMs: 20_000 });
    expect(reply.text).toBe('You said: "are you there?". This is the start of our conversation.');
    await waitUntilReplied(user.id);
    await sleep(1200); // two more sweeps: nothing owed, nothing sent again
    expect(h.emulator.sentTo(user.id)).toHaveLength(1);
    expect(h.llm.requests).toHaveLength(1);
    await h.stopBot(app);
  }, 60_000);

  it('waits through a database outage: the update is confirmed only once stored, then answered once', async () => {
    const url = new URL(h.db.writerUrl);
    const proxy = new TcpProxy(url.hostname, Number(url.port || 5432));
    await proxy.up();
    url.hostname = '127.0.0.1';
    url.port = String(proxy.port);
    let app: BotApp | undefined;
    try {
      app = await h.startBot({ DATABASE_URL: url.toString() });
      const user = newUser();
      h.llm.configure({ delayMs: 300 });
      await proxy.down();
      const during = h.emulator.sendUserMessage({ from: user, text: 'during the outage' });
      await sleep(2000);
      expect(h.emulator.pendingUpdates).toBeGreaterThan(0); // not confirmed: not stored yet
      await proxy.up();
      const back = Date.now();
      const [reply] = await h.emulator.waitForSent(user.id, { afterMessageId: during.messageId, timeoutMs: 10_000 });
      expect(reply.text).toBe('You said: "during the outage". This is the start of our conversation.');
      // Stored within a second of the database coming back (plus the stub's 300 ms).
      expect(Date.now() - back).toBeLessThan(2500);
      await waitUntilReplied(user.id);
      expect(h.emulator.sentTo(user.id)).toHaveLength(1);
    } finally {
      if (app) await h.stopBot(app);
      await proxy.down();
    }
  }, 60_000);

  describe('two processes on one database (webhook mode overlaps old and new; replicas)', () => {
    it('leaves a question the other process has in hand alone: not taken by its sweeps, nor by a redelivery of the update', async () => {
      // Claims last 600 ms: the first process keeps its own alive while the LLM takes 2 s.
      await h.startBot({}, { recovery: { windowMs: 3_600_000, intervalMs: 60_000, batch: 100, claimMs: 600 } });
      h.llm.configure({ delayMs: 2000 });
      const user = newUser();
      const question = h.emulator.sendUserMessage({ from: user, text: 'one answer, please' });
      await waitFor(() => h.llm.requests.length === 1 && h.emulator.pendingUpdates === 0, 10_000, 'the first process asking the LLM');
      // The second starts (its first sweep), sweeps every 100 ms, and is handed the update again.
      await startWebhookBot({ intervalMs: 100, claimMs: 600 });
      h.emulator.redeliver(question.updateId);
      await waitFor(() => h.emulator.pendingUpdates === 0, 5000, 'the redelivery taken');
      const [reply] = await h.emulator.waitForSent(user.id, { afterMessageId: question.messageId, timeoutMs: 10_000 });
      expect(reply.text).toBe('You said: "one answer, please". This is the start of our conversation.');
      await waitUntilReplied(user.id);
      await sleep(700);
      expect(h.emulator.sentTo(user.id, question.messageId)).toHaveLength(1);
      expect(h.llm.requests).toHaveLength(1);
      expect(await claimOf(user.id)).toMatchObject({ held: null }); // cleared once replied
    }, 30_000);

    it('takes a question over once the claim of a process that died lapses; a long-polling process at once', async () => {
      // Stored, never answered, and claimed by a process that is gone.
      const { user, answer } = await crashedAfter('storing the question');
      await h.query(`UPDATE messages SET answering_by = 'gone/1', answering_until = now() + interval '1 second' WHERE user_id = $1 AND role = 'user'`, [user.id]);
      const started = Date.now();
      await startWebhookBot({ intervalMs: 200, claimMs: 600 });
      expect(h.emulator.sentTo(user.id)).toEqual([]); // its first sweep left the claimed question alone
      const [reply] = await h.emulator.waitForSent(user.id, { timeoutMs: 10_000 });
      expect(reply.text).toBe(answer);
      expect(Date.now() - started).toBeGreaterThanOrEqual(800);
      await waitUntilReplied(user.id);
      await h.stopAll();

      // Long polling, a process is the only one (Telegram refuses a second poller): its first sweep takes any claim over.
      const second = await crashedAfter('storing the question');
      await h.query(`UPDATE messages SET answering_by = 'gone/2', answering_until = now() + interval '1 hour' WHERE user_id = $1 AND role = 'user'`, [second.user.id]);
      await h.startBot();
      const [taken] = await h.emulator.waitForSent(second.user.id, { timeoutMs: 5000 });
      expect(taken.text).toBe(second.answer);
    }, 30_000);

    it('gives the questions still in hand back when it stops, so that the next process answers them at once', async () => {
      const app = await h.startBot({ BOT_SHUTDOWN_GRACE_MS: '300' }, { recovery: { windowMs: 3_600_000, intervalMs: 60_000, batch: 100, claimMs: 60_000 } });
      h.llm.configure({ delayMs: 1500 });
      const user = newUser();
      h.emulator.sendUserMessage({ from: user, text: 'first in line' });
      h.emulator.sendUserMessage({ from: user, text: 'queued behind it' });
      await waitFor(() => h.llm.requests.length === 1 && h.emulator.pendingUpdates === 0, 10_000, 'both stored, the first at the LLM');
      await h.stopBot(app);
      // Given back, not claimed for another minute.
      const held = await h.query<{ content: string; held: boolean | null }>(
        `SELECT content, answering_until > now() AS held FROM messages WHERE user_id = $1 AND role = 'user' AND replied_at IS NULL ORDER BY id`, [user.id]);
      expect(held.map((r) => r.held)).not.toContain(true);
      expect(held.map((r) => r.content)).toContain('queued behind it');
      h.llm.configure({ delayMs: 0 });
      await startWebhookBot({ intervalMs: 60_000, claimMs: 60_000 });
      await h.emulator.waitForSent(user.id, { count: 2, timeoutMs: 10_000 });
      await waitUntilReplied(user.id);
    }, 30_000);
  });
});
