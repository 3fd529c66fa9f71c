/**
 * Runs once when the server starts: report configuration problems right away in the log, and
 * start timing requests for the metrics endpoint.
 * The server keeps running (the health check must answer); pages explain the problem too.
 */
export async function register() {
  if (process.env.NEXT_RUNTIME !== 'nodejs') return;
  const { readConfig } = await import('./lib/config');
  const { log } = await import('./lib/log');
  const result = readConfig();
  if (result.ok) log.info('configuration ok', { apiUrl: result.config.apiUrl });
  else log.error(result.message, { problems: result.problems });
  const { startMetrics } = await import('./lib/metrics');
  await startMetrics().then(
    (metrics) => { if (metrics.port !== undefined) log.info('metrics served', { port: metrics.port, path: '/metrics' }); },
    // Like a configuration problem: logged, and the dashboard keeps serving.
    (err: Error) => log.error(`metrics not served: ${err.message}`),
  );
}
