import { request } from 'node:https';

/** The public host names tests give the proxy (`tls internal`: any name gets a certificate). */
export const TEST_HOSTS = { DASHBOARD_HOST: 'dashboard.dialogstack.test', API_HOST: 'api.dialogstack.test' } as const;

/** What a production stack under test needs for its proxy: host names, Caddy's own CA, free host ports. */
export function edgeEnv(ports: { http: number; https: number }): Record<string, string> {
  return {
    ...TEST_HOSTS,
    ACME_EMAIL: 'ops@dialogstack.test',
    TLS_ISSUER: 'internal',
    HTTP_PORT: String(ports.http),
    HTTPS_PORT: String(ports.https),
  };
}

/** Where the proxy of a stack listens on this machine, and the host names it serves. */
export interface Edge {
  readonly httpsPort: number;
  readonly apiHost: string;
  readonly dashboardHost: string;
}

export function edgeOf(env: Record<string, string>): Edge {
  return { httpsPort: Number(env.HTTPS_PORT), apiHost: env.API_HOST, dashboardHost: env.DASHBOARD_HOST };
}

/**
 * `fetch` through the proxy: `https://<host>/<path>` sent to 127.0.0.1:<httpsPort> with the host
 * name as SNI and Host header (what DNS would do), accepting Caddy's internal CA. The answer is
 * a standard Response. A connection that fails rejects, like fetch.
 */
export interface ViaInit { readonly headers?: Record<string, string>; readonly method?: string; readonly body?: string; readonly timeoutMs?: number }

export function fetchVia(edge: Edge, host: string, path: string, init: ViaInit = {}): Promise<Response> {
  return new Promise((resolve, reject) => {
    const req = request({
      host: '127.0.0.1',
      port: edge.httpsPort,
      servername: host,
      path,
      method: init.method ?? 'GET',
      headers: { host, ...init.headers },
      rejectUnauthorized: false,
      agent: false,
      timeout: init.timeoutMs ?? 10_000,
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const headers = new Headers();
        for (const [k, v] of Object.entries(res.headers)) {
          if (v === undefined) continue;
          for (const value of Array.isArray(v) ? v : [v]) headers.append(k, value);
        }
        const status = res.statusCode ?? 0;
        const body = status === 204 || status === 304 ? null : Buffer.concat(chunks);
        resolve(new Response(body, { status, headers }));
      });
    });
    req.on('timeout', () => req.destroy(new Error(`timeout after ${init.timeoutMs ?? 10_000} ms: ${host}${path}`)));
    req.on('error', reject);
    req.end(init.body);
  });
}

/** The api through the proxy. */
export const apiVia = (edge: Edge, path: string, init?: ViaInit) => fetchVia(edge, edge.apiHost, path, init);
/** The dashboard through the proxy. */
export const dashboardVia = (edge: Edge, path: string, init?: ViaInit) => fetchVia(edge, edge.dashboardHost, path, init);
