import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Project } from 'projen';
import { dialogstack } from '../../.projenrc';
import {
  BaseImages, DEPLOY_CHECK_EXIT, DEPLOY_EXIT, DeployCheckScript, DeployScript, Deployment, DeploymentProps, Dockerfile, EdgeProxy, EnvTemplate, Stack,
  StackCompose, envVar, httpHealthCheck,
} from '../../projenrc';
import { REPO_ROOT, synthesizedFiles } from '../support/synth';

/** db (healthy) ← migrate (one-shot) ← web (published, reads WEB_TOKEN), worker (unpublished, health checked). */
function stackFixture() {
  const project = new Project({ name: 'fixture', outdir: mkdtempSync(join(tmpdir(), 'deploy-fixture-')) });
  const stack = new Stack(project, 'Stack', { name: 'fixture', registry: { owner: 'acme', repository: 'shop' } });
  const image = stack.addImage('app', {
    description: 'app',
    context: ['src'],
    recipe: (df: Dockerfile) => { df.addStage('runtime', BaseImages.node).user('node').cmd(['node', 'main.js']); },
  });
  const token = stack.addVariable('WEB_TOKEN', { description: 'token', required: true, secret: true });
  const other = stack.addVariable('OTHER_TOKEN', { description: 'token', secret: true });
  const pgUser = envVar('PGUSER', { description: 'user', default: 'app' });
  const pgDatabase = envVar('PGDATABASE', { description: 'database', default: 'app' });
  const db = stack.addService('db', { description: 'db', image, port: 5432, healthCheck: httpHealthCheck('/'), env: { PGUSER: pgUser, PGDATABASE: pgDatabase } });
  const migrate = stack.addService('migrate', { description: 'migrate', image, oneShot: true, dependsOn: [{ service: db, condition: 'healthy' }] });
  const web = stack.addService('web', {
    description: 'web',
    image,
    port: 3000,
    publish: { variable: 'WEB_PORT', defaultHostPort: 3000, renderings: ['dev'] },
    public: { host: envVar('WEB_HOST', { description: 'public host of web', example: 'web.example.com' }) },
    healthCheck: httpHealthCheck('/health'),
    env: { WEB_TOKEN: token },
  });
  const worker = stack.addService('worker', { description: 'worker', image, port: 8080, healthCheck: httpHealthCheck('/health'), env: { OTHER_TOKEN: other } });
  const demo = stack.addService('demo', { description: 'demo', image, profiles: ['demo'], renderings: ['dev'] });
  const prod = new StackCompose(stack, 'ComposeProd', { rendering: 'prod', filePath: 'compose.prod.yml', description: 'prod' });
  const dev = new StackCompose(stack, 'ComposeDev', { rendering: 'dev', description: 'dev' });
  const edge = new EdgeProxy(stack, 'Edge', { compose: prod });
  const envTemplate = new EnvTemplate(stack, '.env.production.example', { rendering: 'prod', description: 'prod' });
  return { project, stack, prod, dev, edge, envTemplate, token, other, pgUser, pgDatabase, db, migrate, web, worker, demo };
}

type Parts = ReturnType<typeof stackFixture>;

function fixture(change: (f: Parts) => Partial<DeploymentProps> = () => ({})) {
  const parts = stackFixture();
  const { stack, prod, edge, envTemplate, db, pgUser, pgDatabase, migrate, web, worker, token } = parts;
  const deployment = new Deployment(stack, 'Deployment', {
    compose: prod,
    edge,
    envTemplate,
    database: { service: db, superuser: pgUser, name: pgDatabase },
    migrate: { service: migrate, statusCommand: ['node', 'migrate.js', 'status'] },
    httpChecks: [{ label: 'web stats', service: web, path: '/stats', bearerToken: token, exitCode: 12 }],
    containerChecks: [{ label: 'worker health', service: worker, exitCode: 13 }],
    ...change(parts),
  });
  const check = new DeployCheckScript(deployment);
  new DeployScript(deployment, 'scripts/deploy.sh', { check });
  return { ...parts, deployment, synth: () => parts.project.synth() };
}

