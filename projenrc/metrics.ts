/**
 * Where a process serves Prometheus metrics. Always a port of its own, beside the service
 * port: only the service port is ever published or routed by the edge, so metrics stay on
 * the stack's network, where the monitoring profile scrapes them.
 */
export interface MetricsEndpointProps {
  readonly port: number;
  /** @default '/metrics' */
  readonly path?: string;
}

export interface MetricsEndpoint {
  readonly port: number;
  readonly path: string;
}

export function resolveMetricsEndpoint(props: MetricsEndpointProps): MetricsEndpoint {
  return { port: props.port, path: props.path ?? '/metrics' };
}

/** What is wrong with a metrics endpoint beside a service port, if anything. */
export function metricsEndpointProblems(metrics: MetricsEndpoint, servicePort: number | undefined): string[] {
  const out: string[] = [];
  if (!Number.isInteger(metrics.port) || metrics.port < 1 || metrics.port > 65535) out.push(`metrics port ${metrics.port} is not a TCP port`);
  if (metrics.port === servicePort) {
    out.push(`serves metrics on its service port ${servicePort}; give metrics a port of their own (the service port is published and proxied, metrics must not be)`);
  }
  if (!metrics.path.startsWith('/')) out.push(`metrics path '${metrics.path}' must start with /`);
  return out;
}
