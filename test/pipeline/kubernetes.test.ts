import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Project, Testing } from 'projen';
import { parse, parseAllDocuments } from 'yaml';
import {
  BaseImages, Dockerfile, KubernetesEnvironmentProps, KubernetesObject, KubernetesStack, POLICY_RULES, PolicyContext, Service, ServiceProps, Stack,
  StackCompose, StackSnapshot, WorkloadProps, diffSnapshots, envVar, httpHealthCheck, policyProblems,
} from '../../projenrc';
import { httpCheckTarget } from '../../projenrc/health-check';
import { manifestFacts, manifestRules } from '../../projenrc/k8s/manifest-facts';
import { schemaProblems } from '../../projenrc/k8s/manifest-schema';
import { RenderCache } from '../../projenrc/k8s/render-cache';
import { synthesizedFiles } from '../support/synth';

const files = synthesizedFiles();
const manifestPaths = Object.keys(files).filter((f) => f.startsWith('devops/k8s/') && f.endsWith('.yaml'));
const objectsOf = (text: string) => parseAllDocuments(text).map((d) => d.toJS() as KubernetesObject).filter(Boolean);

describe('the synthesized manifests', () => {
  it('cover both environments, one file per component', () => {
    expect(manifestPaths.filter((p) => p.startsWith('devops/k8s/production/')).map((p) => p.split('/').pop()).sort()).toEqual([
      '00-namespace.yaml', '10-config.yaml', '20-postgres.yaml', '30-migrate.yaml', '40-api.yaml', '40-bot.yaml', '40-frontend.yaml', '90-ingress.yaml',
    ]);
    expect(manifestPaths.some((p) => p.startsWith('devops/k8s/staging/'))).toBe(true);
  });

  it.each(manifestPaths)('%s is valid against the Kubernetes 1.33 OpenAPI schemas', (path) => {
    const objects = objectsOf(files[path]);
    expect(objects.length).toBeGreaterThan(0);
    expect(objects.flatMap(schemaProblems)).toEqual([]);
  });

  it('pass every policy rule (the same check runs at synth)', () => {
    const secrets = new Set(['POSTGRES_PASSWORD', 'DB_OWNER_PASSWORD', 'DB_WRITER_PASSWORD', 'DB_READER_PASSWORD', 'TELEGRAM_BOT_TOKEN', 'TELEGRAM_WEBHOOK_SECRET', 'LLM_API_KEY', 'API_TOKEN', 'DASHBOARD_PASSWORD', 'SESSION_SECRET']);
    const all = manifestPaths.flatMap((p) => objectsOf(files[p]));
    expect(policyProblems(all, { secretKeys: new Map([['dialogstack-secrets', secrets]]) })).toEqual([]);
  });

  it('give api and dashboard two ready copies at all times, the webhook bot two, migrate a Job', () => {
    const prod = (name: string) => objectsOf(files[`devops/k8s/production/${name}`]);
    const deployment = (name: string) => prod(`40-${name}.yaml`).find((o) => o.kind === 'Deployment') as any;
    for (const name of ['api', 'frontend', 'bot']) {
      expect(deployment(name).spec.strategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } });
      expect(prod(`40-${name}.yaml`).map((o) => o.kind)).toContain('PodDisruptionBudget');
    }
    expect(prod('40-api.yaml').find((o) => o.kind === 'HorizontalPodAutoscaler')).toMatchObject({ spec: { minReplicas: 2, maxReplicas: 6 } });
    expect(deployment('bot').spec.replicas).toBe(2);
    expect(deployment('api').spec.replicas).toBeUndefined(); // the autoscaler owns it
    expect(deployment('api').spec.template.spec.containers[0].readinessProbe.httpGet.path).toBe('/api/v1/ready');
    expect(deployment('frontend').spec.template.spec.containers[0].volumeMounts).toEqual([{ mountPath: '/app/src/frontend/.next/cache', name: 'app-src-frontend-next-cache' }]);
    expect(prod('30-migrate.yaml').map((o) => o.kind)).toEqual(['Job']);
    expect(prod('10-config.yaml')[0]).toMatchObject({ data: { TELEGRAM_WEBHOOK_URL: 'https://api.example.com/telegram/webhook', SESSION_COOKIE_SECURE: 'true' } });
  });

  it('let postgres be reached only by migrate, bot and api, and the api only by the dashboard and the ingress controller', () => {
    const policy = (file: string, name: string) => objectsOf(files[`devops/k8s/production/${file}`]).find((o) => o.kind === 'NetworkPolicy' && o.metadata.name === name) as any;
    const sources = (p: any) => p.spec.ingress.flatMap((r: any) => r.from.map((f: any) => f.podSelector.matchLabels['app.kubernetes.io/name']));
    expect(sources(policy('20-postgres.yaml', 'postgres-ingress')).sort()).toEqual(['api', 'bot', 'migrate']);
    expect(sources(policy('40-api.yaml', 'api-ingress')).sort()).toEqual(['frontend', 'ingress-nginx']);
    expect(policy('00-namespace.yaml', 'default-deny-ingress').spec).toMatchObject({ podSelector: {}, policyTypes: expect.arrayContaining(['Ingress']) });
  });

  it('differ between environments in namespace, replicas, hosts and issuer only where the model says so', () => {
    const staging = objectsOf(files['devops/k8s/staging/90-ingress.yaml'])[0] as any;
    expect(staging.metadata.namespace).toBe('dialogstack-staging');
    expect(staging.metadata.annotations['cert-manager.io/cluster-issuer']).toBe('letsencrypt-staging');
    expect(staging.spec.rules.map((r: any) => [r.host, r.http.paths.map((p: any) => `${p.path} → ${p.backend.service.name}`)])).toEqual([
      ['api.staging.example.com', ['/ → api', '/telegram/ → bot']],
      ['dashboard.staging.example.com', ['/ → frontend']],
    ]);
    expect(objectsOf(files['devops/k8s/staging/40-bot.yaml']).map((o) => o.kind)).not.toContain('PodDisruptionBudget'); // one copy: a budget would block drains
  });
});