describe('Deployment: what it derives from the stack', () => {
  const { deployment, web } = fixture();

  it('deploys every production service, checks the long-running ones and the proxy, and knows the public hosts', () => {
    expect(deployment.services.map((s) => s.name)).toEqual(['db', 'migrate', 'web', 'worker']);
    expect(deployment.longRunning.map((s) => s.name)).toEqual(['db', 'web', 'worker']);
    expect(deployment.checkedServices).toEqual(['db', 'web', 'worker', 'proxy']);
    // An app deploy never touches the database.
    expect(deployment.switchedServices).toEqual(['migrate', 'web', 'worker', 'proxy']);
    expect(deployment.taggedServices).toEqual(['web', 'worker']);
    expect(deployment.endpoints).toEqual([{ service: web, hostVariable: 'WEB_HOST' }]);
    expect(deployment.tokenVariables).toEqual(['WEB_TOKEN']);
  });

  it('takes an HTTP check\'s path from the service\'s health check when it names none', () => {
    const { deployment: d } = fixture((f) => ({ httpChecks: [{ label: 'web health', service: f.web, exitCode: 12 }] }));
    expect(d.httpChecks.map((c) => [c.path, c.expectStatus])).toEqual([['/health', 200]]);
  });

  it('accepts the valid fixture', () => {
    expect(() => fixture().synth()).not.toThrow();
  });
});

