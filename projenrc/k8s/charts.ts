import { ApiObject, App, Chart, Duration, JsonPatch, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-33';
import type { KubernetesEnvironment } from './kubernetes-environment';
import { KUBERNETES_MINOR } from './kubernetes-version';
import type { KubernetesObject } from './manifest-file';
import { Workload, isExclusive } from './workload';
import type { EnvVar } from '../env';
import type { ResolvedHealthCheck } from '../health-check';
import type { Image } from '../image';
import type { Service } from '../service';

/** What the charts read from the Kubernetes rendering of the stack (KubernetesStack). */
export interface ChartSource {
  readonly stack: { readonly name: string };
  readonly secretName: string;
  readonly configMapName: string;
  readonly workloads: readonly Workload[];
  readonly routedWorkloads: readonly Workload[];
  readonly database: { readonly service: Service; readonly mode: 'in-cluster' | 'external'; readonly storageGi: number; readonly storageClass?: string };
  readonly inCluster: boolean;
  readonly migrate: Service;
  readonly ingress: { readonly className: string; readonly controllerNamespace: string; readonly controllerLabels: Readonly<Record<string, string>> };
  readonly services: readonly Service[];
  configData(env: KubernetesEnvironment): Record<string, string>;
  requires(v: EnvVar): boolean;
  configHash(env: KubernetesEnvironment): string;
  valueIn(env: KubernetesEnvironment, v: EnvVar): string | undefined;
  isExternalUrl(s: Service, value: EnvVar | string): boolean;
  externalUrlKey(service: Service, envKey: string): string;
  variablesIn(value: EnvVar | string): EnvVar[];
  replicasIn(env: KubernetesEnvironment, w: Workload): number;
  imageRef(image: Image): string;
}

const NAME = 'app.kubernetes.io/name';
/** A pod template annotation that changes with the ConfigMap, so a config change rolls the pods. */
export const CONFIG_HASH_ANNOTATION = 'dialogstack.dev/config-hash';
const PART_OF = 'app.kubernetes.io/part-of';
/** Where the data of a PostgreSQL volume lives: a subdirectory, since a fresh volume's root holds lost+found and initdb wants an empty directory. */
const PGDATA_SUBDIRECTORY = 'pgdata';
/** Seconds a stopping pod keeps serving while the ingress and kube-proxy drop its endpoint. */
const PRE_STOP_SECONDS = 5;

/**
 * Builds every object of one environment with cdk8s-plus, grouped by component (one
 * manifest file each). cdk8s is used for what it is good at — typed objects, selectors,
 * network policy peers — and its own hash labels and permissive defaults are replaced by
 * the model's names and the house rules (see manifest-policy.ts).
 */
export function renderCharts(src: ChartSource, env: KubernetesEnvironment): Map<string, KubernetesObject[]> {
  const app = new App();
  const charts = new Map<string, Chart>();
  const chart = (component: string) => {
    let c = charts.get(component);
    if (!c) {
      c = new Chart(app, component, { namespace: env.namespace, disableResourceNameHashes: true, labels: { [PART_OF]: src.stack.name } });
      charts.set(component, c);
    }
    return c;
  };

  // ---- namespace: Pod Security "restricted" enforced, and no traffic unless a policy allows it
  const nsChart = chart('namespace');
  const namespace = new kplus.Namespace(nsChart, 'Namespace', {
    metadata: {
      name: env.namespace,
      labels: {
        'pod-security.kubernetes.io/enforce': 'restricted',
        'pod-security.kubernetes.io/enforce-version': `v${KUBERNETES_MINOR}`,
        'pod-security.kubernetes.io/warn': 'restricted',
      },
    },
  });
  // A Namespace has no namespace of its own.
  ApiObject.of(namespace).addJsonPatch(JsonPatch.remove('/metadata/namespace'));
  new kplus.NetworkPolicy(nsChart, 'DenyIngress', {
    metadata: { name: 'default-deny-ingress' },
    selector: kplus.Pods.all(nsChart, 'AllPods'),
    ingress: { default: kplus.NetworkPolicyTrafficDefault.DENY },
    egress: { default: kplus.NetworkPolicyTrafficDefault.ALLOW },
  });

  // ---- config
  const configChart = chart('config');
  const configMap = new kplus.ConfigMap(configChart, 'Config', { metadata: { name: src.configMapName }, data: src.configData(env) });
  const secret = kplus.Secret.fromSecretName(configChart, 'Secret', src.secretName);

  const podLabels = (s: Service) => ({ [NAME]: s.name, [PART_OF]: src.stack.name });
  const selectorOf = (c: Chart, s: Service) => (c.node.tryFindChild(`Select-${s.name}`) as kplus.Pods | undefined)
    ?? kplus.Pods.select(c, `Select-${s.name}`, { labels: { [NAME]: s.name } });

  /** The container env: model variables from the ConfigMap or the Secret, fixed values with `$(NAME)` splices. */
  const environment = (s: Service): Record<string, kplus.EnvValue> => {
    const out: Record<string, kplus.EnvValue> = {};
    const from = (v: EnvVar): kplus.EnvValue => (v.secret
      ? kplus.EnvValue.fromSecretValue({ secret, key: v.name }, { optional: !src.requires(v) })
      : kplus.EnvValue.fromConfigMap(configMap, v.name, { optional: src.valueIn(env, v) === undefined }));
    for (const [key, value] of Object.entries(s.env)) {
      if (src.isExternalUrl(s, value)) {
        out[key] = kplus.EnvValue.fromSecretValue({ secret, key: src.externalUrlKey(s, key) });
      } else if (typeof value !== 'string') {
        out[key] = from(value);
      } else {
        // Kubernetes expands $(NAME) from variables defined earlier in the list.
        for (const v of src.variablesIn(value)) if (!(v.name in out)) out[v.name] = from(v);
        out[key] = kplus.EnvValue.fromValue(value.replace(/\$\{([A-Z_][A-Z0-9_]*)\}/g, '$($1)'));
      }
    }
    if (s === src.database.service) out.PGDATA = kplus.EnvValue.fromValue(`${s.volumes[0]?.target ?? '/var/lib/postgresql/data'}/${PGDATA_SUBDIRECTORY}`);
    return out;
  };

  /** One container of a service: image by digest, non-root, read-only root, probes and resources from the model. */
  const container = (c: Chart, s: Service, opts: { preStop?: boolean } = {}): kplus.ContainerProps => {
    const uid = s.image.uid;
    const volumeMounts = s.image.writablePaths.map((path) => ({
      path,
      // Memory-backed only where it is small (a socket directory); caches use the node's disk.
      volume: kplus.Volume.fromEmptyDir(c, `Writable-${s.name}-${path}`, volumeName(path), { sizeLimit: Size.mebibytes(256) }),
    }));
    return {
      name: s.name,
      image: src.imageRef(s.image),
      imagePullPolicy: kplus.ImagePullPolicy.IF_NOT_PRESENT,
      args: s.command ? [...s.command] : undefined,
      ports: s.port !== undefined && !s.oneShot ? [{ number: s.port, name: portName(s) }] : [],
      envVariables: environment(s),
      volumeMounts,
      ...(s.healthCheck && !s.oneShot ? probes(s.healthCheck, s.readinessCheck ?? s.healthCheck) : {}),
      resources: s.resources && {
        // Memory: request = limit (no overcommit, no surprise OOM kills); CPU: a quarter reserved, bursts to the limit.
        cpu: {
          request: kplus.Cpu.millis(Math.max(50, Math.round(s.resources.cpus * 250))),
          limit: kplus.Cpu.millis(Math.round(s.resources.cpus * 1000)),
        },
        memory: { request: Size.mebibytes(s.resources.memoryMb), limit: Size.mebibytes(s.resources.memoryMb) },
      },
      securityContext: {
        ensureNonRoot: true,
        user: uid,
        group: uid,
        readOnlyRootFilesystem: true,
        allowPrivilegeEscalation: false,
        privileged: false,
        capabilities: { drop: [kplus.Capability.ALL] },
        seccompProfile: { type: kplus.SeccompProfileType.RUNTIME_DEFAULT },
      },
      lifecycle: opts.preStop ? { preStop: kplus.Handler.fromCommand(['sleep', String(PRE_STOP_SECONDS)]) } : undefined,
    };
  };

  const podProps = (s: Service) => ({
    automountServiceAccountToken: false,
    securityContext: {
      ensureNonRoot: true,
      user: s.image.uid,
      group: s.image.uid,
      fsGroup: s.image.uid,
      // Skip the recursive chown of a large database volume when its root already belongs to the group.
      fsGroupChangePolicy: kplus.FsGroupChangePolicy.ON_ROOT_MISMATCH,
    },
    // The pause container is PID 1 (compose's `init: true`): SIGTERM reaches the process with its default meaning.
    shareProcessNamespace: true,
    terminationGracePeriod: Duration.seconds(s.stopGracePeriodSeconds ?? 30),
    podMetadata: { labels: podLabels(s), annotations: { [CONFIG_HASH_ANNOTATION]: src.configHash(env) } },
    select: false,
  });

  /** The model's names select pods (cdk8s-plus's own hash label is dropped at the end). */
  const useModelSelector = (obj: kplus.Deployment | kplus.StatefulSet | kplus.Job, s: Service) => {
    if (!(obj instanceof kplus.Job)) obj.select(kplus.LabelSelector.of({ labels: { [NAME]: s.name } }));
  };

  const serviceFor = (c: Chart, s: Service, headless = false) => new kplus.Service(c, 'Service', {
    metadata: { name: s.name },
    selector: selectorOf(c, s),
    clusterIP: headless ? 'None' : undefined,
    ports: [{ port: s.port!, targetPort: s.port!, name: portName(s) }],
  });

  /** Who may connect: the services whose environment names this one's address, and the ingress controller for routed services. */
  const allowIngress = (c: Chart, s: Service, fromIngress: boolean) => {
    const clients = src.services.filter((x) => x.connectsTo(s));
    if (!clients.length && !fromIngress) return;
    const policy = new kplus.NetworkPolicy(c, 'AllowIngress', {
      metadata: { name: `${s.name}-ingress` },
      selector: selectorOf(c, s),
      ingress: { default: kplus.NetworkPolicyTrafficDefault.DENY },
      egress: { default: kplus.NetworkPolicyTrafficDefault.ALLOW },
    });
    const port = [kplus.NetworkPolicyPort.tcp(s.port!)];
    for (const client of clients) policy.addIngressRule(kplus.Pods.select(c, `Client-${client.name}`, { labels: { [NAME]: client.name } }), port);
    if (fromIngress) {
      policy.addIngressRule(kplus.Pods.select(c, 'IngressController', {
        labels: { ...src.ingress.controllerLabels },
        namespaces: kplus.Namespaces.select(c, 'IngressNamespace', { names: [src.ingress.controllerNamespace] }),
      }), port);
    }
  };

  // ---- database (in-cluster)
  if (src.inCluster) {
    const db = src.database.service;
    const c = chart(db.name);
    const svc = serviceFor(c, db, true);
    const sts = new kplus.StatefulSet(c, 'StatefulSet', {
      ...podProps(db),
      metadata: { name: db.name },
      service: svc,
      replicas: 1,
      containers: [container(c, db)],
      volumeClaimTemplates: db.volumes.map((v) => ({
        name: v.volume,
        storage: Size.gibibytes(src.database.storageGi),
        storageClassName: src.database.storageClass,
        accessModes: [kplus.PersistentVolumeAccessMode.READ_WRITE_ONCE],
      })),
    });
    for (const v of db.volumes) {
      sts.containers[0].mount(v.target, kplus.Volume.fromName(c, `Claim-${v.volume}`, v.volume));
    }
    useModelSelector(sts, db);
    allowIngress(c, db, false);
  }

  // ---- migrate: a Job the deploy replaces and waits for
  {
    const m = src.migrate;
    const c = chart(m.name);
    const job = new kplus.Job(c, 'Job', {
      ...podProps(m),
      metadata: { name: m.name },
      containers: [container(c, m)],
      backoffLimit: 4,
      activeDeadline: Duration.minutes(10),
      restartPolicy: kplus.RestartPolicy.NEVER,
    });
    useModelSelector(job, m);
  }

  // ---- workloads
  const services = new Map<Service, kplus.Service>();
  for (const w of src.workloads) {
    const s = w.service;
    const c = chart(s.name);
    const exclusive = isExclusive(w);
    const replicas = src.replicasIn(env, w);
    const deployment = new kplus.Deployment(c, 'Deployment', {
      ...podProps(s),
      metadata: { name: s.name },
      // An autoscaled Deployment leaves replicas to its autoscaler: an apply must not reset them.
      replicas: w.maxReplicas === undefined ? replicas : undefined,
      strategy: exclusive
        // Two copies must never run at once: stop the old one before the new one starts.
        ? kplus.DeploymentStrategy.recreate()
        // Never fewer ready copies than asked for: a new one must be ready before an old one goes.
        : kplus.DeploymentStrategy.rollingUpdate({
          maxUnavailable: kplus.PercentOrAbsolute.absolute(0),
          maxSurge: kplus.PercentOrAbsolute.absolute(1),
        }),
      progressDeadline: Duration.minutes(5),
      containers: [container(c, s, { preStop: !exclusive && s.port !== undefined })],
    });
    useModelSelector(deployment, s);
    if (!exclusive && replicas > 1) {
      // Spread copies over nodes when there are several; never refuse to schedule for it.
      ApiObject.of(deployment).addJsonPatch(JsonPatch.add('/spec/template/spec/topologySpreadConstraints', [{
        maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: { [NAME]: s.name } },
      }]));
    }
    if (s.port !== undefined) services.set(s, serviceFor(c, s));
    if (!exclusive && replicas > 1) {
      new kplus.k8s.KubePodDisruptionBudget(c, 'Budget', {
        metadata: { name: s.name },
        spec: { maxUnavailable: kplus.k8s.IntOrString.fromNumber(1), selector: { matchLabels: { [NAME]: s.name } } },
      });
    }
    if (w.maxReplicas !== undefined) {
      new kplus.HorizontalPodAutoscaler(c, 'Autoscaler', {
        metadata: { name: s.name },
        target: deployment,
        minReplicas: replicas,
        maxReplicas: w.maxReplicas,
        metrics: [kplus.Metric.resourceCpu(kplus.MetricTarget.averageUtilization(w.targetCpuPercent))],
      });
    }
    if (s.port !== undefined) allowIngress(c, s, src.routedWorkloads.includes(w));
  }

  // ---- ingress: every route of the routed workloads, TLS from cert-manager
  if (src.routedWorkloads.length) {
    const c = chart('ingress');
    const ingress = new kplus.Ingress(c, 'Ingress', {
      metadata: {
        name: src.stack.name,
        annotations: {
          'cert-manager.io/cluster-issuer': env.clusterIssuer,
          'nginx.ingress.kubernetes.io/ssl-redirect': 'true',
        },
      },
      className: src.ingress.className,
    });
    const hosts = new Set<string>();
    for (const w of src.routedWorkloads) {
      const backend = kplus.IngressBackend.fromService(services.get(w.service)!, { port: w.service.port! });
      const route = w.service.publicRoute!;
      const host = env.values.get(route.host.name)!;
      hosts.add(host);
      // ingress-nginx picks the longest matching prefix: /telegram/ goes to the bot, the rest of the host to the api.
      ingress.addHostRule(host, route.pathPrefix ?? '/', backend, kplus.HttpIngressPathType.PREFIX);
    }
    ingress.addTls([...hosts].map((host) => ({ hosts: [host], secret: kplus.Secret.fromSecretName(c, `Tls-${host}`, `${host.replace(/\./g, '-')}-tls`) })));
  }

  const out = new Map<string, KubernetesObject[]>();
  for (const [component, c] of charts) out.set(component, (c.toJson() as KubernetesObject[]).map(withoutAddressLabels));
  return out;
}

