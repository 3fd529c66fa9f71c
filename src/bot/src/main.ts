#!/usr/bin/env node
/**
 * The bot process: `node dist/main.js`. Reads its configuration from the environment
 * (see config.ts), never runs migrations, stops gracefully on SIGTERM / SIGINT.
 */
import { ConfigError, createLogger } from '@dialogstack/runtime';
import { startBot } from './app';
import { loadConfig } from './config';
import { readMetricsPort } from './metrics';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    createLogger('bot', { level: 'error' }).error(err.message, { problems: err.problems });
    process.exit(1);
  }
  const log = createLogger('bot', { level: config.logLevel });
  process.on('unhandledRejection', (err) => log.error('unhandled rejection', { err }));

  let app;
  try {
    app = await startBot(config, log, { metricsPort: readMetricsPort(process.env) });
  } catch (err) {
    log.error('start-up failed', { err });
    process.exit(1);
  }

  let stopping = false;
  const shutdown = async (reason: string, exitCode: number) => {
    if (stopping) {
      log.warn('second stop request, exiting at once', { reason });
      process.exit(exitCode || 1);
    }
    stopping = true;
    log.info('shutting down', { reason });
    try {
      await app.stop();
      log.info('stopped');
    } catch (err) {
      log.error('shutdown failed', { err });
      exitCode = exitCode || 1;
    }
    process.exit(exitCode);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM', 0));
  process.on('SIGINT', () => void shutdown('SIGINT', 0));
  void app.fatal.then((err) => {
    log.error('cannot continue', { err });
    void shutdown('fatal error', 1);
  });
}

void main();
