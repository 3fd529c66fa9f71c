import type { EnvVar } from './env';

/**
 * Where the edge serves a service to the internet: requests for `host` (a variable, so each
 * deployment sets its own), under `pathPrefix` when given, reach the service's port. Every
 * edge renders it — the Kubernetes Ingress here, the compose proxy — so a public service is
 * declared once, on the service. The shape matches the compose edge's declaration (branch
 * `edge`: it adds `devHost`, the dev rendering's host name), so both read the same one.
 */
export interface PublicRoute {
  /** The variable holding the host name, e.g. `DASHBOARD_HOST`. */
  readonly host: EnvVar;
  /** Only requests under this path go to the service, e.g. `/telegram/`. @default every path the host has left */
  readonly pathPrefix?: string;
  /** A variable the process reads that holds its public URL under this route (e.g. TELEGRAM_WEBHOOK_URL). @default none */
  readonly urlVariable?: EnvVar;
}

/** What is wrong with a route on its own, if anything. */
export function routeProblems(route: PublicRoute): string[] {
  const out: string[] = [];
  if (route.pathPrefix !== undefined && !/^\/([A-Za-z0-9._~-]+\/)+$/.test(route.pathPrefix)) {
    out.push(`public path prefix '${route.pathPrefix}' must start and end with / (e.g. /telegram/)`);
  }
  if (route.host.secret) out.push(`public host variable ${route.host.name} must not be secret`);
  for (const [what, value] of [['default', route.host.default], ['example', route.host.example]] as const) {
    if (value !== undefined && !isDnsName(value)) out.push(`public host variable ${route.host.name} has ${what} '${value}', which is not a valid DNS name`);
  }
  return out;
}

/** A DNS name as Kubernetes and ACME accept it: two or more lower-case labels of letters, digits and hyphens. */
export function isDnsName(value: string): boolean {
  return value.length <= 253
    && value.split('.').length >= 2
    && value.split('.').every((label) => /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/.test(label));
}