describe('schema validation', () => {
  const deployment = (): any => JSON.parse(JSON.stringify(objectsOf(files['devops/k8s/production/40-api.yaml']).find((o) => o.kind === 'Deployment')));

  it('rejects a field of the wrong type, naming the object and the field', () => {
    const d = deployment();
    d.spec.template.spec.containers[0].ports[0].containerPort = 'four thousand';
    expect(schemaProblems(d)).toContain('Deployment/api: /spec/template/spec/containers/0/ports/0/containerPort must be integer');
  });

  it('rejects a kind the pinned API does not have', () => {
    expect(schemaProblems({ apiVersion: 'apps/v1', kind: 'Deploymnt', metadata: { name: 'x' } })).toEqual(['Deploymnt/x: apps/v1 Deploymnt is not a kind of the Kubernetes API']);
  });
});

describe('policy rules, each with a failing example', () => {
  const base = (): any => JSON.parse(JSON.stringify(objectsOf(files['devops/k8s/production/40-api.yaml']).find((o) => o.kind === 'Deployment')));
  const context: PolicyContext = { secretKeys: new Map([['dialogstack-secrets', new Set(['DB_READER_PASSWORD', 'API_TOKEN'])]]) };
  const container = (d: any) => d.spec.template.spec.containers[0];

  it('accepts the rendered api Deployment', () => {
    expect(policyProblems([base()], context)).toEqual([]);
  });

  it.each<[keyof typeof POLICY_RULES, (d: any) => void, string]>([
    ['probesPresent', (d) => { delete container(d).readinessProbe; }, "Deployment/api: container 'api' has no readinessProbe"],
    ['resourcesSet', (d) => { delete container(d).resources.requests; }, "Deployment/api: container 'api' has no resources requests.cpu, requests.memory"],
    ['nonRoot', (d) => { d.spec.template.spec.securityContext.runAsUser = 0; delete container(d).securityContext.runAsUser; }, "Deployment/api: container 'api' does not run as a numeric non-root runAsUser"],
    ['nonRoot', (d) => { container(d).securityContext.readOnlyRootFilesystem = false; }, "Deployment/api: container 'api' has a writable root filesystem"],
    ['pinnedImages', (d) => { container(d).image = 'ghcr.io/dialogstack/dialogstack/api:latest'; }, "runs 'ghcr.io/dialogstack/dialogstack/api:latest' by the floating tag latest"],
    ['pinnedImages', (d) => { container(d).image = 'ghcr.io/dialogstack/dialogstack/api:sha-1a2b3c4'; }, 'by a tag, which can move'],
    ['noHostAccess', (d) => { d.spec.template.spec.hostNetwork = true; }, 'Deployment/api sets hostNetwork'],
    ['noHostAccess', (d) => { d.spec.template.spec.volumes = [{ name: 'docker', hostPath: { path: '/var/run/docker.sock' } }]; }, "Deployment/api mounts hostPath volume 'docker'"],
    ['secretKeysExist', (d) => { container(d).env.find((e: any) => e.name === 'API_TOKEN').valueFrom.secretKeyRef.key = 'API_TOKEN_OLD'; }, "reads API_TOKEN from key 'API_TOKEN_OLD' of Secret 'dialogstack-secrets', which the model does not declare"],
    ['stableApis', (d) => { d.apiVersion = 'apps/v1beta2'; }, 'Deployment/api uses apps/v1beta2, a pre-release API'],
  ])('%s: rejects a broken Deployment', (rule, breakIt, message) => {
    const d = base();
    breakIt(d);
    const problems = POLICY_RULES[rule]([d], context);
    expect(problems.join('\n')).toContain(message);
    // The rule under test is what fails: the other rules still pass.
    expect(policyProblems([d], context).filter((p) => !problems.includes(p))).toEqual([]);
  });
});

