import { TEXTS } from '@dialogstack/bot';
import { API_ROUTES } from '@dialogstack/contract';
import { SentMessage, TrafficGenerator, TrafficMessage } from '@dialogstack/devtools';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from 'pg';
import { ComposeProject, freePort, run, waitFor } from './docker';
import { DEMO_ENV_FILE } from './fakes';
import { testStackEnv } from './stack-env';

/**
 * The fault drill: the real stack (docker-compose.yml with the demo fakes, built from
 * source) under steady simulated traffic, one fault after another, each followed until the
 * stack has recovered. Every question is unique and the LLM stub quotes it, so each reply is
 * matched to its question: lost and duplicated answers are counted, not guessed.
 */

/** The faults, in the order they run. */
export const FAULTS = ['bot-killed', 'postgres-restarted', 'api-cut-from-database', 'llm-errors', 'llm-timeouts', 'telegram-429-storm'] as const;
export type FaultName = (typeof FAULTS)[number];

export const FAULT_TITLES: Record<FaultName, string> = {
  'bot-killed': 'bot killed (kill -9) while the LLM answers',
  'postgres-restarted': 'postgres restarted',
  'api-cut-from-database': 'api cut from the database network for 10 s',
  'llm-errors': 'LLM answers 500 for 30 s',
  'llm-timeouts': 'LLM never answers for 30 s',
  'telegram-429-storm': 'Telegram answers 429 (retry after 5 s) for 30 s',
};

/** The bot's settings in the drill that differ from the defaults (reported with the figures). */
export const DRILL_BOT_SETTINGS = { LLM_TIMEOUT_MS: '15000' };

/** The simulated traffic: people who wait up to 5 s for an answer, then go on. */
export const DRILL_TRAFFIC = { users: 12, pauseMs: 3000, replyTimeoutMs: 5000 };

export interface FaultReport {
  readonly fault: FaultName;
  readonly title: string;
  /** From injecting the fault until its cause was gone (the dependency healthy again), ms. */
  readonly faultMs: number;
  readonly questions: {
    /** Questions the simulated people sent during the phase. */
    readonly sent: number;
    readonly stored: number;
    /** Answered by the LLM (a reply quoting the question). */
    readonly answered: number;
    /** Told that the assistant could not answer (LLM timeout or failure): replied, not lost. */
    readonly apologized: number;
    /** Refused by a per-user limit (asked to send it again): replied, not stored. */
    readonly refused: number;
    /** No reply at all after the drill drained. */
    readonly lost: number;
    /** More than one answer, or stored more than once. */
    readonly duplicated: number;
  };
  readonly api: {
    readonly requests: number;
    readonly failed: number;
    /** From the first to the last failed request, ms (0: none failed). */
    readonly failingMs: number;
    /** From the fault's end to the first successful request after it, ms (0: it never failed after the end). */
    readonly recoveredAfterMs: number;
  };
  readonly bot: {
    /** From the fault's end to the first answer sent after it, ms. */
    readonly answeringAfterMs: number;
    /** From the fault's end until every question sent before the end had its reply, ms. */
    readonly backlogClearedAfterMs: number;
  };
}

