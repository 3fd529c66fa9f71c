import { createHash } from 'node:crypto';
import { posix } from 'node:path';
import { Component } from 'projen';
import type { ChartSource } from './charts';
import { KubernetesEnvironment, KubernetesEnvironmentProps, isDnsLabel, resolveEnvironment } from './kubernetes-environment';
import { manifestFacts, manifestRules } from './manifest-facts';
import { KubernetesObject, ManifestFile, documentsOf } from './manifest-file';
import { policyProblems } from './manifest-policy';
import { RenderCache } from './render-cache';
import { Workload, WorkloadProps, isExclusive, resolveWorkload, workloadProblems } from './workload';
import { EnvVar, isDnsName, referencedVariables } from '../env';
import type { Image } from '../image';
import type { SnapshotContributor, SnapshotObject, SnapshotSection } from '../review/snapshot';
import { Service, namesAddress } from '../service';
import type { Stack } from '../stack';

/**
 * The database: inside the cluster (a StatefulSet with a PersistentVolumeClaim, for small
 * installs) or outside it (a managed PostgreSQL or a CloudNativePG cluster): then every
 * service that connects to it reads its whole connection URL from the Secret.
 */
export interface KubernetesDatabaseProps {
  readonly service: Service;
  readonly mode: 'in-cluster' | 'external';
  /** Size of the data volume (in-cluster). @default 10 */
  readonly storageGi?: number;
  /** StorageClass of the data volume (in-cluster). @default the cluster's default class */
  readonly storageClass?: string;
}

export interface KubernetesIngressProps {
  /** @default 'nginx' (ingress-nginx) */
  readonly className?: string;
  /** cert-manager ClusterIssuer that signs the certificates (environments may override), e.g. `letsencrypt`. */
  readonly clusterIssuer: string;
  /** Namespace of the ingress controller's pods: the NetworkPolicies let only them in. @default 'ingress-nginx' */
  readonly controllerNamespace?: string;
  /** Labels of the ingress controller's pods. @default { 'app.kubernetes.io/name': 'ingress-nginx' } */
  readonly controllerLabels?: Readonly<Record<string, string>>;
}

/**
 * A production service the cluster does not run, and why: a cluster does some jobs of the
 * compose stack its own way (backups by the database operator or provider, for one).
 */
export interface LeftOutService {
  readonly service: Service;
  /** Why, and what does its job on Kubernetes; in the model so a reviewer reads it beside the declaration. */
  readonly reason: string;
}

export interface KubernetesStackProps {
  /** Where the stack runs; each gets its own directory of manifests. */
  readonly environments: readonly KubernetesEnvironmentProps[];
  /** The long-running services other than the database, and how each scales. */
  readonly workloads: readonly WorkloadProps[];
  /** Long-running production services deliberately not on Kubernetes. @default none: every one must be a workload */
  readonly leftOut?: readonly LeftOutService[];
  readonly database: KubernetesDatabaseProps;
  /** The one-shot service the deploy runs as a Job, and waits for, before rolling the workloads. */
  readonly migrate: Service;
  readonly ingress: KubernetesIngressProps;
  /** @default 'devops/k8s' */
  readonly outdir?: string;
}

/** A key of the Secret: a secret variable, or (external database) a service's whole connection URL. */
export interface SecretKey {
  readonly key: string;
  readonly description: string;
  readonly required: boolean;
  /** The variable it holds, when it is one. */
  readonly variable?: EnvVar;
}

/** The manifest files of one environment, in apply order. */
export interface EnvironmentManifests {
  readonly environment: KubernetesEnvironment;
  readonly files: readonly ManifestFile[];
  /** The file of each phase the deploy applies on its own. */
  readonly phases: { readonly base: readonly ManifestFile[]; readonly database?: ManifestFile; readonly migrate: ManifestFile };
}

const LABEL_NAME = 'app.kubernetes.io/name';

/** Environment → component → its objects and their YAML. */
type Renderings = Record<string, Record<string, { readonly objects: KubernetesObject[]; readonly documents: string }>>;