// ---------------------------------------------------------------- the model: errors name the construct, one change lands everywhere

const nodeRecipe = (df: Dockerfile) => {
  df.addStage('runtime', BaseImages.node).user('node').cmd(['node', 'main.js']);
};

interface FixtureOptions {
  readonly webPort?: number;
  readonly healthPath?: string;
  readonly webEnv?: ServiceProps['env'];
  readonly web?: Partial<ServiceProps>;
  readonly workload?: Partial<WorkloadProps>;
  readonly environment?: Partial<KubernetesEnvironmentProps>;
  readonly extraService?: boolean;
  /** Why the extra service is not on Kubernetes (leftOut), when it is not. */
  readonly extraLeftOut?: string;
  readonly database?: 'in-cluster' | 'external';
  readonly webPublished?: boolean;
  readonly storageGi?: number;
}

/** db ← migrate ← web (public on WEB_HOST), rendered into a prod compose file and Kubernetes manifests. */
function fixture(o: FixtureOptions = {}) {
  const project = new Project({ name: 'fixture', outdir: mkdtempSync(join(tmpdir(), 'k8s-fixture-')) });
  const stack = new Stack(project, 'Stack', { name: 'shop', registry: { owner: 'acme', repository: 'shop' } });
  const image = stack.addImage('web', { description: 'web', context: ['src'], published: o.webPublished, port: o.webPort ?? 3000, uid: 1000, healthCheck: httpHealthCheck(o.healthPath ?? '/health'), recipe: nodeRecipe });
  const dbImage = stack.addImage('db', { description: 'db', context: ['db'], port: 5432, uid: 999, healthCheck: httpHealthCheck('/'), recipe: nodeRecipe });
  const password = stack.addVariable('DB_PASSWORD', { description: 'db password', required: true, secret: true });
  const host = envVar('WEB_HOST', { description: 'public host', example: 'shop.example.com' });
  const db = stack.addService('db', { description: 'database', image: dbImage, env: { DB_PASSWORD: password }, volumes: [{ volume: 'data', target: '/data' }], resources: { memoryMb: 256, cpus: 1 } });
  const migrate = stack.addService('migrate', { description: 'migrations', image, oneShot: true, env: { DATABASE_URL: `postgres://app:\${DB_PASSWORD}@${db.address}/app` }, resources: { memoryMb: 128, cpus: 0.5 } });
  const web: Service = stack.addService('web', {
    description: 'web',
    image,
    public: { host },
    env: { DATABASE_URL: `postgres://app:\${DB_PASSWORD}@${db.address}/app`, PORT: String(o.webPort ?? 3000), ...o.webEnv },
    resources: { memoryMb: 256, cpus: 1 },
    ...o.web,
  });
  const worker = o.extraService || o.extraLeftOut !== undefined
    ? stack.addService('worker', { description: 'worker', image, healthCheck: httpHealthCheck('/'), resources: { memoryMb: 64, cpus: 0.1 } })
    : undefined;
  new StackCompose(stack, 'ComposeProd', { rendering: 'prod', description: 'prod' });
  new KubernetesStack(stack, 'Kubernetes', {
    database: { service: db, mode: o.database ?? 'in-cluster', storageGi: o.storageGi },
    migrate,
    workloads: [{ service: web, ...o.workload }],
    leftOut: worker && o.extraLeftOut !== undefined ? [{ service: worker, reason: o.extraLeftOut }] : undefined,
    ingress: { clusterIssuer: 'letsencrypt' },
    environments: [{ name: 'production', values: [[host, 'shop.example.com']], ...o.environment }],
  });
  return { project, stack, host, web };
}