/**
 * cdk8s-plus labels every pod with a hash of its construct path and selects by it; the
 * model's `app.kubernetes.io/name` selects instead, so a refactoring of the constructs never
 * changes a selector (an immutable field of Deployments and StatefulSets).
 */
function withoutAddressLabels<T>(value: T): T {
  if (Array.isArray(value)) return value.map(withoutAddressLabels) as T;
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value)
      .filter(([k]) => k !== 'cdk8s.io/metadata.addr')
      .map(([k, v]) => [k, withoutAddressLabels(v)])) as T;
  }
  return value;
}

/** `http` for HTTP services (the ingress and probes speak it), `tcp` otherwise (postgres). */
function portName(s: Service): string {
  return s.healthCheck?.http ? 'http' : 'tcp';
}

/** The probes of a model health check: startup covers the start period, liveness restarts, readiness routes. */
function probes(health: ResolvedHealthCheck, readiness: ResolvedHealthCheck): Pick<kplus.ContainerProps, 'startup' | 'liveness' | 'readiness'> {
  const probe = (hc: ResolvedHealthCheck, failureThreshold: number) => {
    const timing = { periodSeconds: Duration.seconds(hc.intervalSeconds), timeoutSeconds: Duration.seconds(hc.timeoutSeconds), failureThreshold };
    // HTTP checks as httpGet: the kubelet requests the path itself, no node process per probe.
    return hc.http ? kplus.Probe.fromHttpGet(hc.http.path, { ...timing, port: hc.http.port }) : kplus.Probe.fromCommand([...hc.command], timing);
  };
  return {
    // Up to the start period plus the retries compose allows before calling it unhealthy.
    startup: probe(health, Math.ceil(health.startPeriodSeconds / health.intervalSeconds) + health.retries),
    liveness: probe(health, health.retries),
    // Out of the load balancer within three failed checks; back in at the first success.
    readiness: probe(readiness, Math.min(3, readiness.retries)),
  };
}

/** A volume name from a path: `/app/src/frontend/.next/cache` → `app-src-frontend-next-cache`. */
function volumeName(path: string): string {
  return path.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(-63).replace(/^-+/, '') || 'root';
}
