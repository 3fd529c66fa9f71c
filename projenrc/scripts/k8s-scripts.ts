import { DERIVED_HEADER, bashArray, bashFragment, bashMap, exitCodeLines, shellQuote } from './bash';
import { ShellScript } from './shell-script';
import type { KubernetesStack } from '../k8s/kubernetes-stack';
import { imageDigestVariable } from '../k8s/kubernetes-stack';

/** k8s-secret.sh's exit codes. */
export const K8S_SECRET_EXIT = {
  USAGE: { code: 2, meaning: 'wrong arguments, or a required key has no value' },
  KUBECTL: { code: 3, meaning: 'kubectl failed' },
} as const;

/** k8s-deploy.sh's exit codes. */
export const K8S_DEPLOY_EXIT = {
  DEPLOYED: { code: 0, meaning: 'deployed: every rollout finished' },
  USAGE: { code: 2, meaning: 'wrong arguments, or an image digest is missing or malformed' },
  PREFLIGHT: { code: 3, meaning: 'kubectl cannot reach the cluster, a digest could not be resolved, or the server refused the manifests (dry run); nothing changed' },
  SECRET: { code: 4, meaning: 'the Secret is missing or lacks a required key; nothing changed but the namespace and config' },
  DATABASE: { code: 5, meaning: 'the database did not become ready; the apps were not touched' },
  MIGRATE: { code: 6, meaning: 'the migrate Job failed or timed out; the apps were not touched' },
  ROLLED_BACK: { code: 7, meaning: 'a rollout failed; every changed Deployment was undone to its previous revision' },
  ROLLBACK_FAILED: { code: 8, meaning: 'a rollout failed and undoing it failed too: the namespace needs attention' },
} as const;

/**
 * `scripts/k8s-secret.sh ENV [ENV_FILE]`: creates or updates the stack's Secret in an
 * environment's namespace from the process environment or an env file (the compose
 * deploy's `.env.production` works as it is). The keys come from the model; no value is
 * ever committed or printed. Logic: projenrc/scripts/bash/k8s-secret.bash.
 */
export class KubernetesSecretScript extends ShellScript {
  constructor(k8s: KubernetesStack, filePath = 'scripts/k8s-secret.sh') {
    super(k8s, filePath, {
      description: [
        `Creates or updates the Secret '${k8s.secretName}' of a Kubernetes environment; prints key names, never values.`,
        `Usage: ${filePath} ENVIRONMENT [ENV_FILE]   (--help lists the keys)`,
      ].join('\n'),
      body: () => [
        DERIVED_HEADER,
        `SECRET_NAME=${shellQuote(k8s.secretName)}`,
        bashMap('NAMESPACES', Object.fromEntries(k8s.environments.map((e) => [e.name, e.namespace]))),
        '# The keys of the Secret (what the services read that is secret), and which must have a value.',
        bashArray('SECRET_KEYS', k8s.secretKeys.map((k) => k.key)),
        bashArray('REQUIRED_KEYS', k8s.secretKeys.filter((k) => k.required).map((k) => k.key)),
        ...exitCodeLines(K8S_SECRET_EXIT),
        '',
        ...bashFragment('k8s-secret'),
      ],
    });
  }
}

/**
 * `scripts/k8s-deploy.sh ENV (--tag TAG | digests in the environment)`: deploys one
 * environment's manifests — namespace and config, the Secret's keys checked, a server-side
 * dry run of everything, the database, the migrate Job (waited for), then the workloads by
 * server-side apply, objects the model no longer renders pruned, every rollout waited for
 * and undone on failure. The deploy workflow runs it; so does a person. Logic:
 * projenrc/scripts/bash/k8s-deploy.bash.
 */
export class KubernetesDeployScript extends ShellScript {
  constructor(k8s: KubernetesStack, filePath = 'scripts/k8s-deploy.sh') {
    super(k8s, filePath, {
      description: [
        'Deploys the stack to a Kubernetes environment: config, Secret check, dry run, database, migrate Job, apps, rollout or undo.',
        `Usage: ${filePath} ENVIRONMENT [--tag TAG]   (--help lists options and exit codes)`,
      ].join('\n'),
      body: () => [DERIVED_HEADER, ...deployData(k8s), '', ...bashFragment('k8s-deploy')],
    });
  }
}

function deployData(k8s: KubernetesStack): string[] {
  const first = k8s.manifests[0];
  const base = (f: { path: string }) => f.path.split('/').pop()!;
  const objectsOf = (env: (typeof k8s.manifests)[number]) => env.files.flatMap((f) => f.objects)
    .filter((o) => PRUNED_KINDS.includes(o.kind))
    .map((o) => `${o.kind.toLowerCase()}/${o.metadata.name}`);
  return [
    `MANIFEST_DIR=${shellQuote(k8s.outdir)}`,
    `SECRET_NAME=${shellQuote(k8s.secretName)}`,
    `PART_OF=${shellQuote(k8s.stack.name)}`,
    bashMap('NAMESPACES', Object.fromEntries(k8s.environments.map((e) => [e.name, e.namespace]))),
    '# Files applied before anything else, the database (empty: external), the migrate Job.',
    bashArray('BASE_FILES', first?.phases.base.map(base) ?? []),
    `DATABASE_FILE=${shellQuote(first?.phases.database ? base(first.phases.database) : '')}`,
    `DATABASE_STATEFULSET=${shellQuote(k8s.inCluster ? k8s.database.service.name : '')}`,
    `MIGRATE_FILE=${shellQuote(first ? base(first.phases.migrate) : '')}`,
    `MIGRATE_JOB=${shellQuote(k8s.migrate.name)}`,
    bashArray('DEPLOYMENTS', k8s.workloads.map((w) => w.service.name)),
    '# Each image: the registry path, and the variable its digest fills in the manifests.',
    bashMap('IMAGE_REPOSITORY', Object.fromEntries(k8s.images.map((i) => [i.name, `${k8s.stack.imagePrefix}/${i.name}`]))),
    bashMap('DIGEST_VARIABLE', Object.fromEntries(k8s.images.map((i) => [i.name, imageDigestVariable(i)]))),
    bashArray('REQUIRED_SECRET_KEYS', k8s.secretKeys.filter((k) => k.required).map((k) => k.key)),
    `# Kinds the deploy prunes (objects labelled part-of=${k8s.stack.name} that the manifests no longer hold). Never a`,
    '# Namespace, StatefulSet or PersistentVolumeClaim: data is deleted by a person, on purpose.',
    bashArray('PRUNED_KINDS', PRUNED_KINDS.map((k) => k.toLowerCase())),
    bashMap('EXPECTED_OBJECTS', Object.fromEntries(k8s.manifests.map((m) => [m.environment.name, objectsOf(m).join(' ')]))),
    ...exitCodeLines(K8S_DEPLOY_EXIT),
  ];
}

const PRUNED_KINDS = ['Deployment', 'Service', 'ConfigMap', 'Job', 'Ingress', 'NetworkPolicy', 'PodDisruptionBudget', 'HorizontalPodAutoscaler'];