function synth(o: FixtureOptions = {}): Record<string, string> {
  const { project } = fixture(o);
  return Object.fromEntries(Object.entries(Testing.synth(project, { parseJson: false })).map(([k, v]) => [k, String(v)]));
}

function problemsOf(o: FixtureOptions): string {
  try {
    synth(o);
  } catch (err) {
    return (err as Error).message;
  }
  return '';
}

describe('Kubernetes model validation at synth', () => {
  it('accepts the fixture', () => {
    expect(problemsOf({})).toBe('');
  });

  it.each<[string, FixtureOptions, RegExp]>([
    ['a long-polling workload with two replicas', { workload: { replicas: 2, intake: { kind: 'polling' } } },
      /Stack\/Kubernetes: workload 'web' takes its work by long polling, which allows one consumer; it has 2 replicas/],
    ['a route host with no value in an environment', { environment: { values: [] } },
      /Stack\/Kubernetes: environment 'production': 'web' is public on WEB_HOST, which has no value here/],
    ['a host that is not a DNS name', { environment: { values: [[envVar('WEB_HOST', { description: 'h' }), 'shop_example']] } },
      /Stack\/Kubernetes: environment 'production': WEB_HOST 'shop_example' is not a DNS name/],
    ['a host in upper case', { environment: { values: [[envVar('WEB_HOST', { description: 'h' }), 'Shop.example.com']] } },
      /Stack\/Kubernetes: environment 'production': WEB_HOST 'Shop.example.com' must be lower case/],
    ['a secret value in the model', { environment: { values: [[envVar('WEB_HOST', { description: 'h' }), 'shop.example.com'], [envVar('DB_PASSWORD', { description: 'p', secret: true }), 'hunter2']] } },
      /Stack\/Kubernetes: environment 'production' sets secret DB_PASSWORD; secrets go in the Secret, never in the model/],
    ['a production service without a workload', { extraService: true },
      /Stack\/Kubernetes: service 'worker' runs in production but has no Kubernetes workload \(or a reason in leftOut\)/],
    ['a service left out without a reason', { extraLeftOut: ' ' },
      /Stack\/Kubernetes: service 'worker' is left out without a reason/],
    ['an autoscaler below the replicas', { workload: { replicas: 3, maxReplicas: 2 } },
      /Stack\/Kubernetes: workload 'web' scales to at most 2, fewer than its 3 replicas/],
    ['an image the build workflow does not publish', { webPublished: false },
      /Stack\/Kubernetes: image 'web' runs on Kubernetes but the build workflow does not publish it/],
    ['a webhook intake whose route names no URL variable', { workload: { intake: { kind: 'webhook', path: '/hook' } } },
      /Stack\/Kubernetes: workload 'web' takes its work by webhook but its public route names no URL variable/],
  ])('rejects %s, naming the construct', (_, options, message) => {
    expect(problemsOf(options)).toMatch(message);
  });

  it('accepts a production service left out with a reason, and renders nothing for it', () => {
    const out = synth({ extraLeftOut: 'the cluster does its job its own way' });
    expect(Object.keys(out).filter((f) => f.includes('worker'))).toEqual([]);
  });

  it('rejects a public service without a health check, naming the service', () => {
    const project = new Project({ name: 'p', outdir: mkdtempSync(join(tmpdir(), 'k8s-public-')) });
    const stack = new Stack(project, 'Stack', { name: 'p', registry: { owner: 'a', repository: 'b' } });
    const image = stack.addImage('web', { description: 'w', context: ['x'], port: 3000, recipe: nodeRecipe });
    stack.addService('web', { description: 'w', image, public: { host: envVar('WEB_HOST', { description: 'h' }) } });
    expect(() => project.synth()).toThrow(/Stack\/web: is public but has no health check/);
  });

  it('rejects two replicas of a long-polling workload set by an environment', () => {
    const { project, web } = fixture({ workload: { intake: { kind: 'polling' } } });
    const k8s = project.node.findAll().find((c): c is KubernetesStack => c instanceof KubernetesStack)!;
    (k8s.environments[0].replicas as Map<Service, number>).set(web, 2);
    expect(() => project.synth()).toThrow(/environment 'production': workload 'web' takes its work by long polling, which allows one consumer; it has 2 replicas here/);
  });

  it('renders a long-polling workload as one copy, Recreate, no budget, no autoscaler, no route', () => {
    const out = synth({ workload: { intake: { kind: 'polling' } } });
    const web = objectsOf(out['devops/k8s/production/40-web.yaml']);
    expect(web.map((x) => x.kind)).toEqual(['Deployment', 'Service']);
    expect((web[0] as any).spec).toMatchObject({ replicas: 1, strategy: { type: 'Recreate' } });
    expect(out['devops/k8s/production/90-ingress.yaml']).toBeUndefined();
  });
});

