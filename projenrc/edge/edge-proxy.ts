import { createHash } from 'node:crypto';
import { Component, TextFile } from 'projen';
import type { StackCompose } from '../compose/stack-compose';
import { EnvVar, interpolate, isDnsName } from '../env';
import { ResolvedHealthCheck, commandHealthCheck, resolveHealthCheck } from '../health-check';
import type { Service } from '../service';
import type { Stack } from '../stack';

export interface EdgeProxyProps {
  /** The production rendering: the only one with the proxy in front (dev keeps loopback ports). */
  readonly compose: StackCompose;
  /** @default 'proxy' */
  readonly serviceName?: string;
  /** The Caddy image (official). @default 'caddy:2' */
  readonly image?: string;
  /** The synthesized Caddyfile. @default 'devops/Caddyfile' */
  readonly caddyfilePath?: string;
  /** Upstream retries while a container is replaced: how long one request may wait for a live copy. @default 10 */
  readonly tryDurationSeconds?: number;
  /** HSTS max-age. @default one year */
  readonly hstsMaxAgeSeconds?: number;
}

/** One site of the proxy: a host variable and the services behind it (path-prefixed ones first). */
export interface EdgeSite {
  readonly host: EnvVar;
  readonly routes: readonly { readonly service: Service; readonly pathPrefix?: string }[];
}

/** The largest webhook post the proxy buffers (PublicRoute.webhook). */
const WEBHOOK_MAX_BODY = '1MB';

/** Certificates: Let's Encrypt (production) or Caddy's own CA (tests, a staging box without DNS). */
export const TLS_ISSUERS = ['acme', 'internal'] as const;

/**
 * The edge: Caddy in front of every public service (ServiceProps.public), the only container
 * of the production stack that publishes ports (80, 443, 443/udp). Its Caddyfile is
 * synthesized from the model (devops/Caddyfile, and the same text inline in the production
 * compose file, so a release's compose file carries its own routing): one site per public
 * host variable, HTTP→HTTPS redirects (Caddy's automatic HTTPS), HSTS, nosniff and
 * frame-ancestors headers, and upstreams found by Docker DNS on every request (`dynamic a`,
 * refreshed each second), retried while a container is replaced: a second copy of api or
 * frontend started next to the first takes traffic as soon as it accepts connections, and a
 * copy that stops (drains on SIGTERM, then refuses) is skipped. Certificates live in a named
 * volume that no deploy removes.
 */
export class EdgeProxy extends Component {
  public readonly serviceName: string;
  public readonly image: string;
  public readonly caddyfilePath: string;
  public readonly acmeEmail: EnvVar;
  public readonly tlsIssuer: EnvVar;
  public readonly httpPort: EnvVar;
  public readonly httpsPort: EnvVar;
  public readonly healthCheck: ResolvedHealthCheck;
  /** Named volumes: certificates and ACME account (/data), Caddy's autosave (/config). */
  public readonly volumes = { data: 'caddy-data', config: 'caddy-config' } as const;
  private readonly stack: Stack;
  private readonly compose: StackCompose;
  private readonly tryDurationSeconds: number;
  private readonly hstsMaxAgeSeconds: number;

  constructor(stack: Stack, id: string, props: EdgeProxyProps) {
    super(stack, id);
    this.stack = stack;
    this.compose = props.compose;
    this.serviceName = props.serviceName ?? 'proxy';
    this.image = props.image ?? 'caddy:2';
    this.caddyfilePath = props.caddyfilePath ?? 'devops/Caddyfile';
    this.tryDurationSeconds = props.tryDurationSeconds ?? 10;
    this.hstsMaxAgeSeconds = props.hstsMaxAgeSeconds ?? 31536000;
    const prod = { renderings: ['prod' as const] };
    this.acmeEmail = stack.addVariable('ACME_EMAIL', {
      description: 'Email for the Let\'s Encrypt account of the proxy (expiry notices); required in production',
      required: true,
      example: 'ops@example.com',
      ...prod,
    });
    this.tlsIssuer = stack.addVariable('TLS_ISSUER', {
      description: 'Certificates of the proxy: acme (Let\'s Encrypt, needs DNS and ports 80/443 from the internet) or internal (Caddy\'s own CA: tests, no DNS)',
      default: 'acme',
      ...prod,
    });
    this.httpPort = stack.addVariable('HTTP_PORT', { description: 'Host port of the proxy for HTTP (redirects to HTTPS; ACME challenges)', default: '80', ...prod });
    this.httpsPort = stack.addVariable('HTTPS_PORT', { description: 'Host port of the proxy for HTTPS (TCP, and UDP for HTTP/3)', default: '443', ...prod });
    // Caddy's admin endpoint answers once the configuration is loaded. The official image
    // (Alpine) has busybox wget; a Debian-based one has bash's /dev/tcp. No curl in either.
    this.healthCheck = resolveHealthCheck(commandHealthCheck(['sh', '-c',
      'wget -q -O /dev/null http://127.0.0.1:2019/config/ 2>/dev/null || bash -c \'exec 3<>/dev/tcp/127.0.0.1/2019\''],
    { intervalSeconds: 2, timeoutSeconds: 2, retries: 15, startPeriodSeconds: 30 }), undefined)!;
    // The operator sets each public host in .env.production (the services declared so far).
    for (const site of this.sites) stack.declare(site.host);
    this.node.addValidation({ validate: () => this.problems() });
  }

