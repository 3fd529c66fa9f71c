import type { EnvVar } from '../env';
import type { Service } from '../service';

/** A value of a non-secret variable in one environment: `[dashboardHost, 'dashboard.example.com']`. */
export type Setting = readonly [EnvVar, string];

/**
 * One place the stack runs on Kubernetes (a cluster namespace). Its manifests are rendered
 * into their own directory, so a reviewer reads exactly what each environment gets.
 */
export interface KubernetesEnvironmentProps {
  /** `staging`, `production`: the directory and the GitHub environment of the deploy workflow. */
  readonly name: string;
  /** @default `<stack name>-<environment name>` */
  readonly namespace?: string;
  /** Values of non-secret variables here (route hosts must have one). Others keep their defaults. @default none */
  readonly values?: readonly Setting[];
  /** Copies per service, overriding the workload's. @default the workload's */
  readonly replicas?: readonly (readonly [Service, number])[];
  /** The cert-manager ClusterIssuer that signs this environment's certificates. @default the stack's */
  readonly clusterIssuer?: string;
}

export interface KubernetesEnvironment {
  readonly name: string;
  readonly namespace: string;
  readonly values: ReadonlyMap<string, string>;
  readonly replicas: ReadonlyMap<Service, number>;
  readonly clusterIssuer: string;
}

export function resolveEnvironment(props: KubernetesEnvironmentProps, stackName: string, defaultIssuer: string): KubernetesEnvironment {
  return {
    name: props.name,
    namespace: props.namespace ?? `${stackName}-${props.name}`,
    values: new Map((props.values ?? []).map(([v, value]) => [v.name, value])),
    replicas: new Map(props.replicas ?? []),
    clusterIssuer: props.clusterIssuer ?? defaultIssuer,
  };
}

/** A Kubernetes name: a DNS label (lower case, digits, hyphens; at most 63). */
export function isDnsLabel(value: string): boolean {
  return /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/.test(value);
}