describe('the database switch', () => {
  it('external: no StatefulSet, and each service reads its whole connection URL from its own Secret key', () => {
    const out = synth({ database: 'external' });
    expect(Object.keys(out).filter((f) => f.startsWith('devops/k8s/production/')).sort()).toEqual([
      'devops/k8s/production/00-namespace.yaml', 'devops/k8s/production/10-config.yaml', 'devops/k8s/production/30-migrate.yaml',
      'devops/k8s/production/40-web.yaml', 'devops/k8s/production/90-ingress.yaml',
    ]);
    const env = (objectsOf(out['devops/k8s/production/40-web.yaml'])[0] as any).spec.template.spec.containers[0].env;
    expect(env.find((e: any) => e.name === 'DATABASE_URL')).toEqual({ name: 'DATABASE_URL', valueFrom: { secretKeyRef: { key: 'WEB_DATABASE_URL', name: 'shop-secrets' } } });
    expect(env.map((e: any) => e.name)).not.toContain('DB_PASSWORD'); // the URL carries it
    const k8s = fixture({ database: 'external' }).project.node.findAll().find((c): c is KubernetesStack => c instanceof KubernetesStack)!;
    expect(k8s.secretKeys.map((k) => k.key)).toEqual(['MIGRATE_DATABASE_URL', 'WEB_DATABASE_URL']);
  });

  it('in-cluster: a StatefulSet whose volume claim and PGDATA subdirectory come from the service', () => {
    const db = objectsOf(synth()['devops/k8s/production/20-db.yaml']).find((o) => o.kind === 'StatefulSet') as any;
    expect(db.spec.volumeClaimTemplates[0]).toMatchObject({ metadata: { name: 'data' }, spec: { resources: { requests: { storage: '10Gi' } } } });
    expect(db.spec.template.spec.containers[0].env).toContainEqual({ name: 'PGDATA', value: '/data/pgdata' });
  });
});

