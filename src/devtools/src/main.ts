#!/usr/bin/env node
/**
 * Local stand-ins for the outside world, for tests and the compose `demo` profile only:
 *   node dist/main.js telegram   Telegram Bot API emulator        (TELEGRAM_EMULATOR_PORT, default 8081)
 *   node dist/main.js llm        OpenAI-compatible LLM stub       (LLM_STUB_PORT, default 8082)
 *   node dist/main.js traffic    users chatting through the emulator (TRAFFIC_PORT, default 8083)
 *   node dist/main.js history    writes the demo's past into the database once, then exits (DATABASE_URL)
 */
import { createServer, Server } from 'node:http';
import { Client } from 'pg';
import { EnvReader } from './env';
import { seedHistory } from './history/seed';
import { close, listen, sendJson } from './http';
import { createLlmStubServer } from './llm/server';
import { LlmStub } from './llm/stub';
import { log } from './log';
import { TelegramEmulator } from './telegram/emulator';
import { createTelegramEmulatorServer } from './telegram/server';
import { TrafficGenerator } from './traffic/generator';

const ROLES = ['telegram', 'llm', 'traffic', 'history'] as const;
type Role = typeof ROLES[number];

async function main(role: string | undefined): Promise<void> {
  if (!ROLES.includes(role as Role)) {
    console.error(`usage: devtools <${ROLES.join('|')}>`);
    process.exit(2);
  }
  const env = new EnvReader(process.env);
  switch (role as Role) {
    case 'telegram': return runTelegram(env);
    case 'llm': return runLlm(env);
    case 'traffic': return runTraffic(env);
    case 'history': return runHistory(env);
  }
}

async function runTelegram(env: EnvReader): Promise<void> {
  const port = env.int('TELEGRAM_EMULATOR_PORT', 8081, 0, 65535);
  const host = env.string('TELEGRAM_EMULATOR_HOST', '0.0.0.0');
  const token = env.optional('TELEGRAM_EMULATOR_TOKEN');
  env.done();
  const emulator = new TelegramEmulator();
  const server = createTelegramEmulatorServer(emulator, { token });
  const bound = await listen(server, port, host);
  log('telegram-emulator', 'listening', { port: bound, tokenChecked: token !== undefined });
  stopOnSignal('telegram-emulator', server, () => emulator.close());
}

async function runLlm(env: EnvReader): Promise<void> {
  const port = env.int('LLM_STUB_PORT', 8082, 0, 65535);
  const host = env.string('LLM_STUB_HOST', '0.0.0.0');
  const delayMs = env.int('LLM_STUB_DELAY_MS', 0, 0, 600_000);
  const replyChars = env.int('LLM_STUB_REPLY_CHARS', 0, 0, 1_000_000);
  const apiKey = env.optional('LLM_STUB_API_KEY');
  env.done();
  const server = createLlmStubServer(new LlmStub({ delayMs, replyChars }, apiKey));
  const bound = await listen(server, port, host);
  log('llm-stub', 'listening', { port: bound, delayMs, replyChars, keyChecked: apiKey !== undefined });
  stopOnSignal('llm-stub', server);
}

async function runTraffic(env: EnvReader): Promise<void> {
  const port = env.int('TRAFFIC_PORT', 8083, 0, 65535);
  const host = env.string('TRAFFIC_HOST', '0.0.0.0');
  const stop = new AbortController();
  const generator = new TrafficGenerator({
    telegramUrl: env.url('TRAFFIC_TELEGRAM_URL', 'http://127.0.0.1:8081'),
    users: env.int('TRAFFIC_USERS', 5, 1, 1000),
    messagesPerUser: env.int('TRAFFIC_MESSAGES_PER_USER', 4, 1, 1000),
    pauseMs: env.int('TRAFFIC_PAUSE_MS', 1500, 0, 600_000),
    replyTimeoutMs: env.int('TRAFFIC_REPLY_TIMEOUT_MS', 60_000, 1, 600_000),
    rounds: env.int('TRAFFIC_ROUNDS', 1, 0, 1_000_000),
    signal: stop.signal,
    onEvent: (msg, fields) => log('traffic', msg, fields),
  });
  env.done();
  const server = createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/health') sendJson(res, 200, { status: 'ok', service: 'traffic', ...generator.progress });
    else sendJson(res, 404, { error: 'not found' });
  });
  const bound = await listen(server, port, host);
  log('traffic', 'started', { port: bound });
  stopOnSignal('traffic', server, () => stop.abort());
  const progress = await generator.run();
  log('traffic', 'finished', { ...progress });
  await close(server);
  process.exit(progress.unanswered === 0 ? 0 : 1);
}

async function runHistory(env: EnvReader): Promise<void> {
  const url = env.required('DATABASE_URL');
  const days = env.int('HISTORY_DAYS', 90, 1, 3650);
  const users = env.int('HISTORY_USERS', 40, 1, 1000);
  env.done();
  const client = new Client({ connectionString: url, application_name: 'dialogstack-demo-history' });
  await client.connect();
  try {
    const started = Date.now();
    const outcome = await seedHistory(client, { days, users, end: new Date() });
    log('history', outcome.seeded ? 'seeded' : 'skipped', { ...outcome, ms: Date.now() - started });
  } finally {
    await client.end();
  }
}

function stopOnSignal(service: string, server: Server, before: () => void = () => undefined): void {
  const stop = (signal: string) => {
    log(service, 'stopping', { signal });
    before();
    void close(server).then(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main(process.argv[2]).catch((err: Error) => {
  console.error(`devtools: ${err.message}`);
  process.exit(1);
});