  /** Public services of the production rendering, grouped by host variable, in declaration order. */
  public get sites(): EdgeSite[] {
    const byHost = new Map<string, { host: EnvVar; routes: { service: Service; pathPrefix?: string }[] }>();
    for (const s of this.stack.services.filter((x) => x.isPublic && x.in('prod') && !x.profiles.length)) {
      const route = s.publicRoute!;
      const site = byHost.get(route.host.name) ?? { host: route.host, routes: [] };
      site.routes.push({ service: s, pathPrefix: route.pathPrefix });
      byHost.set(route.host.name, site);
    }
    // Longer prefixes first; the service without a prefix takes what is left.
    return [...byHost.values()].map((site) => ({
      ...site,
      routes: [...site.routes].sort((a, b) => (b.pathPrefix?.length ?? 0) - (a.pathPrefix?.length ?? 0)),
    }));
  }

  /** The host variable of a public service. */
  public hostOf(service: Service): EnvVar | undefined {
    return this.sites.find((site) => site.routes.some((r) => r.service === service))?.host;
  }

  /** The Caddyfile, as written to devops/Caddyfile and inlined in the production compose file. */
  public caddyfile(): string {
    const lines = [
      '# ~~ Generated by projen. To modify, edit .projenrc.ts and run "npx projen".',
      '# Synthesized from the stack model (projenrc/edge/edge-proxy.ts).',
      '# Read by the proxy service of docker-compose.prod.yml, which carries this text inline.',
      '# {$NAME} is a variable of the proxy container (from .env.production), read when Caddy starts.',
      '{',
      `\temail {$${this.acmeEmail.name}}`,
      '\t# Caddy\'s own CA (TLS_ISSUER=internal) is never installed into a trust store.',
      '\tskip_install_trust',
      '}',
      '',
      '(tls_acme) {',
      `\ttls {$${this.acmeEmail.name}}`,
      '}',
      '',
      '(tls_internal) {',
      '\ttls internal',
      '}',
      '',
      '(security_headers) {',
      '\theader {',
      `\t\tStrict-Transport-Security "max-age=${this.hstsMaxAgeSeconds}; includeSubDomains"`,
      '\t\tX-Content-Type-Options "nosniff"',
      '\t\t# Only where the service sets no policy of its own.',
      '\t\t?Content-Security-Policy "frame-ancestors \'none\'"',
      '\t\tReferrer-Policy "strict-origin-when-cross-origin"',
      '\t\t-Server',
      '\t}',
      '}',
    ];
    for (const site of this.sites) {
      lines.push('', `{$${site.host.name}} {`, `\timport tls_{$${this.tlsIssuer.name}:${this.tlsIssuer.default}}`, '\timport security_headers');
      for (const r of site.routes) {
        const proxy = this.reverseProxy(r.service);
        if (r.pathPrefix) lines.push(`\thandle ${r.pathPrefix}* {`, ...proxy.map((l) => `\t\t${l}`), '\t}');
        else if (site.routes.length > 1) lines.push('\thandle {', ...proxy.map((l) => `\t\t${l}`), '\t}');
        else lines.push(...proxy.map((l) => `\t${l}`));
      }
      lines.push('}');
    }
    return `${lines.join('\n')}\n`;
  }