describe('one model change lands in compose and Kubernetes together', () => {
  const compose = (out: Record<string, string>) => parse(out['docker-compose.prod.yml']).services.web;
  const web = (out: Record<string, string>) => objectsOf(out['devops/k8s/production/40-web.yaml']).find((o) => o.kind === 'Deployment') as any;
  const service = (out: Record<string, string>) => objectsOf(out['devops/k8s/production/40-web.yaml']).find((o) => o.kind === 'Service') as any;

  it('a port', () => {
    const out = synth({ webPort: 3100 });
    expect(httpCheckTarget(compose(out).healthcheck.test.slice(1))).toEqual({ port: 3100, path: '/health' });
    expect(compose(out).environment.PORT).toBe('3100');
    expect(web(out).spec.template.spec.containers[0].ports).toEqual([{ containerPort: 3100, name: 'http' }]);
    expect(web(out).spec.template.spec.containers[0].livenessProbe.httpGet.port).toBe(3100);
    expect(service(out).spec.ports[0]).toMatchObject({ port: 3100, targetPort: 3100 });
  });

  it('a variable', () => {
    const featureFlag = envVar('FEATURE_FLAG', { description: 'a flag', default: 'on' });
    const apiKey = envVar('PAYMENT_KEY', { description: 'a key', required: true, secret: true });
    const out = synth({ webEnv: { FEATURE_FLAG: featureFlag, PAYMENT_KEY: apiKey } });
    expect(compose(out).environment).toMatchObject({ FEATURE_FLAG: '${FEATURE_FLAG:-on}', PAYMENT_KEY: '${PAYMENT_KEY:?set PAYMENT_KEY in .env.production}' });
    expect(objectsOf(out['devops/k8s/production/10-config.yaml'])[0]).toMatchObject({ data: { FEATURE_FLAG: 'on' } });
    const env = web(out).spec.template.spec.containers[0].env;
    expect(env).toContainEqual({ name: 'FEATURE_FLAG', valueFrom: { configMapKeyRef: { key: 'FEATURE_FLAG', name: 'shop-config', optional: false } } });
    expect(env).toContainEqual({ name: 'PAYMENT_KEY', valueFrom: { secretKeyRef: { key: 'PAYMENT_KEY', name: 'shop-secrets', optional: false } } });
    const k8s = fixture({ webEnv: { PAYMENT_KEY: apiKey } }).project.node.findAll().find((c): c is KubernetesStack => c instanceof KubernetesStack)!;
    expect(k8s.secretKeys.map((k) => k.key)).toEqual(['DB_PASSWORD', 'PAYMENT_KEY']);
  });

  it('a health check', () => {
    const out = synth({ healthPath: '/livez' });
    expect(httpCheckTarget(compose(out).healthcheck.test.slice(1))).toEqual({ port: 3000, path: '/livez' });
    const c = web(out).spec.template.spec.containers[0];
    expect([c.startupProbe.httpGet.path, c.livenessProbe.httpGet.path, c.readinessProbe.httpGet.path]).toEqual(['/livez', '/livez', '/livez']);
  });
});

