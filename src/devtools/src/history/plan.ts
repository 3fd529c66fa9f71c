import { persona, Persona } from '../traffic/personas';

export interface HistoryOptions {
  /** Days of history, ending at `end`. */
  readonly days: number;
  /** People in the cast: the traffic generator's personas 0…users−1 (its live users are the first ones). */
  readonly users: number;
  /** The moment the history ends (the demo's start). */
  readonly end: Date;
  /** Same seed, same history relative to `end`. */
  readonly seed?: number;
}

export interface HistoryUser {
  readonly persona: Persona;
  readonly firstSeenAt: Date;
}

/** One question and its answer. */
export interface HistoryExchange {
  readonly userId: number;
  readonly question: string;
  readonly askedAt: Date;
  readonly answer: string;
  readonly answeredAt: Date;
}

export interface HistoryPlan {
  /** Start of the first UTC day of the history. */
  readonly from: Date;
  readonly users: HistoryUser[];
  /** Oldest first. */
  readonly exchanges: HistoryExchange[];
}

const DAY_MS = 86_400_000;
/** Share of a day's usual activity by UTC weekday (Sunday first): a working week, quiet weekends. */
export const WEEKDAY_RHYTHM = [0.45, 1, 1.05, 1, 0.95, 0.85, 0.5];
/** Hours of the day people write at (UTC), as weights: a morning start, a lunch dip, a busy evening. */
const HOUR_WEIGHTS = [0.2, 0.1, 0.05, 0.05, 0.05, 0.1, 0.3, 0.7, 1.2, 1.6, 1.8, 1.7, 1.2, 1.4, 1.6, 1.6, 1.5, 1.4, 1.6, 1.9, 2, 1.6, 1, 0.5];
/** Everyday questions beyond each persona's own script, so the history reads like use. */
const EXTRA_QUESTIONS = [
  'Can you summarise this article in three bullet points?',
  'Help me write a polite reminder to a colleague.',
  'What is a good name for a small coffee shop?',
  'Translate "see you tomorrow" into German.',
  'Explain the difference between TCP and UDP simply.',
  'Give me a 20-minute workout without equipment.',
  'Suggest a vegetarian dinner for two.',
  'How do I convert Celsius to Fahrenheit?',
  'Draft a short agenda for a weekly team meeting.',
  'What should I read to learn about statistics?',
];

/**
 * A realistic past for the demo's simulated users, computed (no database): the regulars of
 * the live traffic are there from the start, newcomers join at a growing rate, a third of
 * them drift away after a few weeks, everybody writes less at the weekend, mostly in the
 * daytime, in bursts of a few questions. Deterministic for a seed and an end time.
 */
export function planHistory(options: HistoryOptions): HistoryPlan {
  const random = seededRandom(options.seed ?? 20_251_203);
  const end = options.end.getTime();
  // UTC days, like the api's windows: the last one is today, cut at `end`.
  const firstDayStart = Math.floor(end / DAY_MS) * DAY_MS - (options.days - 1) * DAY_MS;
  const regulars = Math.min(options.users, 6);

  const users = Array.from({ length: options.users }, (_, i) => {
    // Regulars join in the first two weeks; newcomers with a density rising over time (growth).
    const share = i < regulars ? (i / regulars) * (14 / options.days) : Math.sqrt((i - regulars + random()) / (options.users - regulars));
    const firstDay = Math.min(options.days - 2, Math.floor(share * options.days));
    const churns = i >= regulars && random() < 0.35;
    return {
      persona: persona(i),
      firstDay,
      lastDay: churns ? Math.min(options.days - 1, firstDay + 7 + Math.floor(-Math.log(1 - random()) * 25)) : options.days - 1,
      // How often this person comes back: regulars most days, others now and then.
      appetite: i < regulars ? 0.55 + random() * 0.3 : 0.15 + random() * 0.45,
      asked: 0,
    };
  });

  const exchanges: HistoryExchange[] = [];
  for (let day = 0; day < options.days; day++) {
    const dayStart = firstDayStart + day * DAY_MS;
    const weekday = WEEKDAY_RHYTHM[new Date(dayStart).getUTCDay()];
    for (const user of users) {
      if (day < user.firstDay || day > user.lastDay) continue;
      // Everybody writes on the day they first appear; later on as often as they like.
      if (day !== user.firstDay && random() >= user.appetite * weekday) continue;
      const sessions = random() < 0.25 ? 2 : 1;
      for (let s = 0; s < sessions; s++) {
        let at = dayStart + pickHour(random) * 3_600_000 + Math.floor(random() * 3_000_000);
        const count = 1 + Math.floor(-Math.log(1 - random()) * 1.6);
        for (let q = 0; q < Math.min(count, 6); q++) {
          const answeredAt = at + 3_000 + Math.floor(random() * 25_000);
          if (answeredAt >= end || at >= dayStart + DAY_MS) break;
          const lines = [...user.persona.lines, ...EXTRA_QUESTIONS];
          const question = lines[(user.asked * 7 + user.persona.user.id) % lines.length];
          user.asked += 1;
          const userId = user.persona.user.id;
          exchanges.push({ userId, question, askedAt: new Date(at), answer: answerTo(question), answeredAt: new Date(answeredAt) });
          at = answeredAt + 20_000 + Math.floor(random() * 90_000);
        }
      }
    }
  }
  exchanges.sort((a, b) => a.askedAt.getTime() - b.askedAt.getTime() || a.userId - b.userId);
  const firstSeen = new Map<number, Date>();
  for (const e of exchanges) if (!firstSeen.has(e.userId)) firstSeen.set(e.userId, e.askedAt);
  return {
    from: new Date(firstDayStart),
    users: users.filter((u) => firstSeen.has(u.persona.user.id)).map((u) => ({ persona: u.persona, firstSeenAt: firstSeen.get(u.persona.user.id)! })),
    exchanges,
  };
}

/** Like the LLM stub's answers: short, and about the question. */
function answerTo(question: string): string {
  return `Here is a short answer to "${question}" — with an example and one tip to try next.`;
}

function pickHour(random: () => number): number {
  const total = HOUR_WEIGHTS.reduce((a, b) => a + b, 0);
  let r = random() * total;
  for (let h = 0; h < 24; h++) {
    r -= HOUR_WEIGHTS[h];
    if (r < 0) return h;
  }
  return 23;
}

/** A small seeded PRNG (Park–Miller, in exact double arithmetic): the same seed gives the same history. */
function seededRandom(seed: number): () => number {
  const M = 2_147_483_647;
  let state = (Math.abs(Math.floor(seed)) % (M - 1)) + 1;
  return () => {
    state = (state * 48_271) % M;
    return (state - 1) / (M - 1);
  };
}
