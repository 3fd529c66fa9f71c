/**
 * Bot throughput benchmark: the compiled bot process against the Telegram emulator and an
 * instant LLM stub (both in this process), with a real PostgreSQL database.
 *
 *   DATABASE_URL=postgres://postgres:postgres@127.0.0.1:5432/postgres npx tsx bench/bot/throughput.ts
 *
 * DATABASE_URL is an admin connection: a throw-away database is created and dropped.
 * Knobs: BENCH_UPDATES (10000), BENCH_USERS (200), BENCH_LATENCY_SAMPLES (500), BENCH_LOG_LEVEL (info);
 * for profiling, BENCH_NODE_ARGS (extra node flags for the bot, e.g. "--cpu-prof") and
 * BENCH_BOT_STDOUT=1 (show the bot's logs). The bot runs with the NODE_OPTIONS the model gives
 * its container (the heap bounds); BENCH_NODE_OPTIONS replaces them ("" for V8's defaults).
 *
 * Besides wall-clock throughput it reports the bot's CPU time per update (user + system, from
 * /proc), which a busy machine barely moves: compare settings by it when the machine is shared.
 *
 * Phases: warm-up; per-update overhead (one message at a time, inject → reply received);
 * throughput (BENCH_UPDATES messages injected at once, until every reply is out), then the
 * bot's RSS; a burst of 1,000 messages from 100 users, verified row by row in the database.
 */
import { close, createLlmStubServer, createTelegramEmulatorServer, listen, LlmStub, TelegramEmulator } from '@dialogstack/devtools';
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Client } from 'pg';
import { stackModel } from '../../scripts/publish-images';
import { createTestDatabase, migrateTestDatabase } from '../../test/support/database';

const ROOT = resolve(__dirname, '..', '..');
const UPDATES = Number(process.env.BENCH_UPDATES ?? 10_000);
const USERS = Number(process.env.BENCH_USERS ?? 200);
const LATENCY_SAMPLES = Number(process.env.BENCH_LATENCY_SAMPLES ?? 500);
const LOG_LEVEL = process.env.BENCH_LOG_LEVEL ?? 'info';
const TOKEN = '123456:bench-token';
/** What the bot's container receives (docker-compose*.yml, Kubernetes), unless replaced. */
const NODE_OPTIONS = process.env.BENCH_NODE_OPTIONS ?? modelNodeOptions();

function modelNodeOptions(): string {
  const value = stackModel().services.find((s) => s.name === 'bot')?.env.NODE_OPTIONS;
  return typeof value === 'string' ? value : '';
}

interface Person { id: number; first_name: string; language_code: string }
const person = (id: number): Person => ({ id, first_name: `User${id}`, language_code: 'en' });

