import type { KubernetesObject } from './manifest-file';
import type { SnapshotObject, SnapshotRule, SnapshotValue } from '../review/snapshot';

/**
 * What a reviewer needs to know about one rendered Kubernetes object, in a few readable
 * facts (`GET :4000/health every 5s`, `1000:1000, non-root`, `frontend → :4000`) instead of
 * the whole YAML tree: the pipeline snapshot compares these, so `npx projen pipeline-diff`
 * says "api: readiness GET :4000/ready → GET :4100/ready" rather than forty changed leaves.
 * Kinds without their own summary keep their `spec` as it is.
 */
export function manifestFacts(o: KubernetesObject): SnapshotObject {
  const spec = (o.spec ?? {}) as Any;
  switch (o.kind) {
    case 'Namespace': {
      const enforced = o.metadata.labels?.['pod-security.kubernetes.io/enforce'];
      return clean({ podSecurity: enforced ?? 'not enforced', podSecurityBelowRestricted: enforced === 'restricted' ? undefined : true });
    }
    case 'ConfigMap':
      return clean({ data: (o as Any).data ?? {} });
    case 'Deployment':
      return clean({
        replicas: spec.replicas,
        strategy: spec.strategy?.type === 'RollingUpdate'
          ? `RollingUpdate (maxUnavailable ${spec.strategy.rollingUpdate?.maxUnavailable ?? 'default'}, maxSurge ${spec.strategy.rollingUpdate?.maxSurge ?? 'default'})`
          : spec.strategy?.type,
        ...podFacts(spec.template?.spec),
      });
    case 'StatefulSet':
      return clean({
        replicas: spec.replicas,
        storage: (spec.volumeClaimTemplates ?? []).map((c: Any) =>
          `${c.metadata?.name}: ${c.spec?.resources?.requests?.storage} ${(c.spec?.accessModes ?? []).join('/')}${c.spec?.storageClassName ? ` class ${c.spec.storageClassName}` : ''}`),
        ...podFacts(spec.template?.spec),
      });
    case 'Job':
      return clean({ backoffLimit: spec.backoffLimit, deadlineSeconds: spec.activeDeadlineSeconds, ...podFacts(spec.template?.spec) });
    case 'Service':
      return clean({ type: spec.type ?? 'ClusterIP', ports: (spec.ports ?? []).map((p: Any) => `${p.port} → ${p.targetPort ?? p.port}${p.nodePort ? ` (node ${p.nodePort})` : ''}`) });
    case 'Ingress':
      return clean({
        className: spec.ingressClassName,
        issuer: o.metadata.annotations?.['cert-manager.io/cluster-issuer'],
        routes: (spec.rules ?? []).flatMap((r: Any) => (r.http?.paths ?? []).map((p: Any) =>
          `${r.host ?? '*'}${p.path ?? '/'} → ${p.backend?.service?.name}`)),
        // Apart from the routes: a port that follows the service's is not a new way in.
        ports: [...new Set((spec.rules ?? []).flatMap((r: Any) => (r.http?.paths ?? []).map((p: Any) =>
          `${p.backend?.service?.name}:${p.backend?.service?.port?.number ?? p.backend?.service?.port?.name}`)))],
        tls: (spec.tls ?? []).flatMap((t: Any) => t.hosts ?? []),
      });
    case 'NetworkPolicy':
      return clean({
        appliesTo: selector(spec.podSelector) || 'every pod',
        allowedFrom: allowed(spec, 'Ingress', spec.ingress, (r) => r.from),
        allowedTo: allowed(spec, 'Egress', spec.egress, (r) => r.to),
        // Apart from the peers: a port that follows the service's lets no one new in.
        ports: [...new Set([...spec.ingress ?? [], ...spec.egress ?? []].flatMap((r: Any) => (r.ports ?? []).map((p: Any) => `${p.port}/${p.protocol ?? 'TCP'}`)))],
      });
    case 'HorizontalPodAutoscaler':
      return clean({
        replicas: `${spec.minReplicas ?? 1}–${spec.maxReplicas}`,
        targets: (spec.metrics ?? []).map((m: Any) => `${m.resource?.name} ${m.resource?.target?.averageUtilization}%`),
      });
    case 'PodDisruptionBudget':
      return clean({ minAvailable: spec.minAvailable, maxUnavailable: spec.maxUnavailable });
    default:
      return clean({ spec });
  }
}