/** The stack under test: its compose project, published addresses and secrets. */
export class DrillStack {
  /**
   * Builds and starts the stack, plus an override for the drill: the emulator and the stub
   * published on loopback (the drill drives them), and a `db` network that only postgres,
   * migrate, bot and api are on (postgres leaves the shared one), so the api can be cut from
   * the database while it still answers the host.
   */
  static async start(project: string): Promise<DrillStack> {
    const ports = {
      api: await freePort(), frontend: await freePort(), postgres: await freePort(), telegram: await freePort(), llm: await freePort(),
    };
    const env: Record<string, string> = { ...testStackEnv(ports), ...DRILL_BOT_SETTINGS };
    const override = join(mkdtempSync(join(tmpdir(), 'fault-drill-')), 'drill.compose.yml');
    writeFileSync(override, [
      'services:',
      '  postgres:',
      '    networks: !override [db]',
      '  migrate:',
      '    networks: !override [db]',
      '  bot:',
      '    networks: [db]',
      '  api:',
      '    networks: [db]',
      '  telegram:',
      `    ports: ["127.0.0.1:${ports.telegram}:8081"]`,
      '  llm:',
      `    ports: ["127.0.0.1:${ports.llm}:8082"]`,
      'networks:',
      '  db: {}',
      '',
    ].join('\n'));
    const compose = new ComposeProject(project, ['docker-compose.yml', override], env, { profiles: ['demo'], envFiles: [DEMO_ENV_FILE] });
    try {
      await compose.compose(['up', '--build', '--detach', '--wait', '--wait-timeout', '300', 'postgres', 'migrate', 'bot', 'api', 'telegram', 'llm'], 20 * 60_000);
    } catch (err) {
      const logs = await compose.logs();
      await compose.down().catch(() => undefined);
      throw new Error(`${(err as Error).message}\n--- logs ---\n${logs}`);
    }
    const at = (port: number) => `http://127.0.0.1:${port}`;
    return new DrillStack(compose, env, { api: at(ports.api), telegram: at(ports.telegram), llm: at(ports.llm) },
      `postgres://postgres:${env.POSTGRES_PASSWORD}@127.0.0.1:${ports.postgres}/dialogstack`);
  }

  private constructor(
    readonly compose: ComposeProject,
    readonly env: Record<string, string>,
    readonly urls: { api: string; telegram: string; llm: string },
    readonly databaseUrl: string,
  ) {}

  async containerId(service: string): Promise<string> {
    return (await this.compose.compose(['ps', '-q', service])).trim();
  }

  async stop(): Promise<void> {
    await this.compose.down();
  }
}

/**
 * A request to the api's statistics every 250 ms, with the dashboard's token: what viewers
 * see. Requests are sent on the clock, not one after another: a request hanging on a cut
 * network (up to its 3 s timeout) must not hold back the next one, or the recovery time
 * measured would be the timeout, not the api's.
 */
class ApiProber {
  readonly samples: { at: number; ok: boolean }[] = [];
  private readonly stopping = new AbortController();
  private readonly inFlight = new Set<Promise<void>>();
  private loop?: Promise<void>;

  constructor(private readonly url: string, private readonly token: string) {}

  start(): void {
    this.loop = (async () => {
      while (!this.stopping.signal.aborted) {
        const at = Date.now();
        const probe = this.probe(at);
        this.inFlight.add(probe);
        void probe.finally(() => this.inFlight.delete(probe));
        await sleep(Math.max(0, at + 250 - Date.now()));
      }
    })();
  }

  private async probe(at: number): Promise<void> {
    let ok = false;
    try {
      const res = await fetch(`${this.url}${API_ROUTES.stats}?period=24h`, {
        headers: { authorization: `Bearer ${this.token}` }, signal: AbortSignal.timeout(3000),
      });
      await res.arrayBuffer();
      ok = res.status === 200;
    } catch {
      ok = false;
    }
    this.samples.push({ at, ok });
  }

  async stop(): Promise<void> {
    this.stopping.abort();
    await this.loop;
    await Promise.all(this.inFlight);
    this.samples.sort((x, y) => x.at - y.at); // by when each was sent
  }
}

interface Phase {
  fault: FaultName;
  start: number;
  injectedAt: number;
  endedAt: number;
  end: number;
}

/** Injects one fault; resolves when its cause is gone (the epoch ms it ended). */
type Injector = (stack: DrillStack, log: (line: string) => void) => Promise<number>;

