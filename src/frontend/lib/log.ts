type Level = 'info' | 'warn' | 'error';

/** One JSON object per line on stdout, like the other services. Callers never pass secrets. */
export function log(level: Level, msg: string, fields: Record<string, unknown> = {}): void {
  process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), level, service: 'frontend', msg, ...fields })}\n`);
}
