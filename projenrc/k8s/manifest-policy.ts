import type { KubernetesObject } from './manifest-file';

/**
 * Policy rules over plain Kubernetes objects, the house rules a cluster admission policy
 * (Kyverno, Gatekeeper, Pod Security "restricted") would enforce, checked before anything
 * reaches a cluster. Each rule is a function of the objects; each problem names the object
 * (`Deployment/api: …`). Knows nothing of the stack model.
 */

export interface PolicyContext {
  /** The Secrets that exist (by name) and the keys each holds: what references may name. */
  readonly secretKeys: ReadonlyMap<string, ReadonlySet<string>>;
}

export type PolicyRule = (objects: readonly KubernetesObject[], context: PolicyContext) => string[];

type Json = Record<string, any>;

/** An image pinned by digest, or the placeholder of one that the deploy fills (`@${API_IMAGE_DIGEST}`). */
export const PINNED_MANIFEST_IMAGE = /^[a-z0-9][a-z0-9._\-/:]*@(sha256:[0-9a-f]{64}|\$\{[A-Z][A-Z0-9_]*_IMAGE_DIGEST\})$/;

const WORKLOADS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job', 'CronJob', 'Pod']);
/** Workloads that keep running: they need probes. Jobs run to completion. */
const LONG_RUNNING = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Pod']);

function id(o: KubernetesObject): string {
  return `${o.kind}/${o.metadata.name}`;
}

/** The pod spec of a workload, wherever its kind keeps it. */
export function podSpecOf(o: KubernetesObject): Json | undefined {
  const spec = (o as Json).spec as Json | undefined;
  if (!WORKLOADS.has(o.kind) || !spec) return undefined;
  if (o.kind === 'Pod') return spec;
  if (o.kind === 'CronJob') return spec.jobTemplate?.spec?.template?.spec;
  return spec.template?.spec;
}

interface ContainerRef {
  readonly owner: KubernetesObject;
  readonly pod: Json;
  readonly container: Json;
  readonly init: boolean;
}

function containers(objects: readonly KubernetesObject[]): ContainerRef[] {
  return objects.flatMap((owner) => {
    const pod = podSpecOf(owner);
    if (!pod) return [];
    return [
      ...((pod.initContainers ?? []) as Json[]).map((container) => ({ owner, pod, container, init: true })),
      ...((pod.containers ?? []) as Json[]).map((container) => ({ owner, pod, container, init: false })),
    ];
  });
}

const where = (c: ContainerRef) => `${id(c.owner)}: ${c.init ? 'init container' : 'container'} '${c.container.name}'`;

export const probesPresent: PolicyRule = (objects) => containers(objects)
  .filter((c) => !c.init && LONG_RUNNING.has(c.owner.kind))
  .flatMap((c) => (['readinessProbe', 'livenessProbe'] as const)
    .filter((p) => !c.container[p])
    .map((p) => `${where(c)} has no ${p} (a long-running container must say when it is ready and when it is stuck)`));

export const resourcesSet: PolicyRule = (objects) => containers(objects).flatMap((c) => {
  const r = (c.container.resources ?? {}) as Json;
  const missing = [
    ['requests', 'cpu'], ['requests', 'memory'], ['limits', 'memory'],
  ].filter(([kind, what]) => r[kind]?.[what] === undefined).map(([kind, what]) => `${kind}.${what}`);
  return missing.length ? [`${where(c)} has no resources ${missing.join(', ')} (the scheduler and the OOM killer need them)`] : [];
});

