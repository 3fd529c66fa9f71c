import { ConfigError, createLogger } from '@dialogstack/runtime';
import { createApp } from './app';
import { loadConfig } from './config';
import { instrumentApi, readMetricsPort, serveMetrics } from './metrics';

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
  const metricsPort = readMetricsPort(process.env);
  const app = await createApp(config, logger);
  const metrics = instrumentApi(app);
  await app.listen(config.port);
  const address = app.getHttpServer().address();
  logger.info('listening', { port: typeof address === 'object' && address ? address.port : config.port });
  if (metricsPort !== undefined) {
    const served = await serveMetrics(metrics.registry, metricsPort);
    // Closed with the app: Nest's shutdown hook exits the process after its own cleanup.
    logger.info('metrics served', { port: served.port, path: '/metrics' });
  }
}

main().catch((err: Error) => {
  createLogger('api', { level: 'error' }).error('api failed to start', { err });
  process.exit(1);
});