/** The variable the deploy fills with an image's digest, e.g. `API_IMAGE_DIGEST` (`sha256:…`). */
export function imageDigestVariable(image: Image): string {
  return `${image.name.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_IMAGE_DIGEST`;
}

/**
 * Renders the stack into Kubernetes manifests with cdk8s + cdk8s-plus, beside the compose
 * renderings and from the same services: one directory per environment
 * (`devops/k8s/<env>/`), one file per component, applied in file order. Facts come from the
 * model — ports, health checks (probes), resources, variables (ConfigMap and Secret keys),
 * who connects to whom (NetworkPolicies), public routes (Ingress) — and this construct adds
 * only what Kubernetes needs beyond compose: replicas, intake mode, storage, the ingress.
 */
export class KubernetesStack extends Component implements ChartSource, SnapshotContributor {
  public readonly snapshotSectionId = 'kubernetes';
  public readonly stack: Stack;
  public readonly outdir: string;
  public readonly environments: readonly KubernetesEnvironment[];
  public readonly workloads: readonly Workload[];
  public readonly leftOut: readonly LeftOutService[];
  public readonly database: Required<Omit<KubernetesDatabaseProps, 'storageClass'>> & { readonly storageClass?: string };
  public readonly migrate: Service;
  public readonly ingress: Required<KubernetesIngressProps>;
  /** The Secret every service reads its secrets from; never committed (see scripts/k8s-secret.sh). */
  public readonly secretName: string;
  public readonly configMapName: string;
  public readonly manifests: readonly EnvironmentManifests[];
  private renderings?: Renderings;

  constructor(stack: Stack, id: string, props: KubernetesStackProps) {
    super(stack, id);
    this.stack = stack;
    this.outdir = props.outdir ?? 'devops/k8s';
    this.ingress = {
      className: props.ingress.className ?? 'nginx',
      clusterIssuer: props.ingress.clusterIssuer,
      controllerNamespace: props.ingress.controllerNamespace ?? 'ingress-nginx',
      controllerLabels: props.ingress.controllerLabels ?? { [LABEL_NAME]: 'ingress-nginx' },
    };
    this.environments = props.environments.map((e) => resolveEnvironment(e, stack.name, this.ingress.clusterIssuer));
    this.workloads = props.workloads.map(resolveWorkload);
    this.leftOut = props.leftOut ?? [];
    this.database = { ...props.database, storageGi: props.database.storageGi ?? 10 };
    this.migrate = props.migrate;
    this.secretName = `${stack.name}-secrets`;
    this.configMapName = `${stack.name}-config`;
    this.manifests = this.environments.map((env) => this.files(env));
    this.node.addValidation({ validate: () => this.problems() });
  }

  /** Every service with a manifest: the database (in-cluster), the migrate Job, the workloads. */
  public get services(): Service[] {
    return [...(this.inCluster ? [this.database.service] : []), this.migrate, ...this.workloads.map((w) => w.service)];
  }

  public get inCluster(): boolean {
    return this.database.mode === 'in-cluster';
  }

  /** Secret key of a service's connection URL to an external database, e.g. `API_DATABASE_URL`. */
  public externalUrlKey(service: Service, envKey: string): string {
    return `${service.name.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_${envKey}`;
  }

  /** Does this env entry become a whole-URL Secret key (external database)? */
  public isExternalUrl(s: Service, value: EnvVar | string): boolean {
    return !this.inCluster && s !== this.database.service && typeof value === 'string' && namesAddress(value, this.database.service);
  }

  /** The keys of the Secret, from the model: what each service reads that is secret. */
  public get secretKeys(): SecretKey[] {
    const keys = new Map<string, SecretKey>();
    for (const s of this.services) {
      for (const [envKey, value] of Object.entries(s.env)) {
        if (this.isExternalUrl(s, value)) {
          const key = this.externalUrlKey(s, envKey);
          keys.set(key, { key, description: `${envKey} of ${s.name}: the URL of the external database, with this service's role and password`, required: true });
          continue;
        }
        for (const v of this.variablesIn(value)) {
          if (v.secret && !keys.has(v.name)) keys.set(v.name, { key: v.name, description: v.description, required: this.requires(v), variable: v });
        }
      }
    }
    return [...keys.values()];
  }

