import { BotApp } from '@dialogstack/bot';
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
});