const INJECT: Record<FaultName, Injector> = {
  'bot-killed': async (stack, log) => {
    // Mid-reply: the moment the LLM stub is answering one of the bot's requests.
    await waitFor('an LLM request in progress', async () => (await llmHealth(stack)).answering > 0 || undefined, 30_000, 20);
    const before = await startedAt(stack, 'bot');
    // From inside, as a crash: not `docker kill` (a stop by hand, which the restart policy honours).
    await stack.compose.compose(['exec', '-T', 'bot', 'sh', '-c', 'kill -9 -1']).catch(() => undefined);
    log('bot process killed (kill -9)');
    return waitFor('the bot to run again (restart policy)', async () => {
      const now = await startedAt(stack, 'bot');
      return now !== before && await isRunning(stack, 'bot') ? Date.now() : undefined;
    }, 60_000, 100);
  },
  'postgres-restarted': async (stack, log) => {
    await stack.compose.compose(['restart', 'postgres']);
    log('postgres restarted; waiting until it accepts connections');
    return waitFor('postgres to accept connections', async () => (await canQuery(stack.databaseUrl)) ? Date.now() : undefined, 60_000, 100);
  },
  'api-cut-from-database': async (stack, log) => {
    const network = `${stack.compose.name}_db`;
    const api = await stack.containerId('api');
    await run('docker', ['network', 'disconnect', network, api]);
    log('api disconnected from the database network');
    await sleep(10_000);
    await run('docker', ['network', 'connect', network, api]);
    log('api connected again');
    return Date.now();
  },
  'llm-errors': async (stack) => llmOutage(stack, 'error'),
  'llm-timeouts': async (stack) => llmOutage(stack, 'hang'),
  'telegram-429-storm': async (stack) => {
    for (const method of ['getUpdates', 'sendMessage', 'sendChatAction']) {
      await post(`${stack.urls.telegram}/control/faults`, { method, status: 429, retryAfter: 5, seconds: 30 });
    }
    await sleep(30_000);
    return Date.now();
  },
};

async function llmOutage(stack: DrillStack, mode: 'error' | 'hang'): Promise<number> {
  await post(`${stack.urls.llm}/control/outage`, { mode, seconds: 30, status: 500 });
  await sleep(30_000);
  return Date.now();
}

async function llmHealth(stack: DrillStack): Promise<{ answering: number }> {
  return (await fetch(`${stack.urls.llm}/health`)).json() as Promise<{ answering: number }>;
}

async function startedAt(stack: DrillStack, service: string): Promise<string> {
  return (await run('docker', ['inspect', '-f', '{{.State.StartedAt}}', await stack.containerId(service)])).trim();
}

async function isRunning(stack: DrillStack, service: string): Promise<boolean> {
  return (await run('docker', ['inspect', '-f', '{{.State.Running}}', await stack.containerId(service)])).trim() === 'true';
}

async function canQuery(url: string): Promise<boolean> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 1000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function post(url: string, body: unknown): Promise<void> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (!res.ok) throw new Error(`POST ${url}: HTTP ${res.status} ${await res.text()}`);
}

/** What the bot said about one question. */
interface Outcome {
  answers: SentMessage[];
  other: SentMessage[];
}

const APOLOGIES = [TEXTS.llmTimeout, TEXTS.llmUnavailable, TEXTS.notSaved];
const REFUSALS = new RegExp(['^(You\'re sending messages faster', 'I\'m still working on your', 'Your message is \\d+ characters long',
  'You\'ve reached today\'s limit', 'Sorry, this assistant is private)'].join('|'));

/**
 * Runs the drill: steady traffic, then each fault in turn (5 s of calm, the fault, then
 * until the api answers and the bot answers a question sent after the fault, then 5 s), then
 * the traffic stops and every question is given time to get its reply.
 */
