import { Logger } from '@dialogstack/runtime';
import type { IncomingMessage, ServerResponse } from 'node:http';

const MAX_URL_CHARS = 200;

/** One JSON line per request: method, path with query, status, duration. Never headers. */
export function accessLog(logger: Logger) {
  const log = logger.child({ context: 'Http' });
  return (req: IncomingMessage, res: ServerResponse, next: () => void): void => {
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const url = req.url ?? '';
      log.info('request', {
        method: req.method,
        url: url.length > MAX_URL_CHARS ? `${url.slice(0, MAX_URL_CHARS)}…` : url,
        status: res.statusCode,
        durationMs: Number(process.hrtime.bigint() - started) / 1e6,
      });
    });
    next();
  };
}
