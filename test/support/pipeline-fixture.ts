import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Component, Project } from 'projen';
import { GitHub, GithubWorkflow, workflows } from 'projen/lib/github';
import {
  Actions, DeployCheckScript, Deployment, Dockerfile, EdgeProxy, EnvTemplate, EnvVarProps, HttpCheck, PipelineSnapshot, PublishedPortProps,
  ShellScript, SnapshotContributor, SnapshotObject, SnapshotSection, Stack, StackCompose, StackSnapshot, commandHealthCheck,
  httpHealthCheck,
} from '../../projenrc';

/** Everything a golden case may change about the small stack; `baseKnobs()` is the base of every case. */
export interface Knobs {
  stackName: string;
  web: { port: number; user: string; extraBuildStep?: string; publish: PublishedPortProps; readsSecretToo: boolean };
  db: { base: string; volumeTarget: string; stopGraceSeconds: number };
  /** Declared on the stack and read by web. */
  variables: Record<string, EnvVarProps>;
  /** A fourth service, `worker`. */
  worker: boolean;
  workflow: {
    push: boolean;
    pullRequestTarget: boolean;
    permissions: Record<string, 'read' | 'write'>;
    inEnvironment: boolean;
    targets: string[];
    checkout: string;
    extraAction?: string;
    secrets: string[];
    releaseJob: boolean;
  };
  deploy: { httpChecks: Array<Omit<HttpCheck, 'service'>>; keepBackups: number; deployPath: string };
  /** StrictHostKeyChecking value of the ship script. */
  strictHostKeyChecking: string;
  /** Objects of a contributed section (a stand-in for Kubernetes manifests). */
  manifests: Record<string, SnapshotObject>;
}

export function baseKnobs(): Knobs {
  return {
    stackName: 'shop',
    web: { port: 3000, user: 'node', publish: { variable: 'WEB_PORT', defaultHostPort: 8080, hostIp: '127.0.0.1' }, readsSecretToo: false },
    db: { base: 'postgres:17-trixie', volumeTarget: '/var/lib/postgresql/data', stopGraceSeconds: 30 },
    variables: {
      SHOP_TITLE: { description: 'Title of the shop', default: 'Shop' },
      PAYMENT_KEY: { description: 'Payment provider key', required: true, secret: true },
    },
    worker: false,
    workflow: {
      push: false,
      pullRequestTarget: false,
      permissions: { contents: 'read', packages: 'read' },
      inEnvironment: true,
      targets: ['production', 'staging'],
      checkout: Actions.checkout.uses,
      secrets: ['SSH_HOST', 'SSH_KEY'],
      releaseJob: false,
    },
    deploy: {
      httpChecks: [{ label: 'web health', exitCode: 12 }, { label: 'web home', path: '/', exitCode: 13 }],
      keepBackups: 10,
      deployPath: 'shop',
    },
    strictHostKeyChecking: 'yes',
    manifests: {
      'Deployment/web': { replicas: 2, image: 'shop/web', spec: { type: 'ClusterIP' } },
    },
  };
}

const nodeRecipe = (k: Knobs) => (df: Dockerfile) => {
  const build = df.addStage('build', 'node:24-trixie-slim').workdir('/app').copy('src/', 'src/').run('npm ci');
  if (k.web.extraBuildStep) build.run(k.web.extraBuildStep);
  df.addStage('runtime', 'node:24-trixie-slim').copy('/app', '/app', { from: build }).user(k.web.user).expose(k.web.port)
    .cmd(['node', 'main.js']);
};

/** A renderer that contributes its own section, as the Kubernetes renderer would. */
class Manifests extends Component implements SnapshotContributor {
  public readonly snapshotSectionId = 'kubernetes';
  constructor(project: Project, private readonly objects: Record<string, SnapshotObject>) {
    super(project, 'Manifests');
  }

  public snapshotSection(): SnapshotSection {
    return {
      title: 'Kubernetes objects',
      objects: this.objects,
      rules: [{ field: 'spec.type', when: 'LoadBalancer', risk: 'security', reason: 'reachable from outside the cluster' }],
      removedRisk: { field: '', risk: 'attention', reason: 'the cluster keeps the object until it is pruned' },
    };
  }
}

let outdir: string | undefined;

/**
 * The snapshot of the small stack built from `k`: db (stateful, a volume) ← migrate ← web
 * (published), a deployment with checks, a deploy workflow, an SSH script and a contributed
 * section. Validation is not run, so a case can build what validation forbids today (a
 * root user, a secret default): the review must still flag it.
 */