export async function runDrill(
  stack: DrillStack, faults: readonly FaultName[] = FAULTS, log: (line: string) => void = () => undefined,
): Promise<FaultReport[]> {
  const questions: TrafficMessage[] = [];
  const stopTraffic = new AbortController();
  const traffic = new TrafficGenerator({
    telegramUrl: stack.urls.telegram,
    ...DRILL_TRAFFIC,
    messagesPerUser: 6,
    rounds: 0,
    numbered: true,
    signal: stopTraffic.signal,
    onSent: (m) => { if (m.question) questions.push(m); },
  });
  const trafficDone = traffic.run();
  const prober = new ApiProber(stack.urls.api, stack.env.API_TOKEN);
  prober.start();
  const phases: Phase[] = [];
  try {
    await sleep(10_000); // steady state
    for (const fault of faults) {
      const start = Date.now();
      await sleep(5000);
      const injectedAt = Date.now();
      log(`${fault}: injecting`);
      const endedAt = await INJECT[fault](stack, log);
      log(`${fault}: over after ${((endedAt - injectedAt) / 1000).toFixed(1)} s; waiting for the stack to recover`);
      await waitFor(`the stack to recover from ${fault}`, async () => {
        const apiOk = prober.samples.some((s) => s.at > endedAt && s.ok);
        const later = questions.filter((q) => q.at > endedAt);
        const answered = later.length > 0 && (await repliesTo(stack, later.slice(0, 1)))[0].answers.length > 0;
        return apiOk && answered ? true : undefined;
      }, 180_000, 500);
      await sleep(5000);
      phases.push({ fault, start, injectedAt, endedAt, end: Date.now() });
    }
  } finally {
    stopTraffic.abort();
    await trafficDone.catch(() => undefined);
    await prober.stop();
  }
  // Every question gets the time for its reply (owed replies are swept every 30 s).
  await waitFor('every question to get a reply', async () => {
    const outcomes = await repliesTo(stack, questions);
    return outcomes.every((o) => o.answers.length > 0 || o.other.length > 0) || undefined;
  }, 120_000, 2000).catch(() => log('some questions got no reply: reported as lost'));
  await sleep(2000);

  const outcomes = await repliesTo(stack, questions);
  const byQuestion = new Map(questions.map((q, i) => [q, outcomes[i]]));
  const stored = await storedCounts(stack, questions);
  return phases.map((phase) => report(phase, questions.filter((q) => q.at >= phase.start && q.at < phase.end), byQuestion, stored, prober));
}

function report(
  phase: Phase, asked: TrafficMessage[], outcomes: Map<TrafficMessage, Outcome>, stored: Map<string, number>, prober: ApiProber,
): FaultReport {
  const outcome = (q: TrafficMessage) => outcomes.get(q)!;
  const key = (q: TrafficMessage) => `${q.chatId}:${q.messageId}`;
  const samples = prober.samples.filter((s) => s.at >= phase.injectedAt && s.at < phase.end);
  const failures = samples.filter((s) => !s.ok);
  const failedAfterEnd = failures.some((s) => s.at >= phase.endedAt);
  const firstOkAfterEnd = samples.find((s) => s.at >= phase.endedAt && s.ok);
  const answersAfterEnd = asked.flatMap((q) => outcome(q).answers).map((a) => a.at).filter((at) => at >= phase.endedAt);
  const beforeEnd = asked.filter((q) => q.at < phase.endedAt);
  const lastReplyBeforeEnd = Math.max(phase.endedAt, ...beforeEnd.map((q) => {
    const o = outcome(q);
    return Math.min(...[...o.answers, ...o.other].map((m) => m.at), Infinity);
  }).filter(Number.isFinite));
  return {
    fault: phase.fault,
    title: FAULT_TITLES[phase.fault],
    faultMs: phase.endedAt - phase.injectedAt,
    questions: {
      sent: asked.length,
      stored: asked.filter((q) => (stored.get(key(q)) ?? 0) > 0).length,
      answered: asked.filter((q) => outcome(q).answers.length > 0).length,
      apologized: asked.filter((q) => outcome(q).answers.length === 0 && outcome(q).other.some((m) => APOLOGIES.includes(m.text))).length,
      refused: asked.filter((q) => outcome(q).answers.length === 0 && outcome(q).other.some((m) => REFUSALS.test(m.text))).length,
      lost: asked.filter((q) => outcome(q).answers.length === 0 && outcome(q).other.length === 0).length,
      duplicated: asked.filter((q) => outcome(q).answers.length > 1 || (stored.get(key(q)) ?? 0) > 1).length,
    },
    api: {
      requests: samples.length,
      failed: failures.length,
      failingMs: failures.length === 0 ? 0 : failures[failures.length - 1].at - failures[0].at + 250,
      recoveredAfterMs: failedAfterEnd && firstOkAfterEnd ? firstOkAfterEnd.at - phase.endedAt : 0,
    },
    bot: {
      answeringAfterMs: answersAfterEnd.length === 0 ? NaN : Math.min(...answersAfterEnd) - phase.endedAt,
      backlogClearedAfterMs: lastReplyBeforeEnd - phase.endedAt,
    },
  };
}

