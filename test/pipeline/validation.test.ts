import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Project } from 'projen';
import { Dockerfile, Image, ServiceProps, Stack, envVar, httpHealthCheck } from '../../projenrc';

/** A small, valid stack: db (healthy) ← migrate (one-shot) ← web. Each test breaks one thing. */
function fixture() {
  const project = new Project({ name: 'fixture', outdir: mkdtempSync(join(tmpdir(), 'stack-fixture-')) });
  const stack = new Stack(project, { name: 'fixture', registry: { owner: 'acme', repository: 'shop' } });
  const nodeRecipe = (df: Dockerfile) => {
    df.addStage('runtime', 'node:24-trixie-slim').user('node').cmd(['node', 'main.js']);
  };
  const image = stack.addImage({ name: 'web', description: 'web', context: ['src'], recipe: nodeRecipe });
  const password = stack.variable(envVar('DB_PASSWORD', { description: 'db password', required: true, secret: true }));
  const base: Record<string, ServiceProps> = {
    db: { description: 'database', image, healthCheck: httpHealthCheck(5432, '/'), environment: { DB_PASSWORD: password } },
    migrate: { description: 'migrations', image, oneShot: true, dependsOn: [{ service: 'db', condition: 'service_healthy' }] },
    web: {
      description: 'web',
      image,
      port: 3000,
      publish: { variable: 'WEB_PORT', defaultHostPort: 3000 },
      dependsOn: [{ service: 'migrate', condition: 'service_completed_successfully' }],
      environment: { DATABASE_URL: 'postgres://app:${DB_PASSWORD}@db/app' },
    },
  };
  const synth = (overrides: Record<string, Partial<ServiceProps>> = {}, extra: (s: Stack, i: Image) => void = () => {}) => {
    for (const [name, props] of Object.entries(base)) stack.addService(name, { ...props, ...overrides[name] } as ServiceProps);
    extra(stack, image);
    project.synth();
  };
  return { synth };
}

describe('stack validation at synth', () => {
  it('accepts the valid fixture', () => {
    expect(() => fixture().synth()).not.toThrow();
  });

  it.each<[string, Record<string, Partial<ServiceProps>>, RegExp]>([
    ['an unknown depends_on target',
      { web: { dependsOn: [{ service: 'redis', condition: 'service_started' }] } },
      /Service 'web': depends_on names unknown service 'redis'/],
    ['service_healthy on a service without a health check',
      { web: { dependsOn: [{ service: 'migrate', condition: 'service_healthy' }] } },
      /Service 'web': waits for 'migrate' to be service_healthy, but 'migrate' has no health check/],
    ['service_completed_successfully on a long-running service',
      { web: { dependsOn: [{ service: 'db', condition: 'service_completed_successfully' }] } },
      /Service 'web': waits for 'db' to complete, but 'db' is not a one-shot service/],
    ['a variable read but not declared',
      { web: { environment: { DATABASE_URL: 'postgres://app:${DB_PASWORD}@db/app' } } },
      /Service 'web': DATABASE_URL reads variable 'DB_PASWORD', which is not declared/],
    ['a one-shot service that restarts',
      { migrate: { restart: 'unless-stopped' } },
      /Service 'migrate': is one-shot but has restart 'unless-stopped'/],
    ['a dependency cycle',
      { db: { dependsOn: [{ service: 'web', condition: 'service_started' }] } },
      /depends_on forms a cycle: .*db -> .*web/],
  ])('rejects %s', (_, overrides, message) => {
    expect(() => fixture().synth(overrides)).toThrow(message);
  });

  it('rejects two services on one host port', () => {
    expect(() => fixture().synth({ db: { port: 5432, publish: { variable: 'DB_PORT', defaultHostPort: 3000 } } }))
      .toThrow(/Service 'web': host port 3000 is already published by 'db'/);
  });

  it('rejects a secret with a default value', () => {
    expect(() => fixture().synth({}, (stack) => {
      stack.variable(envVar('API_TOKEN', { description: 'token', secret: true, default: 'changeme' }));
    })).toThrow(/Variable 'API_TOKEN': is secret and must not have a default value/);
  });

  it('rejects a production service whose image no workflow publishes', () => {
    expect(() => fixture().synth({}, (stack) => {
      const local = stack.addImage({
        name: 'fake',
        description: 'fake',
        context: ['x'],
        published: false,
        recipe: (df) => { df.addStage('runtime', 'node:24-trixie-slim').user('node').cmd(['node']); },
      });
      stack.addService('fake', { description: 'fake', image: local });
    })).toThrow(/Service 'fake': is in the production compose file but image 'fake' is not published/);
  });

  it('reports every problem at once, not only the first', () => {
    let message = '';
    try {
      fixture().synth({ web: { dependsOn: [{ service: 'redis', condition: 'service_started' }], environment: { X: '${NOPE}' } } });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/unknown service 'redis'/);
    expect(message).toMatch(/variable 'NOPE'/);
  });
});

describe('Dockerfile validation at synth', () => {
  const stackWith = (recipe: (df: Dockerfile) => void) => () => {
    const project = new Project({ name: 'fixture', outdir: mkdtempSync(join(tmpdir(), 'df-fixture-')) });
    const stack = new Stack(project, { name: 'fixture', registry: { owner: 'acme', repository: 'shop' } });
    stack.addImage({ name: 'x', description: 'x', context: ['src'], recipe });
    project.synth();
  };

  it('rejects a final stage that runs as root', () => {
    expect(stackWith((df) => { df.addStage('runtime', 'node:24-trixie-slim').cmd(['node']); }))
      .toThrow(/Dockerfile 'devops\/Dockerfile.x': final stage 'runtime' must switch to a non-root USER/);
  });

  it('rejects COPY --from a stage that does not exist (yet)', () => {
    expect(stackWith((df) => {
      df.addStage('runtime', 'node:24-trixie-slim').copy('/app', '/app', { from: 'build' }).user('node').cmd(['node']);
      df.addStage('build', 'node:24-trixie-slim');
    })).toThrow(/stage 'runtime' copies from 'build', which is not an earlier stage/);
  });

  it('rejects an unpinned or latest base image', () => {
    expect(stackWith((df) => { df.addStage('runtime', 'node:latest').user('node').cmd(['node']); }))
      .toThrow(/base image 'node:latest' without a pinned tag/);
    expect(stackWith((df) => { df.addStage('runtime', 'node').user('node').cmd(['node']); }))
      .toThrow(/base image 'node' without a pinned tag/);
  });
});
