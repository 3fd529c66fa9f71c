/**
 * Runs once when the server starts: report configuration problems right away in the log, and
 * start timing requests for the metrics endpoint, and start telling each request's client address
 * (lib/client-address.ts).
 * The server keeps running (the health check must answer); pages explain the problem too.
 */
export async function register() {
  if (process.env.NEXT_RUNTIME !== 'nodejs') return;
  const { readConfig } = await import('./lib/config');
  const { log } = await import('./lib/log');
  const { trackClientAddresses } = await import('./lib/client-address');
  const { TrustedProxies } = await import('@dialogstack/runtime');
  const result = readConfig();
  if (result.ok) log.info('configuration ok', { apiUrl: result.config.apiUrl, trustedProxies: result.config.trustedProxies });
  else log.error(result.message, { problems: result.problems });
  // Rate limits and logs need the client's address; without a valid list, no proxy is trusted.
  trackClientAddresses(new TrustedProxies(result.ok ? result.config.trustedProxies : []));
  const { startMetrics } = await import('./lib/metrics');
  await startMetrics().then(
    (metrics) => { if (metrics.port !== undefined) log.info('metrics served', { port: metrics.port, path: '/metrics' }); },
    // Like a configuration problem: logged, and the dashboard keeps serving.
    (err: Error) => log.error(`metrics not served: ${err.message}`),
  );
}