/**
 * The fields whose changes need a security review or a person, for the given objects'
 * containers. A risky fact is present only when it holds (`runsAsRoot: true`), so a rule
 * fires when a risk appears, not for every new pod that is as safe as the others.
 */
export function manifestRules(objects: readonly SnapshotObject[]): SnapshotRule[] {
  const containers = [...new Set(objects.flatMap((o) => Object.keys((o.containers ?? {}) as SnapshotObject)))];
  return [
    { field: 'type', when: 'LoadBalancer', risk: 'security', reason: 'the Service becomes reachable from outside the cluster' },
    { field: 'type', when: 'NodePort', risk: 'security', reason: 'the Service opens a port on every node' },
    { field: 'routes', risk: 'security', reason: 'what the internet reaches through the ingress changes' },
    { field: 'allowedFrom', risk: 'security', reason: 'who may connect to these pods changes' },
    { field: 'allowedTo', risk: 'security', reason: 'where these pods may connect changes' },
    { field: 'hostAccess', risk: 'security', reason: 'the pod shares the node\'s network, processes or files' },
    { field: 'serviceAccountToken', risk: 'security', reason: 'the pod can talk to the Kubernetes API' },
    { field: 'podSecurityBelowRestricted', when: true, risk: 'security', reason: 'the namespace no longer enforces the restricted Pod Security level' },
    { field: 'storage', risk: 'attention', changesOnly: true, reason: 'a StatefulSet\'s volume claims cannot change in place: `kubectl delete statefulset --cascade=orphan`, then deploy (the data stays); a size can only grow, and only where the StorageClass allows expansion' },
    ...['', ...containers.map((c) => `containers.${c}.`)].flatMap((at): SnapshotRule[] => [
      { field: `${at}runsAsRoot`, when: true, risk: 'security', reason: 'nothing stops the process from running as root' },
      { field: `${at}privileged`, when: true, risk: 'security', reason: 'the container gets every privilege of the node' },
      { field: `${at}mayEscalate`, when: true, risk: 'security', reason: 'the process may gain privileges (setuid)' },
      { field: `${at}capabilities`, risk: 'security', reason: 'the container\'s Linux capabilities change' },
      { field: `${at}writableRootFilesystem`, when: true, risk: 'security', reason: 'the process may change its own image' },
    ]),
  ];
}

type Any = any; // eslint-disable-line @typescript-eslint/no-explicit-any -- rendered YAML, read defensively

function podFacts(pod: Any): SnapshotObject {
  if (!pod) return {};
  const ctx = pod.securityContext ?? {};
  const host = [pod.hostNetwork && 'network', pod.hostPID && 'processes', pod.hostIPC && 'IPC',
    (pod.volumes ?? []).some((v: Any) => v.hostPath) && 'files'].filter(Boolean);
  return clean({
    user: userOf(ctx),
    runsAsRoot: ctx.runAsNonRoot === true || (pod.containers ?? []).every((c: Any) => c.securityContext?.runAsNonRoot === true) ? undefined : true,
    fsGroup: ctx.fsGroup,
    hostAccess: host.length ? host.join(', ') : undefined,
    serviceAccountToken: pod.automountServiceAccountToken === false ? undefined : 'mounted',
    volumes: (pod.volumes ?? []).map((v: Any) => `${v.name}: ${Object.keys(v).filter((k) => k !== 'name').join(', ')}${v.emptyDir?.sizeLimit ? ` ${v.emptyDir.sizeLimit}` : ''}${v.persistentVolumeClaim ? ` ${v.persistentVolumeClaim.claimName}` : ''}`),
    initContainers: pod.initContainers?.length ? Object.fromEntries(pod.initContainers.map((c: Any) => [c.name, containerFacts(c, ctx)])) : undefined,
    containers: Object.fromEntries((pod.containers ?? []).map((c: Any) => [c.name, containerFacts(c, ctx)])),
    gracePeriodSeconds: pod.terminationGracePeriodSeconds,
  });
}

