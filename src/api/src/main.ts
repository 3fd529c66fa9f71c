import { createApp } from './app';
import { ConfigError, loadConfig } from './config';
import { JsonLogger } from './logging/json-logger';
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
    new JsonLogger('error').error({ msg: err.message, problems: err.problems }, 'Config');
    process.exitCode = 1;
    return;
  }
  const logger = new JsonLogger(config.logLevel);
  const metricsPort = readMetricsPort(process.env);
  const app = await createApp(config, logger);
  const metrics = instrumentApi(app);
  await app.listen(config.port);
  const address = app.getHttpServer().address();
  logger.log({ msg: 'listening', port: typeof address === 'object' && address ? address.port : config.port }, 'Main');
  if (metricsPort !== undefined) {
    const served = await serveMetrics(metrics.registry, metricsPort);
    // Closed with the app: Nest's shutdown hook exits the process after its own cleanup.
    logger.log({ msg: 'metrics served', port: served.port, path: '/metrics' }, 'Main');
  }
}

main().catch((err: Error) => {
  // The message only: a driver error's details may carry connection settings.
  new JsonLogger('error').error({ msg: `api failed to start: ${err.message}` }, 'Main');
  process.exit(1);
});
