import { TrafficGenerator } from '@dialogstack/devtools';
import { Harness } from './support/harness';

describe('traffic generator', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await Harness.create('traffic');
    await h.startBot();
  });
  afterAll(async () => { await h.close(); });

  it('fills the database with real rows through the real bot', async () => {
    const generator = new TrafficGenerator({
      telegramUrl: h.emulatorUrl, users: 3, messagesPerUser: 3, pauseMs: 0, replyTimeoutMs: 10_000, rounds: 2,
    });
    const progress = await generator.run();
    // Per person: round 1 = /start, 3 questions, /role or a sticker; round 2 = /reset, 3 questions, /role or a sticker.
    expect(progress).toEqual({ sent: 3 * 10, answered: 3 * 10, unanswered: 0, done: true });

    const users = await h.query(`SELECT id::int, first_name FROM users ORDER BY id`);
    expect(users).toEqual([{ id: 100_001, first_name: 'Ada' }, { id: 100_002, first_name: 'Борис' }, { id: 100_003, first_name: 'Chiara' }]);
    const answers = async () => (await h.query<{ n: number }>(`SELECT count(*)::int AS n FROM messages WHERE role = 'assistant'`))[0].n;
    for (const deadline = Date.now() + 5000; await answers() < 18 && Date.now() < deadline;) await new Promise((r) => setTimeout(r, 20));
    const perUser = await h.query(`
      SELECT user_id::int,
             count(*) FILTER (WHERE role = 'user')::int AS questions,
             count(*) FILTER (WHERE role = 'assistant')::int AS answers,
             count(*) FILTER (WHERE hidden_at IS NOT NULL)::int AS hidden
      FROM messages GROUP BY user_id ORDER BY user_id`);
    // The /reset of round 2 hid round 1's three questions and answers.
    expect(perUser).toEqual([100_001, 100_002, 100_003].map((id) => ({ user_id: id, questions: 6, answers: 6, hidden: 6 })));
    const rollup = await h.query(`SELECT sum(messages)::int AS messages FROM daily_activity`);
    expect(rollup).toEqual([{ messages: 36 }]);
  });
});
