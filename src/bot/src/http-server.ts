import { readFileSync } from 'node:fs';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { UpdateSource } from './update-source';
import { WebhookReceiver } from './webhook-receiver';

export interface HealthReport {
  status: 'ok' | 'unavailable';
  service: 'bot';
  version: string;
  uptimeSeconds: number;
  mode: UpdateSource['mode'];
}

const VERSION = readVersion();
const STARTED_AT = Date.now();

/**
 * The bot's one HTTP server: `GET /health` (200 while the update loop is alive, 503
 * otherwise) and, in webhook mode, the webhook itself.
 */
export function createHttpServer(source: UpdateSource): Server {
  const webhook = source instanceof WebhookReceiver ? source : undefined;
  return createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/health') {
      const alive = source.isAlive(Date.now());
      const report: HealthReport = {
        status: alive ? 'ok' : 'unavailable',
        service: 'bot',
        version: VERSION,
        uptimeSeconds: Math.round((Date.now() - STARTED_AT) / 1000),
        mode: source.mode,
      };
      res.writeHead(alive ? 200 : 503, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      res.end(JSON.stringify(report));
      return;
    }
    if (webhook?.accepts(req)) {
      webhook.handle(req, res);
      return;
    }
    res.writeHead(404, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: 'not found' }));
  });
}

function readVersion(): string {
  try {
    return (JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

export function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections();
  });
}
