import { isTransientLlmError, LlmClient, LlmError, LlmTimeoutError } from '@dialogstack/bot';
import { close, listen } from '@dialogstack/devtools';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';

describe('LlmClient', () => {
  let server: Server;
  let handler: (req: IncomingMessage, res: ServerResponse, body: string) => void;
  let baseUrl: string;
  const client = (timeoutMs = 1000) => new LlmClient({ baseUrl, apiKey: 'sk-test', model: 'm', temperature: 0.2, maxTokens: 50, timeoutMs });
  const ask = (timeoutMs?: number) => client(timeoutMs).complete([{ role: 'user', content: 'hi' }]);

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => { body += c; });
      req.on('end', () => handler(req, res, body));
    });
    baseUrl = `http://127.0.0.1:${await listen(server, 0, '127.0.0.1')}/api/v1`;
  });
  afterAll(async () => { await close(server); });

  it('posts an OpenAI-style request and returns the trimmed reply', async () => {
    let seen: { url?: string; auth?: string; body?: unknown } = {};
    handler = (req, res, body) => {
      seen = { url: req.url, auth: req.headers.authorization, body: JSON.parse(body) };
      res.end(JSON.stringify({ choices: [{ message: { role: 'assistant', content: '  Hello!  ' } }] }));
    };
    expect(await ask()).toEqual({ text: 'Hello!', tokens: 3 }); // no usage given: (2 + 6 characters) / 4
    expect(seen).toEqual({
      url: '/api/v1/chat/completions',
      auth: 'Bearer sk-test',
      body: { model: 'm', messages: [{ role: 'user', content: 'hi' }], temperature: 0.2, max_tokens: 50 },
    });
  });

  it('reports the tokens the provider counted', async () => {
    handler = (_req, res) => { res.end(JSON.stringify({ choices: [{ message: { content: 'Hi' } }], usage: { total_tokens: 57 } })); };
    expect(await ask()).toEqual({ text: 'Hi', tokens: 57 });
  });

  it('tells transient failures (busy, down, unreachable) from refusals', async () => {
    expect([429, 500, 503, undefined].map((status) => isTransientLlmError(new LlmError('x', status)))).toEqual([true, true, true, true]);
    expect([400, 401, 404].map((status) => isTransientLlmError(new LlmError('x', status)))).toEqual([false, false, false]);
    expect(isTransientLlmError(new LlmTimeoutError(1))).toBe(false);
  });

  it('times out even when the answer has started but does not finish', async () => {
    handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"choices": [');
    };
    await expect(ask(200)).rejects.toBeInstanceOf(LlmTimeoutError);
  });

  it('reports HTTP errors, error bodies, non-JSON pages and empty replies as LlmError', async () => {
    handler = (_req, res) => { res.writeHead(429).end(JSON.stringify({ error: { message: 'Rate limit exceeded' } })); };
    await expect(ask()).rejects.toThrow(new LlmError('LLM answered HTTP 429: Rate limit exceeded'));
    handler = (_req, res) => { res.writeHead(502).end('<html>Bad gateway</html>'); };
    await expect(ask()).rejects.toThrow('LLM answered HTTP 502');
    handler = (_req, res) => { res.end(JSON.stringify({ error: { message: 'No endpoints found' } })); };
    await expect(ask()).rejects.toThrow('LLM answered HTTP 200: No endpoints found');
    handler = (_req, res) => { res.end(JSON.stringify({ choices: [{ message: { content: ' ' } }] })); };
    await expect(ask()).rejects.toThrow('LLM answered without any text');
  });

  it('reports an unreachable provider as LlmError', async () => {
    const unreachable = new LlmClient({ baseUrl: 'http://127.0.0.1:1/v1', apiKey: 'k', model: 'm', temperature: 0, maxTokens: 1, timeoutMs: 1000 });
    await expect(unreachable.complete([{ role: 'user', content: 'hi' }])).rejects.toThrow(/LLM request failed: connect ECONNREFUSED/);
  });
});
