import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeApi {
  readonly url: string;
  /** Requests received, newest last. */
  readonly requests: IncomingMessage[];
  /** What the next requests get: a status and a JSON body, or a delay before answering. */
  respond(status: number, body: unknown, delayMs?: number): void;
  close(): Promise<void>;
}

/** A local HTTP server standing in for the api: real sockets, canned JSON. */
export async function startFakeApi(): Promise<FakeApi> {
  let reply = { status: 200, body: {} as unknown, delayMs: 0 };
  const requests: IncomingMessage[] = [];
  const server: Server = createServer((req, res) => {
    requests.push(req);
    setTimeout(() => {
      res.writeHead(reply.status, { 'content-type': 'application/json' });
      res.end(typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body));
    }, reply.delayMs);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    respond: (status, body, delayMs = 0) => { reply = { status, body, delayMs }; },
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