describe('the pipeline review (npx projen pipeline-diff) reads the manifests', () => {
  /** The diff of the fixture's Kubernetes section between the base options and the head's, by object and field. */
  function k8sChanges(base: FixtureOptions, head: FixtureOptions) {
    const snapshotOf = (o: FixtureOptions) => {
      const { project, stack } = fixture(o);
      const snapshot = new StackSnapshot(stack);
      Testing.synth(project, { parseJson: false });
      return snapshot.snapshot();
    };
    const diff = diffSnapshots(snapshotOf(base), snapshotOf(head));
    return diff.sections.find((s) => s.id === 'kubernetes')?.changes ?? [];
  }
  const at = (changes: ReturnType<typeof k8sChanges>, subject: string, field: string) =>
    changes.find((c) => c.subject === subject && c.field === field);

  it('a port: the container, its probes, the Service and the policy\'s port, each in its words, none security-relevant', () => {
    const changes = k8sChanges({}, { webPort: 3100 });
    expect(at(changes, 'production: Deployment/web', 'containers.web.ports')).toMatchObject({ before: ['3000/http'], after: ['3100/http'], risk: 'safe' });
    expect(at(changes, 'production: Deployment/web', 'containers.web.readiness')).toMatchObject({
      before: 'GET :3000/health every 1s, timeout 3s, 3 failures', after: 'GET :3100/health every 1s, timeout 3s, 3 failures',
    });
    expect(at(changes, 'production: Service/web', 'ports')).toMatchObject({ before: ['3000 → 3000'], after: ['3100 → 3100'] });
    expect(at(changes, 'production: NetworkPolicy/web-ingress', 'ports')).toMatchObject({ before: ['3000/TCP'], after: ['3100/TCP'], risk: 'safe' });
    expect(changes.map((c) => c.risk)).not.toContain('security');
  });

  it('a new way in is security-relevant: a public route added, a host changed', () => {
    const added = k8sChanges({ workload: { intake: { kind: 'polling' } } }, {});
    expect(added.find((c) => c.subject === 'production: Ingress/shop')).toMatchObject({
      change: 'added', risk: 'security', why: 'what the internet reaches through the ingress changes',
    });
    const moved = k8sChanges({}, { environment: { values: [[envVar('WEB_HOST', { description: 'h' }), 'shop2.example.com']] } });
    expect(at(moved, 'production: Ingress/shop', 'routes')).toMatchObject({ before: ['shop.example.com/ → web'], after: ['shop2.example.com/ → web'], risk: 'security' });
  });

  it('a risk that appears in a pod is security-relevant; the same safe facts on a new pod are not', () => {
    const api = objectsOf(files['devops/k8s/production/40-api.yaml']).find((o) => o.kind === 'Deployment')!;
    const risky = JSON.parse(JSON.stringify(api));
    const container = risky.spec.template.spec.containers[0];
    container.securityContext.readOnlyRootFilesystem = false;
    container.securityContext.capabilities = { add: ['NET_ADMIN'] };
    delete container.securityContext.runAsNonRoot;
    delete risky.spec.template.spec.securityContext.runAsNonRoot;
    const snapshot = (objects: Record<string, KubernetesObject>) => {
      const facts = Object.fromEntries(Object.entries(objects).map(([k, o]) => [k, manifestFacts(o)]));
      return {
        format: 1,
        stack: {},
        services: {},
        variables: {},
        images: {},
        workflows: {},
        deploy: {},
        scripts: {},
        sections: { kubernetes: { title: 'Kubernetes objects', objects: facts, rules: manifestRules(Object.values(facts)) } },
      };
    };
    const changed = diffSnapshots(snapshot({ api }), snapshot({ api: risky })).sections.flatMap((x) => x.changes);
    expect(Object.fromEntries(changed.map((c) => [c.field, [c.risk, c.why]]))).toEqual({
      'runsAsRoot': ['security', 'nothing stops the process from running as root'],
      'user': ['safe', undefined],
      'containers.api.user': ['safe', undefined],
      'containers.api.runsAsRoot': ['security', 'nothing stops the process from running as root'],
      'containers.api.capabilities': ['security', 'the container\'s Linux capabilities change'],
      'containers.api.writableRootFilesystem': ['security', 'the process may change its own image'],
    });
    const added = diffSnapshots(snapshot({}), snapshot({ api })).sections.flatMap((x) => x.changes);
    expect(added).toEqual([expect.objectContaining({ subject: 'api', change: 'added', risk: 'safe' })]);
  });

  it('a bigger database volume needs a person: claims cannot change in place', () => {
    const changes = k8sChanges({}, { storageGi: 20 });
    expect(at(changes, 'production: StatefulSet/db', 'storage')).toMatchObject({
      before: ['data: 10Gi ReadWriteOnce'], after: ['data: 20Gi ReadWriteOnce'], risk: 'attention', why: expect.stringContaining('--cascade=orphan'),
    });
    // A new StatefulSet has nothing to change in place.
    expect(k8sChanges({ database: 'external' }, {}).find((c) => c.subject === 'production: StatefulSet/db')).toMatchObject({ change: 'added', risk: 'safe' });
  });

  it('an object the model no longer renders is pruned by the next deploy, which a reviewer is told', () => {
    const changes = k8sChanges({ database: 'in-cluster' }, { database: 'external' });
    expect(changes.find((c) => c.subject === 'production: StatefulSet/db')).toMatchObject({
      change: 'removed', risk: 'attention', why: expect.stringContaining('a Namespace, StatefulSet or volume stays until a person deletes it'),
    });
  });
});