  /** Must a value be set? Required variables, and the secret of a webhook intake. */
  public requires(v: EnvVar): boolean {
    return v.required || this.workloads.some((w) => w.intake.kind === 'webhook' && w.intake.secretVariable?.name === v.name);
  }

  /** The ConfigMap's data in one environment: every non-secret variable the services read that has a value there. */
  public configData(env: KubernetesEnvironment): Record<string, string> {
    const data: Record<string, string> = {};
    for (const v of this.configVariables()) {
      const value = this.valueIn(env, v);
      if (value !== undefined) data[v.name] = value;
    }
    return data;
  }

  /** The value of a non-secret variable in an environment (set there, derived from a route, or its default). */
  public valueIn(env: KubernetesEnvironment, v: EnvVar): string | undefined {
    const webhook = this.workloads.find((w) => w.intake.kind === 'webhook' && w.service.publicRoute?.urlVariable?.name === v.name);
    if (webhook?.intake.kind === 'webhook') {
      const host = env.values.get(webhook.service.publicRoute!.host.name);
      return host === undefined ? undefined : `https://${host}${webhook.intake.path}`;
    }
    return env.values.get(v.name) ?? v.default;
  }

  private configVariables(): EnvVar[] {
    const out = new Map<string, EnvVar>();
    for (const s of this.services) {
      for (const value of Object.values(s.env)) {
        if (this.isExternalUrl(s, value)) continue;
        for (const v of this.variablesIn(value)) if (!v.secret && !out.has(v.name)) out.set(v.name, v);
      }
    }
    return [...out.values()];
  }

  /** The declared variables an env value passes through or splices. */
  public variablesIn(value: EnvVar | string): EnvVar[] {
    if (typeof value !== 'string') return [value];
    const declared = new Map(this.stack.variables.map((v) => [v.name, v]));
    return referencedVariables(value).map((n) => declared.get(n)).filter((v): v is EnvVar => v !== undefined);
  }

  private files(env: KubernetesEnvironment): EnvironmentManifests {
    const rendered = (component: string) => this.rendered()[env.name]?.[component] ?? { objects: [], documents: '' };
    const dir = posix.join(this.outdir, env.name);
    const file = (name: string, component: string, description: string) => new ManifestFile(this, posix.join(dir, name), {
      description: `${description}\nEnvironment ${env.name}, namespace ${env.namespace}. Rendered from the stack by KubernetesStack (projenrc/k8s/).`,
      objects: () => rendered(component).objects,
      documents: () => rendered(component).documents,
    });
    const base = [
      file('00-namespace.yaml', 'namespace', 'The namespace (Pod Security "restricted" enforced) and its default: no pod takes traffic it was not allowed.'),
      file('10-config.yaml', 'config', `Non-secret settings every service reads. Secrets live in the Secret '${this.secretName}' (scripts/k8s-secret.sh).`),
    ];
    const database = this.inCluster
      ? file(`20-${this.database.service.name}.yaml`, this.database.service.name, `${this.database.service.description}: a StatefulSet with a PersistentVolumeClaim.`)
      : undefined;
    const migrate = file(`30-${this.migrate.name}.yaml`, this.migrate.name, `${this.migrate.description}: a Job the deploy runs, and waits for, before rolling the apps.`);
    const workloads = this.workloads.map((w) => file(`40-${w.service.name}.yaml`, w.service.name, `${w.service.description}.`));
    const ingress = this.routedWorkloads.length
      ? [file('90-ingress.yaml', 'ingress', 'The public routes (ingress-nginx), with certificates from cert-manager.')]
      : [];
    return {
      environment: env,
      files: [...base, ...(database ? [database] : []), migrate, ...workloads, ...ingress],
      phases: { base, database, migrate },
    };
  }

