/** One JSON line per event on stdout, like the services. */
export function log(service: string, msg: string, fields: Record<string, unknown> = {}): void {
  process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), level: 'info', service, msg, ...fields })}\n`);
}
