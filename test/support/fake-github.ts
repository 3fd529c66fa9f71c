import { IncomingMessage, Server, ServerResponse, createServer } from 'node:http';
import { AddressInfo } from 'node:net';

export interface Comment { id: number; body: string; user: { login: string }; html_url: string }

/**
 * A local stand-in for the part of the GitHub REST API the comment step uses: list an
 * issue's comments (paginated), create one, edit one. It checks the token and records
 * every request.
 */
export class FakeGitHub {
  public readonly comments: Comment[] = [];
  public readonly requests: string[] = [];
  public refuse = 0;
  private nextId = 1000;
  private server?: Server;

  /** Listens on a free loopback port; returns the API's base URL. */
  public async start(): Promise<string> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  public async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }

  public add(body: string, login: string): Comment {
    const c = { id: this.nextId++, body, user: { login }, html_url: `https://github.example/acme/shop/pull/7#issuecomment-${this.nextId}` };
    this.comments.push(c);
    return c;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const url = new URL(req.url ?? '/', 'http://x');
    this.requests.push(`${req.method} ${url.pathname}${url.search}`);
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (req.headers.authorization !== 'Bearer test-token') return send(401, { message: 'Bad credentials' });
    if (this.refuse) return send(this.refuse, { message: 'Resource not accessible by integration' });
    const list = url.pathname.match(/^\/repos\/acme\/shop\/issues\/7\/comments$/);
    const one = url.pathname.match(/^\/repos\/acme\/shop\/issues\/comments\/(\d+)$/);
    if (list && req.method === 'GET') {
      const perPage = Number(url.searchParams.get('per_page') ?? 30);
      const page = Number(url.searchParams.get('page') ?? 1);
      return send(200, this.comments.slice((page - 1) * perPage, page * perPage));
    }
    if (list && req.method === 'POST') {
      return send(201, this.add(JSON.parse(Buffer.concat(chunks).toString()).body, 'github-actions[bot]'));
    }
    if (one && req.method === 'PATCH') {
      const c = this.comments.find((x) => x.id === Number(one[1]));
      if (!c) return send(404, { message: 'Not Found' });
      c.body = JSON.parse(Buffer.concat(chunks).toString()).body;
      return send(200, c);
    }
    return send(404, { message: 'Not Found' });
  }
}