  /** Every environment's objects (and their YAML) by component: rendered with cdk8s once, or the cached rendering of unchanged sources. */
  private rendered(): Renderings {
    this.renderings ??= new RenderCache<Renderings>({
      root: this.project.outdir, name: 'k8s-manifests', chartDir: __dirname, packages: ['cdk8s', 'cdk8s-plus-33'],
    }).get(() => {
      // Loaded only here: a synth that reuses the cached rendering never pays for cdk8s.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { renderCharts } = require('./charts') as typeof import('./charts');
      return Object.fromEntries(this.environments.map((e) => [e.name, Object.fromEntries([...renderCharts(this, e)]
        .map(([component, objects]) => [component, { objects, documents: documentsOf(objects) }]))]));
    });
    return this.renderings;
  }

  /**
   * The manifests in the pipeline snapshot (`npx projen pipeline-diff`): each object of each
   * environment as a few readable facts, with the fields whose change is security-relevant
   * or needs a person (see manifest-facts.ts).
   */
  public snapshotSection(): SnapshotSection {
    const objects: Record<string, SnapshotObject> = {};
    for (const env of this.environments) {
      for (const o of this.objects(env)) objects[`${env.name}: ${o.kind}/${o.metadata.name}`] = manifestFacts(o);
    }
    return {
      title: 'Kubernetes objects',
      objects,
      rules: manifestRules(Object.values(objects)),
      removedRisk: {
        field: '',
        risk: 'attention',
        reason: 'scripts/k8s-deploy.sh prunes it on the next deploy; a Namespace, StatefulSet or volume stays until a person deletes it',
      },
    };
  }

  /** The hash of an environment's ConfigMap data, for the pod template annotation. */
  public configHash(env: KubernetesEnvironment): string {
    return createHash('sha256').update(JSON.stringify(this.configData(env))).digest('hex').slice(0, 16);
  }

  /** Every object of an environment, in apply order. */
  public objects(env: KubernetesEnvironment): KubernetesObject[] {
    return this.manifests.find((m) => m.environment === env)!.files.flatMap((f) => [...f.objects]);
  }

