import { ConfigError, createLogger } from '@dialogstack/runtime';
import { createApp } from './app';
import { loadConfig } from './config';

/**
 * `node dist/main.js`: validates the environment, serves on PORT, stops on SIGTERM.
 * Exit code 1 on invalid configuration or a failed start.
 */
async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig(process.env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    createLogger('api', { level: 'error' }).error(err.message, { problems: err.problems });
    process.exitCode = 1;
    return;
  }
  const logger = createLogger('api', { level: config.logLevel });
  const app = await createApp(config, logger);
  await app.listen(config.port);
  const address = app.getHttpServer().address();
  logger.info('listening', { port: typeof address === 'object' && address ? address.port : config.port });
}

main().catch((err: Error) => {
  createLogger('api', { level: 'error' }).error('api failed to start', { err });
  process.exit(1);
});