describe('Deployment validation at synth', () => {
  it.each<[string, (f: Parts) => Partial<DeploymentProps>, RegExp]>([
    ['the dev rendering', (f) => ({ compose: f.dev }),
      /Stack\/Deployment: deploys the dev rendering; deploy the prod one/],
    ['a migrate service outside the production compose file', (f) => ({ migrate: { service: f.demo, statusCommand: ['x'] } }),
      /Stack\/Deployment: migrate service 'demo' is not in the production compose file/],
    ['a migrate service that is not one-shot', (f) => ({ migrate: { service: f.web, statusCommand: ['x'] } }),
      /Stack\/Deployment: migrate service 'web' is not a one-shot service/],
    ['a database service outside the production compose file', (f) => ({ database: { service: f.demo, superuser: f.pgUser, name: f.pgDatabase } }),
      /Stack\/Deployment: database service 'demo' is not in the production compose file/],
    ['database variables the service does not read', (f) => ({ database: { service: f.db, superuser: f.token, name: f.pgDatabase } }),
      /Stack\/Deployment: database service 'db' does not read WEB_TOKEN/],
    ['an HTTP check on a service that is not public', (f) => ({ httpChecks: [{ label: 'worker', service: f.worker, path: '/health', exitCode: 12 }] }),
      /HTTP check 'worker' targets 'worker', which is not public/],
    ['a bearer token the service does not read', (f) => ({ httpChecks: [{ label: 'web', service: f.web, path: '/', bearerToken: f.other, exitCode: 12 }] }),
      /HTTP check 'web' sends OTHER_TOKEN, which 'web' does not read/],
    ['a path without a leading slash', (f) => ({ httpChecks: [{ label: 'web', service: f.web, path: 'health', exitCode: 12 }] }),
      /HTTP check 'web' path 'health' must start with \//],
    ['a container check on a service without a health check', (f) => ({ containerChecks: [{ label: 'migrate', service: f.migrate, exitCode: 13 }] }),
      /container check 'migrate' needs a health check on 'migrate'/],
    ['an exit code deploy-check uses itself', (f) => ({ containerChecks: [{ label: 'worker', service: f.worker, exitCode: 10 }] }),
      /check 'worker' uses exit code 10; use 12-125/],
    ['a zero-downtime service that is not public', (f) => ({ zeroDowntime: [f.worker] }),
      /zero-downtime service 'worker' is not public/],
    ['a zero-downtime database', (f) => ({ zeroDowntime: [f.db] }),
      /zero-downtime service 'db' is not public[\s\S]*zero-downtime service 'db' cannot run twice side by side/],
    ['a conditional zero-downtime service that is not public', (f) => ({ zeroDowntimeWhenSet: [{ service: f.worker, variable: f.other }] }),
      /zero-downtime service 'worker' is not public/],
    ['a conditional zero-downtime service on a variable it does not read', (f) => ({ zeroDowntimeWhenSet: [{ service: f.web, variable: f.other }] }),
      /zero-downtime service 'web' depends on OTHER_TOKEN, which 'web' does not read/],
    ['a label with the field separator', (f) => ({ containerChecks: [{ label: 'a|b', service: f.worker, exitCode: 13 }] }),
      /check label 'a\|b' must not contain '\|'/],
  ])('rejects %s', (_, change, message) => {
    expect(() => fixture(change).synth()).toThrow(message);
  });
});

describe('the deployment of this repository', () => {
  const files = synthesizedFiles();
  const check = files['scripts/deploy-check.sh'];
  const deploy = files['scripts/deploy.sh'];

  it('checks every long-running production service and the proxy, pulls every production service, switches all but the database', () => {
    expect(check).toContain('SERVICES=(postgres bot api frontend backup proxy)');
    expect(check).toContain('TAGGED_SERVICES=(bot api frontend backup)');
    expect(check).toContain('declare -A HOST_VARIABLE=([bot]=API_HOST [api]=API_HOST [frontend]=DASHBOARD_HOST)');
    expect(deploy).toContain('PULL_SERVICES=(postgres migrate bot api frontend backup)');
    // api and dashboard side by side; the long-polling bot is stopped before its successor starts.
    expect(deploy).toContain('ROLLING_SERVICES=(api frontend)');
    // The bot too, but only in webhook mode: polling twice is a 409.
    expect(deploy).toContain("ROLLING_WHEN_SET=('bot|TELEGRAM_WEBHOOK_URL')");
    expect(deploy).toContain('MIGRATE_SERVICE=migrate');
    // Run again at the new tag and waited for by exit code: `up --wait` cannot wait for a one-shot
    // alone, and in webhook mode no service of the same call depends on it (the bot is rolled).
    expect(deploy).toContain('ONE_SHOT_SERVICES=(migrate)');
    expect(deploy).toMatch(/\{ complete "\$at" "\$\{one_shots\[@\]\}" \|\| exit 1; \} &/);
  });

  it('never takes the stack down, removes volumes or prunes', () => {
    for (const script of ['scripts/deploy.sh', 'scripts/deploy-check.sh', 'scripts/remote-deploy.sh']) {
      const code = files[script].split('\n').filter((l) => !l.trim().startsWith('#')).join('\n');
      expect({ script, down: /\bcompose\b[^\n]*\bdown\b|compose_at "[^"]*" down/.test(code) }).toEqual({ script, down: false });
      expect({ script, prune: /\bprune\b/.test(code) }).toEqual({ script, prune: false });
      expect({ script, volumes: /--volumes|volume rm|\brm -v\b/.test(code) }).toEqual({ script, volumes: false });
    }
  });
});

describe('deploy documentation', () => {
  const guide = readFileSync(join(REPO_ROOT, 'devops/doc/guides/manual-deploy.md'), 'utf8');
  const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');

  it('lists every exit code of deploy.sh with its meaning, and every code of deploy-check.sh', () => {
    for (const c of Object.values(DEPLOY_EXIT)) expect(guide).toContain(`| ${c.code} | ${c.meaning} |`);
    const project = dialogstack({ outdir: mkdtempSync(join(tmpdir(), 'deploy-doc-')) });
    const deployment = project.components.find((c): c is Deployment => c instanceof Deployment)!;
    const codes = [...Object.values(DEPLOY_CHECK_EXIT).map((c) => c.code), ...deployment.checkExitCodes.map((c) => c.code)];
    for (const code of codes) expect(guide).toMatch(new RegExp(`^\\| ${code} \\| `, 'm'));
  });

  it('has a Deploy button in the README that opens the deploy workflow', () => {
    expect(readme).toMatch(/\[!\[Deploy\]\([^)]+\)\]\(https:\/\/github\.com\/dialogstack\/dialogstack\/actions\/workflows\/deploy\.yml\)/);
    expect(synthesizedFiles()['.github/workflows/deploy.yml']).toBeDefined();
  });
});