describe('the Kubernetes guide and README', () => {
  const guide = readFileSync(join(__dirname, '../../devops/doc/guides/kubernetes.md'), 'utf8');
  const readme = readFileSync(join(__dirname, '../../README.md'), 'utf8');

  it('show a kubectl create secret command with exactly the model\'s keys', () => {
    const keys = /^SECRET_KEYS=\((.*)\)$/m.exec(files['scripts/k8s-secret.sh'])![1].split(' ');
    const command = guide.slice(guide.indexOf('kubectl create secret generic dialogstack-secrets'));
    const shown = [...command.slice(0, command.indexOf('```')).matchAll(/--from-literal=([A-Z_]+)=/g)].map((m) => m[1]);
    expect(shown).toEqual(keys);
  });

  it('has a Kubernetes section in the README with the apply command and a link to the guide', () => {
    expect(readme).toMatch(/## Kubernetes[\s\S]*scripts\/k8s-deploy\.sh production[\s\S]*devops\/doc\/guides\/kubernetes\.md/);
  });
});

describe('the render cache (npx projen reuses the manifests of unchanged sources)', () => {
  function setup() {
    const root = mkdtempSync(join(tmpdir(), 'render-cache-'));
    mkdirSync(join(root, 'node_modules', 'pkg'), { recursive: true });
    mkdirSync(join(root, 'charts'));
    writeFileSync(join(root, 'node_modules', 'pkg', 'package.json'), '{"version":"1.0.0"}');
    writeFileSync(join(root, 'charts', 'chart.ts'), 'export const x = 1;');
    const cache = () => new RenderCache<string[]>({ root, name: 'test', chartDir: join(root, 'charts'), packages: ['pkg'], enabled: true });
    return { root, cache };
  }

  it('renders once, then reuses the rendering while the sources and package versions stay the same', () => {
    const { root, cache } = setup();
    const render = jest.fn(() => ['rendered']);
    expect(cache().get(render)).toEqual(['rendered']);
    expect(cache().get(render)).toEqual(['rendered']);
    expect(render).toHaveBeenCalledTimes(1);
    writeFileSync(join(root, 'charts', 'chart.ts'), 'export const x = 2;');
    expect(cache().get(render)).toEqual(['rendered']);
    expect(render).toHaveBeenCalledTimes(2);
    writeFileSync(join(root, 'node_modules', 'pkg', 'package.json'), '{"version":"1.0.1"}');
    cache().get(render);
    expect(render).toHaveBeenCalledTimes(3);
  });

  it('is off outside npx projen itself (tests, scripts and other models always render)', () => {
    const { root } = setup();
    const render = jest.fn(() => ['x']);
    for (let i = 0; i < 2; i++) new RenderCache<string[]>({ root, name: 'test', chartDir: join(root, 'charts'), packages: ['pkg'] }).get(render);
    expect(render).toHaveBeenCalledTimes(2);
  });
});