async function main(): Promise<void> {
  execFileSync('npx', ['tsc', '-b', 'src/bot', 'src/devtools'], { cwd: ROOT, stdio: 'inherit' });
  const db = await createTestDatabase('bench');
  const emulator = new TelegramEmulator();
  const telegramServer = createTelegramEmulatorServer(emulator, { token: TOKEN });
  const llmServer = createLlmStubServer(new LlmStub({}, 'bench-key'));
  let bot: ChildProcess | undefined;
  try {
    await migrateTestDatabase(db);

    const telegramPort = await listen(telegramServer, 0, '127.0.0.1');
    const llmPort = await listen(llmServer, 0, '127.0.0.1');
    bot = spawn(process.execPath, [...(process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean), 'src/bot/dist/main.js'], {
      cwd: ROOT,
      stdio: ['ignore', process.env.BENCH_BOT_STDOUT ? 'inherit' : 'ignore', 'inherit'],
      env: {
        PATH: process.env.PATH,
        NODE_OPTIONS,
        TELEGRAM_BOT_TOKEN: TOKEN,
        TELEGRAM_API_ROOT: `http://127.0.0.1:${telegramPort}`,
        LLM_BASE_URL: `http://127.0.0.1:${llmPort}/v1`,
        LLM_API_KEY: 'bench-key',
        DATABASE_URL: db.writerUrl,
        PORT: '0',
        LOG_LEVEL,
        // Throughput of the pipeline, not of the per-user limits: 50 messages per user at once.
        BOT_RATE_LIMIT_PER_MINUTE: '1000000',
        BOT_MAX_PENDING_PER_CHAT: '100000',
        BOT_DAILY_TOKEN_BUDGET: '0',
      },
    });
    await until(() => emulator.callsOf('deleteWebhook').length > 0, 15_000, 'the bot to start polling');
    console.log(`bot pid ${bot.pid}; ${cpus().length} CPUs (${cpus()[0]?.model}); LOG_LEVEL=${LOG_LEVEL}; NODE_OPTIONS=${NODE_OPTIONS || '(none)'}`);

    const idle = processMemory(bot.pid!);
    // Warm-up: JIT, connection pools, keep-alive sockets.
    await flood(emulator, 200, 50, 1_000_000);

    // Per-update overhead: one message in flight at a time, the LLM answers instantly.
    const latencies: number[] = [];
    for (let i = 0; i < LATENCY_SAMPLES; i++) {
      const from = person(2_000_000 + (i % 50));
      const started = performance.now();
      const sent = emulator.sendUserMessage({ from, text: `latency probe ${i}` });
      await emulator.waitForSent(sent.chatId, { afterMessageId: sent.messageId, timeoutMs: 10_000 });
      latencies.push(performance.now() - started);
    }

    // Throughput: UPDATES messages from USERS people, all injected at once.
    const cpuBefore = processCpu(bot.pid!);
    const throughput = await flood(emulator, UPDATES, USERS, 3_000_000);
    const cpuAfter = processCpu(bot.pid!);
    const cpuPerUpdate = (cpuAfter.totalMs - cpuBefore.totalMs) / UPDATES;
    const systemPerUpdate = (cpuAfter.systemMs - cpuBefore.systemMs) / UPDATES;
    const memory = processMemory(bot.pid!);

    // Burst: 1,000 messages from 100 people, then count rows.
    const burst = await flood(emulator, 1000, 100, 4_000_000);
    const rows = await verifyBurst(db.adminUrl, emulator, 4_000_000, 100);

    console.log('');
    console.log(`per-update overhead (inject → reply, ${LATENCY_SAMPLES} sequential): p50 ${percentile(latencies, 50).toFixed(1)} ms, p95 ${percentile(latencies, 95).toFixed(1)} ms, p99 ${percentile(latencies, 99).toFixed(1)} ms`);
    console.log(`throughput (${UPDATES} updates from ${USERS} users, all answered): ${throughput.perSecond.toFixed(0)} updates/s (${throughput.seconds.toFixed(2)} s); bot CPU ${cpuPerUpdate.toFixed(2)} ms per update (${systemPerUpdate.toFixed(2)} ms of it in the kernel)`);
    console.log(`bot memory: RSS ${idle.rssMb.toFixed(0)} MB idle, ${memory.rssMb.toFixed(0)} MB after ${UPDATES} updates (peak ${memory.peakMb.toFixed(0)} MB)`);
    console.log(`burst (1000 updates from 100 users): ${burst.perSecond.toFixed(0)} updates/s; rows: ${rows.userMessages} user messages, ${rows.distinctTelegramIds} distinct Telegram ids, ${rows.answers} answers, ${rows.replies} replies sent`);
    const intact = rows.userMessages === 1000 && rows.distinctTelegramIds === 1000 && rows.answers === 1000 && rows.replies === 1000;
    console.log(intact ? 'burst: none lost, every message stored exactly once' : 'burst: ROWS DO NOT ADD UP');
    process.exitCode = intact ? 0 : 1;
  } finally {
    bot?.kill('SIGTERM');
    if (bot && bot.exitCode === null) await new Promise((done) => bot!.once('exit', done));
    emulator.close();
    await close(telegramServer);
    await close(llmServer);
    await db.drop();
  }
}

/** Injects `count` messages round-robin from `users` people at once; resolves when all are answered. */
async function flood(emulator: TelegramEmulator, count: number, users: number, firstUserId: number): Promise<{ seconds: number; perSecond: number }> {
  const target = emulator.sentCount + count;
  const started = performance.now();
  for (let i = 0; i < count; i++) {
    emulator.sendUserMessage({ from: person(firstUserId + (i % users)), text: `message ${i} from a benchmark user` });
  }
  await emulator.waitForSentCount(target, 300_000);
  const seconds = (performance.now() - started) / 1000;
  return { seconds, perSecond: count / seconds };
}

/** Counts the burst's rows once the answers are in (each is stored while it is being sent). */
async function verifyBurst(adminUrl: string, emulator: TelegramEmulator, firstUserId: number, users: number) {
  const client = new Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const count = async () => (await client.query(`
      SELECT count(*) FILTER (WHERE role = 'user')::int AS "userMessages",
             count(DISTINCT (chat_id, telegram_message_id)) FILTER (WHERE role = 'user')::int AS "distinctTelegramIds",
             count(*) FILTER (WHERE role = 'assistant')::int AS answers
      FROM messages WHERE user_id BETWEEN $1 AND $2`, [firstUserId, firstUserId + users - 1])).rows[0];
    let rows = await count();
    for (const deadline = Date.now() + 5000; rows.answers < rows.userMessages && Date.now() < deadline;) {
      await new Promise((r) => setTimeout(r, 50));
      rows = await count();
    }
    let replies = 0;
    for (let id = firstUserId; id < firstUserId + users; id++) replies += emulator.sentTo(id).length;
    return { ...rows, replies } as { userMessages: number; distinctTelegramIds: number; answers: number; replies: number };
  } finally {
    await client.end();
  }
}

function processMemory(pid: number): { rssMb: number; peakMb: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1] ?? NaN);
  return { rssMb: kb('VmRSS') / 1024, peakMb: kb('VmHWM') / 1024 };
}

/** CPU time of a process so far, user + system and system alone (/proc/<pid>/stat fields 14 and 15, in clock ticks of 10 ms). */
function processCpu(pid: number): { totalMs: number; systemMs: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { totalMs: (Number(fields[11]) + Number(fields[12])) * 10, systemMs: Number(fields[12]) * 10 };
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

async function until(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

main().catch((err: Error) => {
  console.error(`bench failed: ${err.message}`);
  process.exit(1);
});
