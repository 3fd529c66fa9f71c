import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { HttpError, readJson, sendJson } from '../http';
import { LlmStub, LlmStubBehaviour } from './stub';

/** Completion requests being answered right now (a fault drill kills the bot while there is one). */
let inFlight = 0;

/**
 * HTTP face of the LLM stub:
 *   POST <any prefix>/chat/completions   OpenAI-compatible (base URL e.g. http://host:8082/v1)
 *   GET  /control/requests               requests received, oldest first
 *   POST /control/behaviour              change {delayMs, replyChars, failStatus, failTimes, outageUntil, outage}
 *   POST /control/outage                 an outage from now {mode: 'error' | 'hang', seconds, status?}
 *   POST /control/reset                  forget requests, restore the start-up behaviour
 *   GET  /health
 */
export function createLlmStubServer(stub: LlmStub): Server {
  return createServer((req, res) => {
    route(stub, req, res).catch((err: unknown) => {
      const status = err instanceof HttpError ? err.status : 500;
      if (!res.headersSent) sendJson(res, status, { error: { message: (err as Error).message, type: 'invalid_request_error' } });
      else res.destroy();
    });
  });
}

async function route(stub: LlmStub, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const path = new URL(req.url ?? '/', 'http://stub').pathname;
  if (req.method === 'POST' && path.endsWith('/chat/completions')) {
    const answer = stub.answer(await readJson(req), req.headers.authorization);
    inFlight += 1;
    try {
      if (answer.delayMs > 0) await delayUnlessGone(answer.delayMs, res);
    } finally {
      inFlight -= 1;
    }
    if (!res.destroyed) sendJson(res, answer.status, answer.body);
    return;
  }
  switch (`${req.method} ${path}`) {
    case 'GET /health':
      sendJson(res, 200, { status: 'ok', service: 'llm-stub', requests: stub.requests.length, answering: inFlight });
      return;
    case 'GET /control/requests':
      sendJson(res, 200, { requests: stub.requests });
      return;
    case 'POST /control/behaviour':
      sendJson(res, 200, stub.configure(await readJson(req) as Partial<LlmStubBehaviour>));
      return;
    case 'POST /control/outage': {
      const { mode, seconds, status } = await readJson(req);
      if ((mode !== 'error' && mode !== 'hang') || typeof seconds !== 'number') throw new HttpError(400, "mode ('error' or 'hang') and seconds (number) are required");
      sendJson(res, 200, stub.configure({
        outage: mode, outageUntil: Date.now() + seconds * 1000, ...(typeof status === 'number' ? { failStatus: status } : {}),
      }));
      return;
    }
    case 'POST /control/reset':
      stub.reset();
      res.writeHead(204).end();
      return;
    default:
      sendJson(res, 404, { error: { message: `no route ${req.method} ${path}`, type: 'invalid_request_error' } });
  }
}

/** Waits, but stops early when the client hangs up (the bot's timeout fired); Infinity waits for that. */
function delayUnlessGone(ms: number, res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      res.off('close', done);
      resolve();
    };
    const timer = Number.isFinite(ms) ? setTimeout(done, ms) : undefined;
    res.on('close', done);
  });
}
