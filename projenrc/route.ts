import type { EnvVar } from './env';

/**
 * A way in from the internet: requests for `host` (whose name a variable holds, so each
 * deployment sets its own) and `path` reach the service's port. The edge renders it (the
 * Kubernetes Ingress, the compose proxy), so a public service is declared once, on the
 * service, whatever runs in front of it.
 */
export interface PublicRouteProps {
  /** The variable holding the host name, e.g. `DASHBOARD_HOST`. */
  readonly host: EnvVar;
  /** The path the route answers. @default '/' (everything on the host) */
  readonly path?: string;
  /** `prefix`: the path and everything below it; `exact`: that path only (a webhook). @default 'prefix' */
  readonly match?: 'prefix' | 'exact';
}

/** A route with its defaults applied. */
export interface PublicRoute {
  readonly host: EnvVar;
  readonly path: string;
  readonly match: 'prefix' | 'exact';
}

export function resolveRoute(props: PublicRouteProps): PublicRoute {
  return { host: props.host, path: props.path ?? '/', match: props.match ?? 'prefix' };
}

/** What is wrong with a route, if anything. */
export function routeProblems(route: PublicRoute): string[] {
  const out: string[] = [];
  if (!route.path.startsWith('/')) out.push(`route on ${route.host.name} has path '${route.path}'; it must start with /`);
  if (route.host.secret) out.push(`route host variable ${route.host.name} is secret; a host name is public`);
  return out;
}

/** A DNS name as Kubernetes and ACME accept it: lower-case labels of letters, digits and hyphens. */
export function isDnsName(value: string): boolean {
  return value.length <= 253
    && value.split('.').length >= 2
    && value.split('.').every((label) => /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/.test(label));
}