  /**
   * Every copy of the service, found by Docker DNS each second. A request whose connection is
   * refused (a copy starting or stopping) is retried on another copy for up to
   * tryDurationSeconds; a copy that failed is left out for 2 s. Webhook posts are buffered and
   * each sent on a new connection, so that a copy starting or stopping can only refuse them.
   */
  private reverseProxy(s: Service): string[] {
    const webhook = s.publicRoute?.webhook === true;
    return [
      // Buffered below: a body that size at most (Telegram's updates are a few KB).
      ...(webhook ? ['request_body {', `\tmax_size ${WEBHOOK_MAX_BODY}`, '}'] : []),
      'reverse_proxy {',
      '\tdynamic a {',
      `\t\tname ${s.name}`,
      `\t\tport ${s.port}`,
      '\t\trefresh 1s',
      '\t}',
      '\tlb_policy round_robin',
      `\tlb_try_duration ${this.tryDurationSeconds}s`,
      '\tlb_try_interval 100ms',
      '\tfail_duration 2s',
      // Webhook posts: the body kept for a retry on another copy (see PublicRoute.webhook).
      ...(webhook ? ['\tbuffer_requests'] : []),
      '\ttransport http {',
      '\t\tdial_timeout 1s',
      // A new connection per post: a copy that starts or stops refuses it, and the proxy retries it elsewhere.
      ...(webhook ? ['\t\tkeepalive off'] : []),
      '\t}',
      '}',
    ];
  }

  public preSynthesize(): void {
    const caddyfile = this.caddyfile();
    new TextFile(this.project, this.caddyfilePath, { lines: caddyfile.replace(/\n$/, '').split('\n'), committed: true, readonly: true, marker: false });
    const file = this.compose.file;
    file.addConfig('caddyfile', caddyfile);
    const required = (v: EnvVar) => `\${${v.name}:?set ${v.name} in .env.production}`;
    const hc = this.healthCheck;
    file.addService(this.serviceName, {
      image: this.image,
      restart: 'unless-stopped',
      environment: {
        ...Object.fromEntries(this.sites.map((site) => [site.host.name, required(site.host)])),
        [this.acmeEmail.name]: required(this.acmeEmail),
        [this.tlsIssuer.name]: interpolate(this.tlsIssuer),
      },
      ports: [
        `${interpolate(this.httpPort)}:80`,
        `${interpolate(this.httpsPort)}:443`,
        `${interpolate(this.httpsPort)}:443/udp`,
      ],
      volumes: [`${this.volumes.data}:/data`, `${this.volumes.config}:/config`],
      configs: [{ source: 'caddyfile', target: '/etc/caddy/Caddyfile' }],
      // The inline Caddyfile is not part of compose's change detection; its digest is.
      labels: { 'org.dialogstack.caddyfile.sha256': createHash('sha256').update(caddyfile).digest('hex') },
      security_opt: ['no-new-privileges:true'],
      healthcheck: {
        test: ['CMD', ...hc.command.map((arg) => arg.replace(/\$/g, '$$$$'))],
        interval: `${hc.intervalSeconds}s`,
        timeout: `${hc.timeoutSeconds}s`,
        retries: hc.retries,
        start_period: `${hc.startPeriodSeconds}s`,
      },
      networks: [this.stack.name],
      logging: { driver: 'json-file', options: { 'max-size': '10m', 'max-file': '3' } },
      deploy: { resources: { limits: { cpus: '0.5', memory: '128M' } } },
    });
    file.addVolume(this.volumes.data);
    file.addVolume(this.volumes.config);
  }

  private problems(): string[] {
    const out: string[] = [];
    if (this.compose.rendering !== 'prod') out.push(`fronts the ${this.compose.rendering} rendering; the edge belongs to the prod one`);
    if (!this.sites.length) out.push('has no public service to serve (declare `public: { host }` on a service)');
    for (const site of this.sites) {
      const roots = site.routes.filter((r) => !r.pathPrefix);
      if (roots.length > 1) out.push(`host ${site.host.name} has ${roots.length} services without a path prefix (${roots.map((r) => r.service.name).join(', ')}); give all but one a pathPrefix`);
      const prefixes = site.routes.flatMap((r) => (r.pathPrefix ? [r.pathPrefix] : []));
      if (new Set(prefixes).size !== prefixes.length) out.push(`host ${site.host.name} routes one path prefix to two services`);
      if (site.host.default !== undefined && !isDnsName(site.host.default)) out.push(`host variable ${site.host.name} has default '${site.host.default}', which is not a valid DNS name`);
    }
    if (this.tlsIssuer.default === undefined || !(TLS_ISSUERS as readonly string[]).includes(this.tlsIssuer.default)) {
      out.push(`${this.tlsIssuer.name} must default to one of ${TLS_ISSUERS.join(', ')}`);
    }
    return out;
  }
}
