import type { EnvVar } from '../env';
import type { Service } from '../service';

/**
 * How work reaches a service, which decides how many copies may run at once:
 * - `requests`: HTTP requests through a Service; any number of copies, rolled one by one.
 * - `polling`: the service pulls its work from a source that allows one consumer (Telegram
 *   answers a second getUpdates with 409), so exactly one copy runs and the old one stops
 *   before the new one starts (Recreate).
 * - `webhook`: the source pushes the work to `path` under the service's public route; the
 *   route's `urlVariable` tells the process that URL (derived per environment from the
 *   route's host), `secretVariable` (required then) the token the source sends back. Any
 *   number of copies.
 */
export type Intake =
  | { readonly kind: 'requests' }
  | { readonly kind: 'polling' }
  | { readonly kind: 'webhook'; readonly path: string; readonly secretVariable?: EnvVar };

export interface WorkloadProps {
  readonly service: Service;
  /** Copies in every environment (environments may override). @default 2, or 1 for `polling` */
  readonly replicas?: number;
  /** Scale out on CPU up to this many copies (a HorizontalPodAutoscaler). @default no autoscaler */
  readonly maxReplicas?: number;
  /** Average CPU use, in percent of the request, the autoscaler aims for. @default 70 */
  readonly targetCpuPercent?: number;
  /** @default { kind: 'requests' } */
  readonly intake?: Intake;
}

/** A workload with its defaults applied. */
export interface Workload {
  readonly service: Service;
  readonly replicas: number;
  readonly maxReplicas?: number;
  readonly targetCpuPercent: number;
  readonly intake: Intake;
}

export function resolveWorkload(props: WorkloadProps): Workload {
  const intake = props.intake ?? { kind: 'requests' };
  return {
    service: props.service,
    replicas: props.replicas ?? (intake.kind === 'polling' ? 1 : 2),
    maxReplicas: props.maxReplicas,
    targetCpuPercent: props.targetCpuPercent ?? 70,
    intake,
  };
}

/** One copy at a time: stop the old copy before the new one starts. */
export function isExclusive(w: Workload): boolean {
  return w.intake.kind === 'polling';
}

/** What is wrong with a workload on its own (replicas per environment are checked by the stack). */
export function workloadProblems(w: Workload): string[] {
  const s = w.service;
  const out: string[] = [];
  const name = `workload '${s.name}'`;
  if (s.oneShot) out.push(`${name} is a one-shot service; it runs as a Job, not a workload`);
  if (!Number.isInteger(w.replicas) || w.replicas < 1) out.push(`${name} has ${w.replicas} replicas; use 1 or more`);
  if (w.maxReplicas !== undefined && w.maxReplicas < w.replicas) out.push(`${name} scales to at most ${w.maxReplicas}, fewer than its ${w.replicas} replicas`);
  if (w.maxReplicas !== undefined && !s.resources) out.push(`${name} autoscales on CPU but declares no resources (the autoscaler measures use against the request)`);
  if (w.intake.kind === 'polling') {
    if (w.replicas !== 1) out.push(`${name} takes its work by long polling, which allows one consumer; it has ${w.replicas} replicas (use 1, or switch to a webhook)`);
    if (w.maxReplicas !== undefined) out.push(`${name} takes its work by long polling and cannot autoscale`);
  }
  if (w.intake.kind === 'webhook') {
    const route = s.publicRoute;
    if (!route) out.push(`${name} takes its work by webhook but declares no public route for it`);
    else if (!route.urlVariable) out.push(`${name} takes its work by webhook but its public route names no URL variable to tell the process its URL`);
    if (route && !w.intake.path.startsWith(route.pathPrefix ?? '/')) out.push(`${name}: webhook path '${w.intake.path}' is outside its public path prefix ${route.pathPrefix}`);
    if (w.intake.secretVariable && !s.reads.includes(w.intake.secretVariable.name)) out.push(`${name} takes its work by webhook but does not read ${w.intake.secretVariable.name}`);
    if (w.intake.secretVariable && !w.intake.secretVariable.secret) out.push(`${name}: webhook secret ${w.intake.secretVariable.name} is not declared secret`);
  }
  if (s.port === undefined && w.intake.kind !== 'polling') out.push(`${name} takes requests but has no port`);
  if (!s.healthCheck) out.push(`${name} has no health check: Kubernetes could not tell when it is ready or stuck`);
  return out;
}