/**
 * What the bot sent about each question: answers quote it (the stub's "You said: "<text>"."),
 * apologies and refusals go, in order, to the chat's questions that got no answer before them.
 */
async function repliesTo(stack: DrillStack, asked: TrafficMessage[]): Promise<Outcome[]> {
  const chats = [...new Set(asked.map((q) => q.chatId))];
  const sent = new Map<number, SentMessage[]>();
  await Promise.all(chats.map(async (chatId) => {
    const res = await fetch(`${stack.urls.telegram}/control/sent?chat_id=${chatId}`);
    sent.set(chatId, (await res.json() as { messages: SentMessage[] }).messages);
  }));
  const outcomes = new Map<TrafficMessage, Outcome>(asked.map((q) => [q, { answers: [], other: [] }]));
  for (const chatId of chats) {
    const chatQuestions = asked.filter((q) => q.chatId === chatId).sort((a, b) => a.messageId - b.messageId);
    for (const message of sent.get(chatId) ?? []) {
      const quoted = chatQuestions.find((q) => message.text.startsWith(`You said: "${q.text}".`));
      if (quoted) {
        outcomes.get(quoted)!.answers.push(message);
        continue;
      }
      if (!APOLOGIES.includes(message.text) && !REFUSALS.test(message.text)) continue; // a command's reply
      const owner = chatQuestions.find((q) => q.messageId < message.messageId
        && outcomes.get(q)!.answers.length === 0 && outcomes.get(q)!.other.length === 0);
      owner && outcomes.get(owner)!.other.push(message);
    }
  }
  return asked.map((q) => outcomes.get(q)!);
}

async function storedCounts(stack: DrillStack, asked: TrafficMessage[]): Promise<Map<string, number>> {
  const client = new Client({ connectionString: stack.databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ chat_id: string; telegram_message_id: string; n: number }>(`
      SELECT chat_id, telegram_message_id, count(*)::int AS n FROM messages
      WHERE role = 'user' AND chat_id = ANY($1::bigint[]) GROUP BY 1, 2`, [[...new Set(asked.map((q) => q.chatId))]]);
    return new Map(rows.map((r) => [`${r.chat_id}:${r.telegram_message_id}`, r.n]));
  } finally {
    await client.end();
  }
}

/** The figures as a Markdown table (README, bench output). */
export function reportTable(reports: readonly FaultReport[]): string {
  const s = (ms: number) => (Number.isNaN(ms) ? '–' : `${(ms / 1000).toFixed(1)} s`);
  const lines = [
    '| fault | fault lasted | questions sent / stored / answered / apologized / refused | lost | duplicated | api requests failed (for) | api recovered after | bot answering after | backlog cleared after |',
    '|---|---|---|---|---|---|---|---|---|',
  ];
  for (const r of reports) {
    const q = r.questions;
    lines.push(`| ${r.title} | ${s(r.faultMs)} | ${q.sent} / ${q.stored} / ${q.answered} / ${q.apologized} / ${q.refused} | ${q.lost} | ${q.duplicated} `
      + `| ${r.api.failed} of ${r.api.requests} (${s(r.api.failingMs)}) | ${s(r.api.recoveredAfterMs)} | ${s(r.bot.answeringAfterMs)} | ${s(r.bot.backlogClearedAfterMs)} |`);
  }
  return lines.join('\n');
}
