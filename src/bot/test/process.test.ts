import { MIGRATIONS } from '@dialogstack/db';
import { createTestDatabase } from '../../../test/support/database';
import { BotProcess, buildBot } from './support/bot-process';
import { Harness, waitFor } from './support/harness';

/** The compiled entry point, as the container runs it. */
describe('bot process', () => {
  let h: Harness;
  const processes: BotProcess[] = [];
  const spawnBot = (env: Record<string, string | undefined>) => {
    const bot = new BotProcess(env);
    processes.push(bot);
    return bot;
  };

  beforeAll(async () => {
    buildBot();
    h = await Harness.create('process');
  }, 120_000);
  afterEach(() => {
    for (const p of processes.splice(0)) p.kill();
    h.llm.reset();
  });
  afterAll(async () => { await h.close(); });

  it('refuses to start with a broken configuration, naming every problem and no secret', async () => {
    const bot = spawnBot({ TELEGRAM_BOT_TOKEN: 'no-colon-secretvalue', LLM_TEMPERATURE: 'hot' });
    expect(await bot.exited).toBe(1);
    expect(bot.logs).toHaveLength(1);
    const [entry] = bot.logs;
    expect(entry).toMatchObject({ level: 'error', service: 'bot' });
    expect(entry.msg).toMatch(/^invalid configuration: /);
    for (const name of ['TELEGRAM_BOT_TOKEN is malformed', 'LLM_API_KEY is required', 'LLM_TEMPERATURE must be', 'DATABASE_URL is required']) {
      expect(entry.msg).toContain(name);
    }
    expect(bot.output.join('\n')).not.toContain('secretvalue');
  });

  it('refuses to start on a database that is not migrated (it never migrates itself)', async () => {
    const empty = await createTestDatabase('unmigrated');
    try {
      const bot = spawnBot(h.env({ DATABASE_URL: empty.writerUrl }));
      expect(await bot.exited).toBe(1);
      const failure = bot.logs.find((l) => l.msg === 'start-up failed') as { err: { message: string } };
      expect(failure.err.message).toContain(`schema is not up to date (pending: ${MIGRATIONS.map((m) => m.name).join(', ')})`);
      expect(bot.output.join('\n')).not.toContain('test-writer-password');
    } finally {
      await empty.drop();
    }
  });

  it('finishes the reply in progress on SIGTERM, then exits 0', async () => {
    const bot = spawnBot(h.env());
    const { port } = await bot.waitForLog('http server listening') as { port: number };
    await bot.waitForLog('bot started');
    expect((await fetch(`http://127.0.0.1:${port}/health`)).status).toBe(200);

    h.llm.configure({ delayMs: 1500 });
    const user = { id: 4001, first_name: 'Patient' };
    const question = h.emulator.sendUserMessage({ from: user, text: 'answer before you go' });
    await waitFor(() => h.llm.requests.length === 1, 10_000, 'the LLM call');
    const signalledAt = Date.now();
    bot.signal('SIGTERM');

    expect(await bot.exited).toBe(0);
    const [reply] = h.emulator.sentTo(user.id, question.messageId);
    expect(reply.text).toBe('You said: "answer before you go". This is the start of our conversation.');
    expect(Date.now() - signalledAt).toBeLessThan(5000);
    expect(bot.logs.map((l) => l.msg)).toEqual(expect.arrayContaining(['shutting down', 'answered', 'stopped']));
    const rows = await h.query(`SELECT role FROM messages WHERE user_id = $1 ORDER BY id`, [user.id]);
    expect(rows).toEqual([{ role: 'user' }, { role: 'assistant' }]);
  });

  describe('killed (kill -9) mid-reply, then started again', () => {
    /** The user's rows once every question has its reply recorded. */
    const settledRows = async (userId: number) => {
      const read = () => h.query<{ role: string; replied: boolean | null }>(
        `SELECT role, CASE WHEN role = 'user' THEN replied_at IS NOT NULL END AS replied FROM messages WHERE user_id = $1 ORDER BY id`, [userId]);
      let rows = await read();
      for (const deadline = Date.now() + 10_000; rows.some((r) => r.replied === false) && Date.now() < deadline;) {
        await new Promise((r) => setTimeout(r, 50));
        rows = await read();
      }
      return rows;
    };

    it('while the LLM was answering, after Telegram was told the update was taken: answered once by the next process', async () => {
      const first = spawnBot(h.env());
      await first.waitForLog('bot started');
      h.llm.configure({ delayMs: 3000 });
      const user = { id: 4101, first_name: 'Crash' };
      const question = h.emulator.sendUserMessage({ from: user, text: 'answer me despite the crash' });
      await waitFor(() => h.llm.requests.length === 1 && h.emulator.pendingUpdates === 0, 10_000, 'the LLM call, with the update confirmed');
      first.kill();
      expect(await first.exited).toBeNull(); // killed by SIGKILL: no exit code

      h.llm.configure({ delayMs: 0 });
      const second = spawnBot(h.env());
      const [reply] = await h.emulator.waitForSent(user.id, { afterMessageId: question.messageId, timeoutMs: 20_000 });
      expect(reply.text).toBe('You said: "answer me despite the crash". This is the start of our conversation.');
      expect(await settledRows(user.id)).toEqual([{ role: 'user', replied: true }, { role: 'assistant', replied: null }]);
      await new Promise((r) => setTimeout(r, 500));
      expect(h.emulator.sentTo(user.id, question.messageId)).toHaveLength(1);
      expect(second.logs.map((l) => l.msg)).toContain('answering owed replies');
    });

    it('while Telegram was taking the answer: the next process sends the stored answer, without a second LLM call', async () => {
      const first = spawnBot(h.env());
      await first.waitForLog('bot started');
      const user = { id: 4102, first_name: 'Crash' };
      // The answer's sendMessage never arrives: the process dies with it in flight.
      h.emulator.failNext({ method: 'sendMessage', status: 502, hang: true });
      const question = h.emulator.sendUserMessage({ from: user, text: 'stored, then the crash' });
      await waitFor(() => h.llm.requests.length === 1, 10_000, 'the LLM answer');
      const stored = async () => (await h.query(`SELECT 1 FROM messages WHERE user_id = $1 AND role = 'assistant'`, [user.id])).length === 1;
      for (const deadline = Date.now() + 10_000; !(await stored());) {
        if (Date.now() > deadline) throw new Error('the answer was not stored');
        await new Promise((r) => setTimeout(r, 50));
      }
      // Killed only once the sendMessage hangs in Telegram: killed before it arrives, the fault
      // would still be armed and would swallow the next process's send instead.
      await waitFor(() => h.emulator.faultsArmed === 0, 10_000, 'the answer\'s sendMessage in flight');
      first.kill();
      await first.exited;

      spawnBot(h.env());
      const [reply] = await h.emulator.waitForSent(user.id, { afterMessageId: question.messageId, timeoutMs: 20_000 });
      expect(reply.text).toBe('You said: "stored, then the crash". This is the start of our conversation.');
      expect(await settledRows(user.id)).toEqual([{ role: 'user', replied: true }, { role: 'assistant', replied: null }]);
      expect(h.llm.requests).toHaveLength(1);
      expect(h.emulator.sentTo(user.id, question.messageId)).toHaveLength(1);
    });
  });

  it('exits promptly when idle, and a restarted process carries on the dialog', async () => {
    const first = spawnBot(h.env());
    await first.waitForLog('bot started');
    const user = { id: 4002, first_name: 'Again' };
    const question = h.emulator.sendUserMessage({ from: user, text: 'first life' });
    await h.emulator.waitForSent(user.id, { afterMessageId: question.messageId });
    const signalledAt = Date.now();
    first.signal('SIGINT');
    expect(await first.exited).toBe(0);
    expect(Date.now() - signalledAt).toBeLessThan(1000);

    const second = spawnBot(h.env());
    await second.waitForLog('bot started');
    const next = h.emulator.sendUserMessage({ from: user, text: 'second life' });
    const [reply] = await h.emulator.waitForSent(user.id, { afterMessageId: next.messageId });
    expect(reply.text).toBe('You said: "second life". Earlier you said: "first life".');
    second.signal('SIGTERM');
    expect(await second.exited).toBe(0);
  });
});