export function fixtureSnapshot(k: Knobs): PipelineSnapshot {
  outdir ??= mkdtempSync(join(tmpdir(), 'pipeline-diff-fixture-'));
  const project = new Project({ name: 'shop', outdir });
  const github = new GitHub(project, { mergify: false, pullRequestLint: false });
  const stack = new Stack(project, 'Stack', { name: k.stackName, registry: { owner: 'acme', repository: 'shop' } });

  const variables = Object.fromEntries(Object.entries(k.variables).map(([name, props]) => [name, stack.addVariable(name, props)]));
  const dbUser = stack.addVariable('DB_USER', { description: 'database superuser', default: 'postgres' });
  const dbName = stack.addVariable('DB_NAME', { description: 'database name', default: 'shop' });
  const webImage = stack.addImage('web', { description: 'web', context: ['src'], port: k.web.port, healthCheck: httpHealthCheck('/health'), recipe: nodeRecipe(k) });
  const dbImage = stack.addImage('db', {
    description: 'db',
    context: ['db'],
    port: 5432,
    healthCheck: commandHealthCheck(['pg_isready']),
    recipe: (df, image) => {
      const stage = df.addStage('runtime', k.db.base).user('postgres');
      const hc = image.healthCheck;
      if (hc) {
        const { intervalSeconds, timeoutSeconds, startPeriodSeconds, retries } = hc;
        stage.healthCheck({ test: [...hc.command], intervalSeconds, timeoutSeconds, startPeriodSeconds, retries });
      }
      stage.cmd(['postgres']);
    },
  });
  const db = stack.addService('db', {
    description: 'database',
    image: dbImage,
    env: { POSTGRES_USER: dbUser, POSTGRES_DB: dbName },
    volumes: [{ volume: 'db-data', target: k.db.volumeTarget }],
    stopGracePeriodSeconds: k.db.stopGraceSeconds,
  });
  const migrate = stack.addService('migrate', {
    description: 'migrations',
    image: webImage,
    command: ['node', 'migrate.js'],
    oneShot: true,
    dependsOn: [{ service: db, condition: 'healthy' }],
    env: k.web.readsSecretToo && variables.PAYMENT_KEY ? { PAYMENT_KEY: variables.PAYMENT_KEY } : {},
  });
  const web = stack.addService('web', {
    description: 'web',
    image: webImage,
    publish: k.web.publish,
    public: { host: stack.addVariable('WEB_HOST', { description: 'public host of web', example: 'shop.example.com' }) },
    dependsOn: [{ service: migrate, condition: 'completed' }],
    env: { ...variables, DATABASE_URL: `postgres://${db.address}/shop` },
  });
  if (k.worker) stack.addService('worker', { description: 'worker', image: webImage, command: ['node', 'worker.js'], dependsOn: [{ service: db, condition: 'healthy' }] });

  const prodCompose = new StackCompose(stack, 'ComposeProd', { rendering: 'prod', description: 'prod' });
  const edge = new EdgeProxy(stack, 'Edge', { compose: prodCompose });
  new StackCompose(stack, 'ComposeDev', { rendering: 'dev', description: 'dev' });
  new EnvTemplate(stack, '.env.example', { rendering: 'dev', description: 'dev' });
  const envTemplate = new EnvTemplate(stack, '.env.production.example', { rendering: 'prod', description: 'prod' });
  const deployment = new Deployment(stack, 'Deployment', {
    compose: prodCompose,
    edge,
    envTemplate,
    database: { service: db, superuser: dbUser, name: dbName },
    migrate: { service: migrate, statusCommand: ['node', 'migrate.js', 'status'] },
    httpChecks: k.deploy.httpChecks.map((c) => ({ ...c, service: web })),
    containerChecks: [],
    keepBackups: k.deploy.keepBackups,
    deployPath: k.deploy.deployPath,
  });
  new DeployCheckScript(deployment);
  new ShellScript(stack, 'scripts/ship.sh', {
    description: 'Ships the release to the server.',
    body: () => [`ssh -o StrictHostKeyChecking=${k.strictHostKeyChecking} -o UserKnownHostsFile=known_hosts deploy@server true`],
  });

  const wf = new GithubWorkflow(github, 'deploy');
  wf.on({
    workflowDispatch: { inputs: { environment: { description: 'Where', required: true, type: 'choice', options: k.workflow.targets } } },
    ...(k.workflow.push ? { push: { branches: ['main'] } } : {}),
    ...(k.workflow.pullRequestTarget ? { pullRequestTarget: {} } : {}),
  });
  wf.file?.addOverride('permissions', { contents: 'read' });
  const perms = Object.fromEntries(Object.entries(k.workflow.permissions).map(([scope, level]) => [
    scope.replace(/-(\w)/g, (_, c: string) => c.toUpperCase()),
    level === 'write' ? workflows.JobPermission.WRITE : workflows.JobPermission.READ,
  ]));
  wf.addJob('deploy', {
    runsOn: ['ubuntu-latest'],
    permissions: perms,
    ...(k.workflow.inEnvironment ? { environment: '${{ inputs.environment }}' } : {}),
    steps: [
      { name: 'Check out', uses: k.workflow.checkout, with: { 'persist-credentials': false } },
      ...(k.workflow.extraAction ? [{ name: 'Extra', uses: k.workflow.extraAction }] : []),
      { name: 'Deploy', env: Object.fromEntries(k.workflow.secrets.map((s) => [s, `\${{ secrets.${s} }}`])), run: 'scripts/ship.sh' },
    ],
  });
  if (k.workflow.releaseJob) {
    wf.addJob('release', {
      runsOn: ['ubuntu-latest'],
      needs: ['deploy'],
      permissions: { contents: workflows.JobPermission.WRITE },
      steps: [{ name: 'Tag', run: 'git tag release && git push --tags' }],
    });
  }

  new Manifests(project, k.manifests);
  const snapshot = new StackSnapshot(stack);
  // Render as synth would, without its validation pass (Stack.preSynthesize).
  for (const c of project.components) if (!(c instanceof Stack)) c.preSynthesize();
  return snapshot.snapshot();
}
