import { spawn } from 'node:child_process';
import { createServer, Server } from 'node:http';
import { AddressInfo, createServer as createTcpServer, Socket } from 'node:net';
import { healthCheckProblems, httpCheckTarget, httpHealthCheck, resolveHealthCheck } from '../../projenrc/health-check';

/** Runs the rendered check the way Docker's exec form does (asynchronously: the servers live in this process). */
function runCheck(port: number, path: string, timeoutSeconds = 2): Promise<{ code: number | null; ms: number }> {
  const check = resolveHealthCheck(httpHealthCheck(path, { timeoutSeconds }), port)!;
  const started = Date.now();
  const child = spawn(check.command[0], check.command.slice(1), { stdio: 'ignore', timeout: 10_000 });
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, ms: Date.now() - started })));
}

function listen(server: Server | ReturnType<typeof createTcpServer>): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
}

describe('the HTTP health check (bash /dev/tcp, no Node process)', () => {
  const requests: { path?: string; host?: string }[] = [];
  const server = createServer((req, res) => {
    requests.push({ path: req.url, host: req.headers.host });
    const status = Number(req.url?.split('/')[1]);
    res.writeHead(status, status === 302 ? { location: '/200' } : {}).end('body');
  });
  let port: number;
  beforeAll(async () => { port = await listen(server); });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it.each([[200, 0], [204, 0], [302, 1], [404, 1], [500, 1], [503, 1]])('answer %i: exit %i', async (status, healthy) => {
    const { code } = await runCheck(port, `/${status}`);
    expect(code === 0 ? 0 : 1).toBe(healthy);
    expect(requests.at(-1)).toEqual({ path: `/${status}`, host: '127.0.0.1' });
  });

  it('fails at once when nothing listens', async () => {
    const closed = createServer();
    const freePort = await listen(closed);
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const { code, ms } = await runCheck(freePort, '/200');
    expect(code).not.toBe(0);
    expect(ms).toBeLessThan(1000);
  });

  it('fails within its timeout when the server accepts and never answers', async () => {
    const sockets: Socket[] = [];
    const silent = createTcpServer((socket) => { sockets.push(socket); });
    const silentPort = await listen(silent);
    try {
      const { code, ms } = await runCheck(silentPort, '/200', 3);
      expect(code).not.toBe(0);
      expect(ms).toBeGreaterThanOrEqual(1900);
      expect(ms).toBeLessThan(3000);
    } finally {
      sockets.forEach((s) => s.destroy());
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });

  it('is read back as port and path by the pipeline review', () => {
    expect(httpCheckTarget(resolveHealthCheck(httpHealthCheck('/api/v1/health'), 4000)!.command)).toEqual({ port: 4000, path: '/api/v1/health' });
  });

  it.each(['/a b', "/a'b", '/%41', '/a\\b', 'health', '/a?b=1'])('refuses the path %j at synth', (path) => {
    expect(healthCheckProblems(httpHealthCheck(path))).toHaveLength(1);
  });
});
