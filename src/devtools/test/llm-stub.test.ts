import { close, composeReply, createLlmStubServer, listen, LlmStub } from '@dialogstack/devtools';
import { Server } from 'node:http';

describe('LLM stub over HTTP', () => {
  let stub: LlmStub;
  let server: Server;
  let base: string;
  const complete = async (body: unknown, key = 'key') => {
    const res = await fetch(`${base}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify(body),
    });
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    return { status: res.status, body: await res.json() as any };
  };
  const request = { model: 'm', messages: [{ role: 'system', content: 's' }, { role: 'user', content: 'a' }, { role: 'assistant', content: 'x' }, { role: 'user', content: 'b' }] };

  beforeEach(async () => {
    stub = new LlmStub({}, 'key');
    server = createLlmStubServer(stub);
    base = `http://127.0.0.1:${await listen(server, 0, '127.0.0.1')}`;
  });
  afterEach(async () => { await close(server); });

  it('answers in the OpenAI format, quoting what the user said', async () => {
    const { status, body } = await complete(request);
    expect(status).toBe(200);
    expect(body).toMatchObject({ object: 'chat.completion', model: 'm', choices: [{ index: 0, message: { role: 'assistant', content: 'You said: "b". Earlier you said: "a".' }, finish_reason: 'stop' }] });
    expect(composeReply([{ role: 'user', content: 'hi' }])).toBe('You said: "hi". This is the start of our conversation.');
    expect(stub.requests).toEqual([request]);
  });

  it('checks the key and the request shape', async () => {
    expect((await complete(request, 'wrong')).status).toBe(401);
    expect((await complete({ model: 'm', messages: [] })).status).toBe(400);
    expect((await complete({ model: 'm', messages: [{ role: 'wizard', content: 'x' }] })).status).toBe(400);
  });

  it('can be slow, long or failing', async () => {
    stub.configure({ delayMs: 300 });
    const started = Date.now();
    await complete(request);
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);

    stub.configure({ delayMs: 0, replyChars: 5000 });
    const long = (await complete(request)).body.choices[0].message.content as string;
    expect(long).toHaveLength(5000);
    expect(long.startsWith('You said: "b".')).toBe(true);

    await fetch(`${base}/control/behaviour`, { method: 'POST', body: JSON.stringify({ failStatus: 503, failTimes: 1 }) });
    expect((await complete(request)).status).toBe(503);
    expect((await complete(request)).status).toBe(200);

    await fetch(`${base}/control/reset`, { method: 'POST' });
    expect(stub.requests).toEqual([]);
    expect((await complete(request)).body.choices[0].message.content).toBe('You said: "b". Earlier you said: "a".');
  });
});
