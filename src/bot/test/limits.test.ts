import { TEXTS } from '@dialogstack/bot';
import { setTimeout as sleep } from 'node:timers/promises';
import { ask, Harness } from './support/harness';

/**
 * What one user may ask of the bot: each refused message gets a polite reply (one per
 * flood, not one each), is not stored and costs no LLM call.
 */
describe('per-user limits', () => {
  let h: Harness;
  let nextUserId = 7000;
  const newUser = (first_name = 'Tester') => ({ id: nextUserId++, first_name });
  const stored = (userId: number) => h.query<{ content: string }>(`SELECT content FROM messages WHERE user_id = $1 AND role = 'user' ORDER BY id`, [userId]);
  /** Everything the bot sent to a chat once it has sent `count` messages, and nothing more for a moment. */
  const settled = async (chatId: number, count: number) => {
    await h.emulator.waitForSent(chatId, { count });
    await sleep(300);
    return h.emulator.sentTo(chatId).map((m) => m.text);
  };

  beforeAll(async () => { h = await Harness.create('limits'); });
  afterEach(async () => {
    await h.stopAll();
    h.llm.reset();
  });
  afterAll(async () => { await h.close(); });

  it('answers only the users of BOT_ALLOWED_USER_IDS; others are told, and nothing of theirs is stored', async () => {
    const allowed = newUser('Owner');
    const stranger = newUser('Stranger');
    await h.startBot({ BOT_ALLOWED_USER_IDS: `${allowed.id}` });
    expect(await ask(h.emulator, stranger, '/start')).toBe(TEXTS.notAllowed(stranger.id));
    h.emulator.sendUserMessage({ from: stranger, text: 'let me in' });
    expect(await ask(h.emulator, allowed, 'hello')).toBe('You said: "hello". This is the start of our conversation.');
    // One refusal per minute: the stranger's second message is refused silently.
    expect(await settled(stranger.id, 1)).toEqual([TEXTS.notAllowed(stranger.id)]);
    expect(await h.query(`SELECT id FROM users WHERE id = $1`, [stranger.id])).toEqual([]);
    expect(h.llm.requests).toHaveLength(1);
  });

  it('refuses a message longer than BOT_MAX_INPUT_CHARS (in characters, not UTF-16 units) and stores it not', async () => {
    await h.startBot({ BOT_MAX_INPUT_CHARS: '10' });
    const user = newUser();
    expect(await ask(h.emulator, user, '🙂'.repeat(10))).toBe('You said: "🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂". This is the start of our conversation.');
    expect(await ask(h.emulator, user, 'eleven char')).toBe(TEXTS.tooLong(11, 10));
    expect((await stored(user.id)).map((r) => r.content)).toEqual(['🙂'.repeat(10)]);
  });

  it('holds a user to BOT_RATE_LIMIT_PER_MINUTE: the rest of a burst gets one "slow down", and is not stored', async () => {
    await h.startBot({ BOT_RATE_LIMIT_PER_MINUTE: '3', BOT_MAX_PENDING_PER_CHAT: '100' });
    const user = newUser();
    for (let i = 1; i <= 6; i++) h.emulator.sendUserMessage({ from: user, text: `burst ${i}` });
    const sent = await settled(user.id, 4);
    expect(sent.filter((t) => t.startsWith('You said'))).toHaveLength(3);
    expect(sent.filter((t) => t.startsWith("You're sending messages faster"))).toHaveLength(1);
    expect(sent).toHaveLength(4);
    expect((await stored(user.id)).map((r) => r.content)).toEqual(['burst 1', 'burst 2', 'burst 3']);
    expect(h.llm.requests).toHaveLength(3);
    // Another user is not slowed down by it.
    expect(await ask(h.emulator, newUser(), 'me too')).toBe('You said: "me too". This is the start of our conversation.');
  });

  it('lets at most BOT_MAX_PENDING_PER_CHAT messages of a chat wait for an answer', async () => {
    await h.startBot({ BOT_MAX_PENDING_PER_CHAT: '2' });
    h.llm.configure({ delayMs: 800 });
    const user = newUser();
    for (let i = 1; i <= 4; i++) h.emulator.sendUserMessage({ from: user, text: `queued ${i}` });
    const sent = await settled(user.id, 3);
    expect(sent).toEqual([TEXTS.tooManyPending(2), 'You said: "queued 1". This is the start of our conversation.', 'You said: "queued 2". Earlier you said: "queued 1".']);
    expect((await stored(user.id)).map((r) => r.content)).toEqual(['queued 1', 'queued 2']);
    // Once answered, the chat takes messages again.
    expect(await ask(h.emulator, user, 'queued 5')).toMatch(/^You said: "queued 5"/);
  });

  it('stops asking the LLM for a user past BOT_DAILY_TOKEN_BUDGET until midnight UTC; the question is kept, answered once', async () => {
    await h.startBot({ BOT_DAILY_TOKEN_BUDGET: '50' });
    const user = newUser();
    await ask(h.emulator, user, 'a first question, answered');
    const [usage] = await h.query<{ tokens: number; answers: number }>(
      `SELECT tokens::int, answers FROM daily_llm_usage WHERE user_id = $1 AND day = (now() AT TIME ZONE 'UTC')::date`, [user.id]);
    expect(usage.answers).toBe(1);
    expect(usage.tokens).toBeGreaterThan(50); // the system prompt alone is longer
    expect(await ask(h.emulator, user, 'one more')).toMatch(/^You've reached today's limit for the assistant\. It resets at midnight UTC \(in \d+ h \d+ min\)\.$/);
    expect(h.llm.requests).toHaveLength(1);
    const rows = await h.query(`SELECT content, replied_at IS NOT NULL AS replied FROM messages WHERE user_id = $1 ORDER BY id`, [user.id]);
    expect(rows.map((r) => r.content)).toEqual(['a first question, answered', expect.stringMatching(/^You said/), 'one more']);
    // Another user has their own budget.
    expect(await ask(h.emulator, newUser(), 'fresh')).toMatch(/^You said: "fresh"/);
  });

  it('stores nothing twice when a refused update is delivered again', async () => {
    await h.startBot({ BOT_MAX_INPUT_CHARS: '5' });
    const user = newUser();
    const long = h.emulator.sendUserMessage({ from: user, text: 'too long' });
    await h.emulator.waitForSent(user.id);
    h.emulator.redeliver(long.updateId);
    await settled(user.id, 2);
    expect(await stored(user.id)).toEqual([]);
  });
});