  private problems(): string[] {
    const out: string[] = [];
    const prod = this.stack.services.filter((s) => s.in('prod') && !s.profiles.length);
    for (const s of prod.filter((x) => !x.oneShot && x !== this.database.service)) {
      if (!this.workloads.some((w) => w.service === s) && !this.leftOut.some((l) => l.service === s)) {
        out.push(`service '${s.name}' runs in production but has no Kubernetes workload (or a reason in leftOut)`);
      }
    }
    for (const l of this.leftOut) {
      if (this.services.includes(l.service)) out.push(`service '${l.service.name}' is left out but also rendered`);
      if (!l.reason.trim()) out.push(`service '${l.service.name}' is left out without a reason`);
    }
    for (const w of this.workloads) {
      out.push(...workloadProblems(w));
      if (!prod.includes(w.service)) out.push(`workload '${w.service.name}' is not a production service`);
      if (w.service === this.database.service) out.push(`workload '${w.service.name}' is the database; it is rendered by the database switch`);
    }
    for (const image of this.images.filter((i) => !i.published)) {
      out.push(`image '${image.name}' runs on Kubernetes but the build workflow does not publish it (no digest to deploy)`);
    }
    if (!this.migrate.oneShot) out.push(`migrate service '${this.migrate.name}' is not a one-shot service`);
    const db = this.database;
    if (db.mode === 'in-cluster' && (!Number.isInteger(db.storageGi) || db.storageGi < 1)) out.push(`database storage of ${db.storageGi} GiB; use a whole number of GiB`);
    if (db.mode === 'in-cluster' && !db.service.healthCheck) out.push(`database '${db.service.name}' has no health check for its probes`);
    if (!this.environments.length) out.push('declare at least one environment');

    const names = new Set<string>();
    for (const env of this.environments) {
      const where = `environment '${env.name}'`;
      if (names.has(env.name)) out.push(`${where} is declared twice`);
      names.add(env.name);
      if (!isDnsLabel(env.name)) out.push(`${where}: the name must be a DNS label (lower case, digits, hyphens)`);
      if (!isDnsLabel(env.namespace)) out.push(`${where}: namespace '${env.namespace}' must be a DNS label`);
      const hosts = this.workloads.flatMap((w) => (w.service.publicRoute ? [w.service.publicRoute.host] : []));
      const known = new Map([...this.configVariables(), ...hosts].map((v) => [v.name, v]));
      for (const name of env.values.keys()) {
        const v = known.get(name) ?? this.stack.variables.find((x) => x.name === name);
        if (v?.secret) out.push(`${where} sets secret ${name}; secrets go in the Secret, never in the model`);
        else if (!known.has(name)) out.push(`${where} sets ${name}, which no Kubernetes service reads and no route uses`);
      }
      for (const w of this.routedWorkloads) {
        const r = w.service.publicRoute!;
        const host = env.values.get(r.host.name);
        if (host === undefined) out.push(`${where}: '${w.service.name}' is public on ${r.host.name}, which has no value here`);
        else if (!isDnsName(host)) out.push(`${where}: ${r.host.name} '${host}' is not a DNS name`);
        else if (host !== host.toLowerCase()) out.push(`${where}: ${r.host.name} '${host}' must be lower case (an Ingress host is)`);
      }
      for (const [s, n] of env.replicas) {
        const w = this.workloads.find((x) => x.service === s);
        if (!w) out.push(`${where} sets replicas of '${s.name}', which is not a workload`);
        else if (isExclusive(w) && n !== 1) out.push(`${where}: workload '${s.name}' takes its work by long polling, which allows one consumer; it has ${n} replicas here`);
        else if (!Number.isInteger(n) || n < 1) out.push(`${where} gives '${s.name}' ${n} replicas; use 1 or more`);
      }
      for (const w of this.workloads.filter((x) => x.intake.kind === 'webhook')) {
        const url = w.service.publicRoute?.urlVariable;
        if (url && env.values.has(url.name)) out.push(`${where} sets ${url.name}; it is derived from '${w.service.name}''s route`);
      }
      // Spliced variables must resolve, or the service would see a literal $(NAME).
      for (const s of this.services) {
        for (const [key, value] of Object.entries(s.env)) {
          if (typeof value !== 'string' || this.isExternalUrl(s, value)) continue;
          for (const v of this.variablesIn(value)) {
            if (!v.secret && this.valueIn(env, v) === undefined) out.push(`${where}: ${key} of '${s.name}' splices ${v.name}, which has no value here`);
          }
        }
      }
    }
    // The manifests themselves, against the house rules (schema validation runs in the tests: it is slow).
    if (!out.length) {
      const secretKeys = new Map([[this.secretName, new Set(this.secretKeys.map((k) => k.key))]]);
      for (const env of this.environments) {
        out.push(...policyProblems(this.objects(env), { secretKeys }).map((p) => `${env.name}: ${p}`));
      }
    }
    return out;
  }

  /** Workloads whose routes the ingress serves (a long-polling workload takes no requests from outside). */
  public get routedWorkloads(): Workload[] {
    return this.workloads.filter((w) => w.service.publicRoute && w.intake.kind !== 'polling');
  }

  /** Replicas of a workload in an environment. */
  public replicasIn(env: KubernetesEnvironment, w: Workload): number {
    return env.replicas.get(w.service) ?? w.replicas;
  }

  /** The image reference with the digest placeholder the deploy fills. */
  public imageRef(image: Image): string {
    return `${this.stack.imagePrefix}/${image.name}@\${${imageDigestVariable(image)}}`;
  }

  /** Images the manifests run, once each. */
  public get images(): Image[] {
    return [...new Set(this.services.map((s) => s.image))];
  }
}
