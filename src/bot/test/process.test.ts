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
