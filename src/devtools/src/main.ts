#!/usr/bin/env node
/**
 * Local stand-ins for the outside world, for tests and the compose `demo` profile only:
 *   node dist/main.js telegram   Telegram Bot API emulator        (TELEGRAM_EMULATOR_PORT, default 8081)
 *   node dist/main.js llm        OpenAI-compatible LLM stub       (LLM_STUB_PORT, default 8082)
 *   node dist/main.js traffic    users chatting through the emulator (TRAFFIC_PORT, default 8083)
 *   node dist/main.js history    writes the demo's past into the database once, then exits (DATABASE_URL)
 */
import { ConfigError, createLogger, Logger, readEnv } from '@dialogstack/runtime';
import { createServer, Server } from 'node:http';
import { Client } from 'pg';
import { HISTORY_ENV, LLM_STUB_ENV, TELEGRAM_EMULATOR_ENV, TRAFFIC_ENV } from './config';
import { seedHistory } from './history/seed';
import { close, listen, sendJson } from './http';
import { createLlmStubServer } from './llm/server';
import { LlmStub } from './llm/stub';
import { TelegramEmulator } from './telegram/emulator';
import { createTelegramEmulatorServer } from './telegram/server';
import { TrafficGenerator } from './traffic/generator';

/** Each role and the service name it logs as. */
const ROLES = { telegram: 'telegram-emulator', llm: 'llm-stub', traffic: 'traffic', history: 'demo-history' } as const;
type Role = keyof typeof ROLES;

async function main(role: string | undefined): Promise<void> {
  if (role === undefined || !Object.hasOwn(ROLES, role)) {
    console.error(`usage: devtools <${Object.keys(ROLES).join('|')}>`);
    process.exit(2);
  }
  const log = createLogger(ROLES[role as Role], { level: 'info' });
  const run = { telegram: runTelegram, llm: runLlm, traffic: runTraffic, history: runHistory }[role as Role];
  try {
    await run(log);
  } catch (err) {
    if (err instanceof ConfigError) log.error(err.message, { problems: err.problems });
    else log.error('failed', { err });
    process.exit(1);
  }
}

async function runTelegram(log: Logger): Promise<void> {
  const env = readEnv(TELEGRAM_EMULATOR_ENV);
  const token = env.TELEGRAM_EMULATOR_TOKEN;
  const emulator = new TelegramEmulator();
  const server = createTelegramEmulatorServer(emulator, { token });
  const bound = await listen(server, env.TELEGRAM_EMULATOR_PORT, env.TELEGRAM_EMULATOR_HOST);
  log.info('listening', { port: bound, tokenChecked: token !== undefined });
  stopOnSignal(log, server, () => emulator.close());
}

async function runLlm(log: Logger): Promise<void> {
  const env = readEnv(LLM_STUB_ENV);
  const { LLM_STUB_DELAY_MS: delayMs, LLM_STUB_REPLY_CHARS: replyChars, LLM_STUB_API_KEY: apiKey } = env;
  const server = createLlmStubServer(new LlmStub({ delayMs, replyChars }, apiKey));
  const bound = await listen(server, env.LLM_STUB_PORT, env.LLM_STUB_HOST);
  log.info('listening', { port: bound, delayMs, replyChars, keyChecked: apiKey !== undefined });
  stopOnSignal(log, server);
}

async function runTraffic(log: Logger): Promise<void> {
  const env = readEnv(TRAFFIC_ENV);
  const stop = new AbortController();
  const generator = new TrafficGenerator({
    telegramUrl: env.TRAFFIC_TELEGRAM_URL,
    users: env.TRAFFIC_USERS,
    messagesPerUser: env.TRAFFIC_MESSAGES_PER_USER,
    pauseMs: env.TRAFFIC_PAUSE_MS,
    replyTimeoutMs: env.TRAFFIC_REPLY_TIMEOUT_MS,
    rounds: env.TRAFFIC_ROUNDS,
    signal: stop.signal,
    onEvent: (msg, fields) => log.info(msg, fields),
  });
  const server = createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/health') sendJson(res, 200, { status: 'ok', service: 'traffic', ...generator.progress });
    else sendJson(res, 404, { error: 'not found' });
  });
  const bound = await listen(server, env.TRAFFIC_PORT, env.TRAFFIC_HOST);
  log.info('started', { port: bound });
  stopOnSignal(log, server, () => stop.abort());
  const progress = await generator.run();
  log.info('finished', { ...progress });
  await close(server);
  process.exit(progress.unanswered === 0 ? 0 : 1);
}

async function runHistory(log: Logger): Promise<void> {
  const env = readEnv(HISTORY_ENV);
  const client = new Client({ connectionString: env.DATABASE_URL, application_name: 'dialogstack-demo-history' });
  await client.connect();
  try {
    const started = Date.now();
    const outcome = await seedHistory(client, { days: env.HISTORY_DAYS, users: env.HISTORY_USERS, end: new Date() });
    log.info(outcome.seeded ? 'seeded' : 'skipped', { ...outcome, ms: Date.now() - started });
  } finally {
    await client.end();
  }
}

function stopOnSignal(log: Logger, server: Server, before: () => void = () => undefined): void {
  const stop = (signal: string) => {
    log.info('stopping', { signal });
    before();
    void close(server).then(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

void main(process.argv[2]);