export const nonRoot: PolicyRule = (objects) => containers(objects).flatMap((c) => {
  const pod = (c.pod.securityContext ?? {}) as Json;
  const ctr = (c.container.securityContext ?? {}) as Json;
  const out: string[] = [];
  const runAsNonRoot = ctr.runAsNonRoot ?? pod.runAsNonRoot;
  const runAsUser = ctr.runAsUser ?? pod.runAsUser;
  if (runAsNonRoot !== true) out.push(`${where(c)} does not set runAsNonRoot: true`);
  if (typeof runAsUser !== 'number' || runAsUser === 0) out.push(`${where(c)} does not run as a numeric non-root runAsUser`);
  if (ctr.privileged === true) out.push(`${where(c)} is privileged`);
  if (ctr.allowPrivilegeEscalation !== false) out.push(`${where(c)} does not set allowPrivilegeEscalation: false`);
  if (!((ctr.capabilities?.drop ?? []) as string[]).includes('ALL')) out.push(`${where(c)} does not drop ALL capabilities`);
  if (ctr.readOnlyRootFilesystem !== true) out.push(`${where(c)} has a writable root filesystem (mount an emptyDir where it writes)`);
  const seccomp = ctr.seccompProfile?.type ?? pod.seccompProfile?.type;
  if (seccomp !== 'RuntimeDefault' && seccomp !== 'Localhost') out.push(`${where(c)} has no seccomp profile (RuntimeDefault)`);
  return out;
});

export const pinnedImages: PolicyRule = (objects) => containers(objects).flatMap((c) => {
  const image = String(c.container.image ?? '');
  if (PINNED_MANIFEST_IMAGE.test(image)) return [];
  const why = /:latest$/.test(image) || !/[:@]/.test(image.split('/').pop() ?? '') ? 'the floating tag latest' : 'a tag, which can move';
  return [`${where(c)} runs '${image}' by ${why}; pin it by digest (@sha256:…)`];
});

export const noHostAccess: PolicyRule = (objects) => objects.flatMap((o) => {
  const pod = podSpecOf(o);
  if (!pod) return [];
  const out: string[] = [];
  for (const field of ['hostNetwork', 'hostPID', 'hostIPC'] as const) {
    if (pod[field] === true) out.push(`${id(o)} sets ${field}`);
  }
  for (const v of (pod.volumes ?? []) as Json[]) if (v.hostPath) out.push(`${id(o)} mounts hostPath volume '${v.name}'`);
  for (const c of [...(pod.initContainers ?? []), ...(pod.containers ?? [])] as Json[]) {
    for (const p of (c.ports ?? []) as Json[]) if (p.hostPort !== undefined) out.push(`${id(o)}: container '${c.name}' binds hostPort ${p.hostPort}`);
  }
  return out;
});

export const secretKeysExist: PolicyRule = (objects, context) => containers(objects).flatMap((c) => {
  const out: string[] = [];
  for (const e of (c.container.env ?? []) as Json[]) {
    const ref = e.valueFrom?.secretKeyRef as Json | undefined;
    if (!ref) continue;
    const keys = context.secretKeys.get(ref.name);
    if (!keys) out.push(`${where(c)} reads ${e.name} from Secret '${ref.name}', which the model does not declare`);
    else if (!keys.has(ref.key)) out.push(`${where(c)} reads ${e.name} from key '${ref.key}' of Secret '${ref.name}', which the model does not declare`);
  }
  for (const from of (c.container.envFrom ?? []) as Json[]) {
    const name = from.secretRef?.name as string | undefined;
    if (name && !context.secretKeys.has(name)) out.push(`${where(c)} loads Secret '${name}', which the model does not declare`);
  }
  return out;
});

export const stableApis: PolicyRule = (objects) => objects
  .filter((o) => /\/v\d+(alpha|beta)\d*$/.test(o.apiVersion))
  .map((o) => `${id(o)} uses ${o.apiVersion}, a pre-release API that may be removed; use a GA version`);

export const POLICY_RULES: Readonly<Record<string, PolicyRule>> = {
  probesPresent, resourcesSet, nonRoot, pinnedImages, noHostAccess, secretKeysExist, stableApis,
};

/** Every problem of every rule. */
export function policyProblems(objects: readonly KubernetesObject[], context: PolicyContext): string[] {
  return Object.values(POLICY_RULES).flatMap((rule) => rule(objects, context));
}