function containerFacts(c: Any, pod: Any): SnapshotObject {
  const sc = c.securityContext ?? {};
  const caps = sc.capabilities ?? {};
  const dropsAll = (caps.drop ?? []).includes('ALL');
  const resources = (kind: 'requests' | 'limits') => {
    const r = c.resources?.[kind];
    return r ? Object.entries(r).map(([k, v]) => `${k} ${v}`).join(', ') : undefined;
  };
  return clean({
    image: c.image,
    command: c.command?.join(' '),
    args: c.args?.join(' '),
    ports: (c.ports ?? []).map((p: Any) => `${p.containerPort}${p.name ? `/${p.name}` : ''}`),
    startup: probe(c.startupProbe),
    readiness: probe(c.readinessProbe),
    liveness: probe(c.livenessProbe),
    requests: resources('requests'),
    limits: resources('limits'),
    user: userOf({ ...pod, ...sc }),
    runsAsRoot: (sc.runAsNonRoot ?? pod.runAsNonRoot) === true ? undefined : true,
    privileged: sc.privileged === true ? true : undefined,
    mayEscalate: sc.allowPrivilegeEscalation === false ? undefined : true,
    capabilities: dropsAll && !caps.add?.length ? undefined : [...(dropsAll ? [] : ['the runtime\'s defaults']), ...(caps.add ?? []).map((cap: string) => `+${cap}`)],
    writableRootFilesystem: sc.readOnlyRootFilesystem === true ? undefined : true,
    env: Object.fromEntries((c.env ?? []).map((e: Any) => [e.name, envSource(e)])),
    envFrom: c.envFrom?.map((e: Any) => (e.configMapRef ? `ConfigMap ${e.configMapRef.name}` : `Secret ${e.secretRef?.name}`)),
    mounts: (c.volumeMounts ?? []).map((m: Any) => `${m.name} → ${m.mountPath}${m.subPath ? ` (${m.subPath})` : ''}${m.readOnly ? ' read-only' : ''}`),
  });
}

/** `GET :4000/health every 5s, timeout 3s, 3 failures`: how the probe itself reads. */
function probe(p: Any): string | undefined {
  if (!p) return undefined;
  const how = p.httpGet ? `GET :${p.httpGet.port}${p.httpGet.path ?? '/'}`
    : p.exec ? p.exec.command.join(' ')
      : p.tcpSocket ? `TCP :${p.tcpSocket.port}` : JSON.stringify(p);
  return `${how} every ${p.periodSeconds ?? 10}s, timeout ${p.timeoutSeconds ?? 1}s, ${p.failureThreshold ?? 3} failures${p.initialDelaySeconds ? `, after ${p.initialDelaySeconds}s` : ''}`;
}

function userOf(ctx: Any): string {
  const id = ctx.runAsUser === undefined ? 'image user' : `${ctx.runAsUser}${ctx.runAsGroup === undefined ? '' : `:${ctx.runAsGroup}`}`;
  return `${id}${ctx.runAsNonRoot ? ', non-root' : ''}`;
}

function envSource(e: Any): string {
  if (e.value !== undefined) return String(e.value);
  const ref = e.valueFrom?.configMapKeyRef ?? e.valueFrom?.secretKeyRef;
  if (ref) return `${e.valueFrom.secretKeyRef ? 'Secret' : 'ConfigMap'} ${ref.name}/${ref.key}${ref.optional ? ' (optional)' : ''}`;
  return JSON.stringify(e.valueFrom ?? null);
}

function selector(s: Any): string {
  return Object.entries(s?.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`).join(',');
}

/** A policy's peers in one direction: `anyone` when it does not restrict that direction, `nobody` when it allows none. */
function allowed(spec: Any, type: 'Ingress' | 'Egress', rules: Any[] | undefined, peersOf: (rule: Any) => Any[] | undefined): string | string[] {
  if (!(spec.policyTypes ?? []).includes(type)) return 'anyone';
  const out = [...new Set((rules ?? []).flatMap((r) => peers(peersOf(r))))];
  return out.length ? out : 'nobody';
}

/** One line per allowed peer: `pods app.kubernetes.io/name=frontend` (its ports are a fact of their own). */
function peers(list: Any[] | undefined): string[] {
  const from: Any[] = list ?? [];
  if (!from.length) return ['anyone'];
  return from.map((p) => {
    const who = [
      p.namespaceSelector && `namespace ${selector(p.namespaceSelector) || 'any'}`,
      p.podSelector && `pods ${selector(p.podSelector) || 'any'}`,
      p.ipBlock && `addresses ${p.ipBlock.cidr}`,
    ].filter(Boolean).join(' ');
    return who;
  });
}

/** Drops undefined fields and empty lists, so a fact that does not apply is absent, not `[]`. */
function clean(o: Record<string, unknown>): SnapshotObject {
  return Object.fromEntries(Object.entries(o)
    .filter(([, v]) => v !== undefined && !(Array.isArray(v) && v.length === 0))) as Record<string, SnapshotValue>;
}
