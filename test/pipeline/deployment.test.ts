import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Project } from 'projen';
import { dialogstack } from '../../.projenrc';
import {
  DEPLOY_CHECK_EXIT, DEPLOY_EXIT, DeployCheckScript, DeployScript, Deployment, DeploymentProps, Dockerfile, Stack, envVar,
  httpHealthCheck,
} from '../../projenrc';
import { API_ROUTES } from '../../src/contract/src/routes';
import { REPO_ROOT, synthesizedFiles } from '../support/synth';

/** db (healthy) ← migrate (one-shot) ← web (published, reads WEB_TOKEN), worker (unpublished, health checked). */
function fixture(overrides: Partial<DeploymentProps> = {}) {
  const project = new Project({ name: 'fixture', outdir: mkdtempSync(join(tmpdir(), 'deploy-fixture-')) });
  const stack = new Stack(project, { name: 'fixture', registry: { owner: 'acme', repository: 'shop' } });
  const image = stack.addImage({
    name: 'app',
    description: 'app',
    context: ['src'],
    recipe: (df: Dockerfile) => { df.addStage('runtime', 'node:24-trixie-slim').user('node').cmd(['node', 'main.js']); },
  });
  const token = stack.variable(envVar('WEB_TOKEN', { description: 'token', required: true, secret: true }));
  const other = stack.variable(envVar('OTHER_TOKEN', { description: 'token', secret: true }));
  stack.addService('db', { description: 'db', image, healthCheck: httpHealthCheck(5432, '/'), environment: { PGUSER: 'app', PGDATABASE: 'app' } });
  stack.addService('migrate', { description: 'migrate', image, oneShot: true, dependsOn: [{ service: 'db', condition: 'service_healthy' }] });
  stack.addService('web', {
    description: 'web',
    image,
    port: 3000,
    publish: { variable: 'WEB_PORT', defaultHostPort: 3000 },
    healthCheck: httpHealthCheck(3000, '/health'),
    environment: { WEB_TOKEN: token },
  });
  stack.addService('worker', { description: 'worker', image, port: 8080, healthCheck: httpHealthCheck(8080, '/health'), environment: { OTHER_TOKEN: other } });
  stack.addService('demo', { description: 'demo', image, profiles: ['demo'], environments: ['dev'] });
  const deployment = new Deployment(stack, {
    composeFile: 'compose.prod.yml',
    envFile: '.env.production',
    database: { service: 'db', userVariable: 'PGUSER', dbVariable: 'PGDATABASE' },
    migrate: { service: 'migrate', statusCommand: ['node', 'migrate.js', 'status'] },
    httpChecks: [{ label: 'web stats', service: 'web', path: '/stats', bearerToken: token, exitCode: 12 }],
    containerChecks: [{ label: 'worker health', service: 'worker', exitCode: 13 }],
    ...overrides,
  });
  const check = new DeployCheckScript(deployment);
  new DeployScript(deployment, check);
  return { project, stack, deployment, token, other, synth: () => project.synth() };
}

describe('Deployment: what it derives from the stack', () => {
  const { deployment } = fixture();

  it('deploys every production service, checks the long-running ones, and knows the published ports', () => {
    expect(deployment.services.map((s) => s.name)).toEqual(['db', 'migrate', 'web', 'worker']);
    expect(deployment.longRunning.map((s) => s.name)).toEqual(['db', 'web', 'worker']);
    expect(deployment.endpoints).toEqual([{ service: 'web', variable: 'WEB_PORT', defaultPort: 3000 }]);
    expect(deployment.tokenVariables).toEqual(['WEB_TOKEN']);
  });

  it('accepts the valid fixture', () => {
    expect(() => fixture().synth()).not.toThrow();
  });
});

describe('Deployment validation at synth', () => {
  it.each<[string, (f: ReturnType<typeof fixture>) => Partial<DeploymentProps>, RegExp]>([
    ['an unknown migrate service', () => ({ migrate: { service: 'migrations', statusCommand: ['x'] } }),
      /Deployment: migrate names unknown service 'migrations'/],
    ['a migrate service that is not one-shot', () => ({ migrate: { service: 'web', statusCommand: ['x'] } }),
      /Deployment: migrate service 'web' is not a one-shot service/],
    ['a database service outside the production compose file', () => ({ database: { service: 'demo', userVariable: 'PGUSER', dbVariable: 'PGDATABASE' } }),
      /Deployment: database 'demo' is not in the production compose file/],
    ['database variables the service does not read', () => ({ database: { service: 'db', userVariable: 'POSTGRES_USER', dbVariable: 'PGDATABASE' } }),
      /Deployment: database service 'db' does not read POSTGRES_USER/],
    ['an HTTP check on a service without a published port', () => ({ httpChecks: [{ label: 'worker', service: 'worker', path: '/health', exitCode: 12 }] }),
      /HTTP check 'worker' targets 'worker', which publishes no port in production/],
    ['a bearer token the service does not read', (f) => ({ httpChecks: [{ label: 'web', service: 'web', path: '/', bearerToken: f.other, exitCode: 12 }] }),
      /HTTP check 'web' sends OTHER_TOKEN, which 'web' does not read/],
    ['a path without a leading slash', () => ({ httpChecks: [{ label: 'web', service: 'web', path: 'health', exitCode: 12 }] }),
      /HTTP check 'web' path 'health' must start with \//],
    ['a container check on a service without a health check', () => ({ containerChecks: [{ label: 'migrate', service: 'migrate', exitCode: 13 }] }),
      /container check 'migrate' needs a health check on 'migrate'/],
    ['an exit code deploy-check uses itself', () => ({ containerChecks: [{ label: 'worker', service: 'worker', exitCode: 10 }] }),
      /check 'worker' uses exit code 10; use 12-125/],
    ['a label with the field separator', () => ({ containerChecks: [{ label: 'a|b', service: 'worker', exitCode: 13 }] }),
      /check label 'a\|b' must not contain '\|'/],
  ])('rejects %s', (_, change, message) => {
    const base = fixture();
    const broken = fixture(change(base));
    expect(() => broken.synth()).toThrow(message);
  });
});

describe('the deployment of this repository', () => {
  const files = synthesizedFiles();
  const check = files['scripts/deploy-check.sh'];
  const deploy = files['scripts/deploy.sh'];

  it('checks the api at the paths of the API contract', () => {
    const paths = [...check.matchAll(/^ {2}'api [^|]*\|api\|([^|]+)\|/gm)].map((m) => m[1]);
    expect(new Set(paths)).toEqual(new Set([API_ROUTES.health, API_ROUTES.ready, API_ROUTES.stats]));
  });

  it('checks every long-running production service and pulls every production service', () => {
    expect(check).toContain('SERVICES=(postgres bot api frontend)');
    expect(deploy).toContain('PULL_SERVICES=(postgres migrate bot api frontend)');
    expect(deploy).toContain('MIGRATE_SERVICE=migrate');
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
