import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Project } from 'projen';
import {
  BaseImages, Deployment, Dockerfile, EdgeProxy, EnvTemplate, Image, SERVICE_METRICS_PORT, Service, ServiceProps, Stack, StackCompose, baseImage,
  envVar,
  httpHealthCheck,
} from '../../projenrc';

const nodeRecipe = (df: Dockerfile) => {
  df.addStage('runtime', BaseImages.node).user('node').cmd(['node', 'main.js']);
};

/** A small, valid stack: db (healthy) ← migrate (one-shot) ← web. Each test breaks one thing. */
function fixture() {
  const project = new Project({ name: 'fixture', outdir: mkdtempSync(join(tmpdir(), 'stack-fixture-')) });
  const stack = new Stack(project, 'Stack', { name: 'fixture', registry: { owner: 'acme', repository: 'shop' } });
  const image = stack.addImage('web', { description: 'web', context: ['src'], port: 3000, recipe: nodeRecipe });
  const password = stack.addVariable('DB_PASSWORD', { description: 'db password', required: true, secret: true });
  type Overrides = Partial<Record<'db' | 'migrate' | 'web', (s: Record<string, Service>) => Partial<ServiceProps>>>;
  const synth = (overrides: Overrides = {}, extra: (s: Stack, services: Record<string, Service>, i: Image) => void = () => {}) => {
    const services: Record<string, Service> = {};
    const add = (name: 'db' | 'migrate' | 'web', props: ServiceProps) => {
      services[name] = stack.addService(name, { ...props, ...overrides[name]?.(services) });
    };
    add('db', { description: 'database', image, port: 5432, healthCheck: httpHealthCheck('/'), env: { DB_PASSWORD: password } });
    add('migrate', { description: 'migrations', image, oneShot: true, dependsOn: [{ service: services.db, condition: 'healthy' }] });
    add('web', {
      description: 'web',
      image,
      publish: { variable: 'WEB_PORT', defaultHostPort: 3000 },
      dependsOn: [{ service: services.migrate, condition: 'completed' }],
      env: { DATABASE_URL: 'postgres://app:${DB_PASSWORD}@db/app' },
    });
    extra(stack, services, image);
    project.synth();
  };
  return { synth };
}

function problemsOf(run: () => void): string {
  try {
    run();
  } catch (err) {
    return (err as Error).message;
  }
  return '';
}

describe('stack validation at synth', () => {
  it('accepts the valid fixture', () => {
    expect(() => fixture().synth()).not.toThrow();
  });

  it.each<[string, Parameters<ReturnType<typeof fixture>['synth']>[0], RegExp]>([
    ['healthy on a service without a health check',
      { web: (s) => ({ dependsOn: [{ service: s.migrate, condition: 'healthy' }] }) },
      /Stack\/web: waits for 'migrate' to be healthy, but 'migrate' has no health check/],
    ['completed on a long-running service',
      { web: (s) => ({ dependsOn: [{ service: s.db, condition: 'completed' }] }) },
      /Stack\/web: waits for 'db' to complete, but 'db' is not a one-shot service/],
    ['a variable read but not declared',
      { web: () => ({ env: { DATABASE_URL: 'postgres://app:${DB_PASWORD}@db/app' } }) },
      /Stack\/web: DATABASE_URL reads variable 'DB_PASWORD', which is not declared/],
    ['a one-shot service that restarts',
      { migrate: () => ({ restart: 'unless-stopped' }) },
      /Stack\/migrate: is one-shot but has restart 'unless-stopped'/],
    ['an HTTP health check without a port',
      { migrate: () => ({ healthCheck: httpHealthCheck('/health') }) },
      /Stack\/migrate: has an HTTP health check but no port/],
    ['an HTTP health check path the check could not send as is',
      { web: () => ({ healthCheck: httpHealthCheck("/health'; reboot") }) },
      /Stack\/web: has an HTTP health check path '\/health'; reboot' that is not a plain path/],
  ])('rejects %s', (_, overrides, message) => {
    expect(() => fixture().synth(overrides)).toThrow(message);
  });

  it('rejects a dependency on a service of another stack', () => {
    const project = new Project({ name: 'other', outdir: mkdtempSync(join(tmpdir(), 'stack-other-')) });
    const other = new Stack(project, 'Other', { name: 'other', registry: { owner: 'acme', repository: 'other' } });
    const foreign = other.addService('cache', { description: 'cache', image: other.addImage('cache', { description: 'c', context: ['x'], recipe: nodeRecipe }) });
    expect(() => fixture().synth({ web: () => ({ dependsOn: [{ service: foreign, condition: 'started' }] }) }))
      .toThrow(/Stack\/web: depends on 'cache', a service of another stack/);
  });

  it('rejects two services on one host port', () => {
    expect(() => fixture().synth({ db: () => ({ publish: { variable: 'DB_PORT', defaultHostPort: 3000 } }) }))
      .toThrow(/Stack: service 'web' publishes host port 3000, which 'db' already publishes/);
  });

  it('rejects a secret with a default value, declared by the stack or by a service', () => {
    expect(() => fixture().synth({}, (stack) => {
      stack.addVariable('API_TOKEN', { description: 'token', secret: true, default: 'changeme' });
    })).toThrow(/Stack: variable 'API_TOKEN' is secret and must not have a default value/);
    expect(() => fixture().synth({ web: () => ({ env: { TOKEN: envVar('TOKEN', { description: 't', secret: true, default: 'x' }) } }) }))
      .toThrow(/Stack\/web: variable 'TOKEN' is secret and must not have a default value/);
  });

  it('rejects a production service whose image no workflow publishes', () => {
    expect(() => fixture().synth({}, (stack) => {
      const local = stack.addImage('fake', { description: 'fake', context: ['x'], published: false, recipe: nodeRecipe });
      stack.addService('fake', { description: 'fake', image: local });
    })).toThrow(/Stack\/fake: is in the production compose file but image 'fake' is not published/);
  });

  it('rejects metrics served on the service port (it is published and proxied; metrics must not be)', () => {
    expect(() => fixture().synth({}, (stack) => {
      stack.addImage('leaky', { description: 'x', context: ['x'], port: 8080, metrics: { port: 8080 }, published: false, recipe: nodeRecipe });
    })).toThrow(/Stack\/Images\/leaky: serves metrics on its service port 8080; give metrics a port of their own/);
    expect(() => fixture().synth({}, (stack) => {
      const image = stack.addImage('metered', { description: 'x', context: ['x'], port: 8080, metrics: { port: 9464 }, recipe: nodeRecipe });
      stack.addService('metered', { description: 'x', image, port: 9464 });
    })).toThrow(/Stack\/metered: serves metrics on its service port 9464/);
  });

  it('rejects SERVICE_METRICS_PORT in a service without a metrics endpoint', () => {
    expect(() => fixture().synth({ web: () => ({ env: { METRICS_PORT: SERVICE_METRICS_PORT } }) }))
      .toThrow(/Stack\/web: reads SERVICE_METRICS_PORT but has no metrics endpoint/);
  });

  it('reports every problem of every construct in one error, each with its construct path', () => {
    const message = problemsOf(() => fixture().synth({ web: () => ({ env: { X: '${NOPE}' } }) }, (stack, s) => {
      const prod = new StackCompose(stack, 'ComposeProd', { rendering: 'prod', description: 'prod' });
      const envTemplate = new EnvTemplate(stack, '.env.production.example', { rendering: 'prod', description: 'prod' });
      new Deployment(stack, 'Deployment', {
        compose: prod,
        edge: new EdgeProxy(stack, 'Edge', { compose: prod }),
        envTemplate,
        database: { service: s.db, superuser: envVar('PGUSER', { description: 'u' }), name: envVar('PGDATABASE', { description: 'd' }) },
        migrate: { service: s.migrate, statusCommand: ['x'] },
        httpChecks: [{ label: 'web', service: s.web, path: 'no-slash', exitCode: 12 }],
        containerChecks: [],
      });
      stack.addImage('rooted', { description: 'runs as root', context: ['x'], published: false, recipe: (df) => { df.addStage('runtime', BaseImages.node).cmd(['node']); } });
    }));
    expect(message.split('\n').slice(1)).toEqual(expect.arrayContaining([
      "  - Stack/web: X reads variable 'NOPE', which is not declared",
      "  - Stack/Deployment: HTTP check 'web' path 'no-slash' must start with /",
      "  - Stack/Deployment: database service 'db' does not read PGUSER",
      "  - Stack/Images/rooted/devops/Dockerfile.rooted: final stage 'runtime' must switch to a non-root USER",
    ]));
  });
});

describe('edge proxy validation at synth', () => {
  const host = (example: string) => envVar('WEB_HOST', { description: 'public host', example });

  it('rejects a public service without a health check, naming the service', () => {
    expect(() => fixture().synth({ web: () => ({ public: { host: host('web.example.com') } }) }, (stack) => {
      new EdgeProxy(stack, 'Edge', { compose: new StackCompose(stack, 'ComposeProd', { rendering: 'prod', description: 'prod' }) });
    })).toThrow(/Stack\/web: is public but has no health check/);
  });

  it('rejects a public host that is not a DNS name', () => {
    expect(() => fixture().synth({ web: () => ({ public: { host: host('not a host') }, healthCheck: httpHealthCheck('/health') }) }))
      .toThrow(/Stack\/web: public host variable WEB_HOST has example 'not a host', which is not a valid DNS name/);
  });

  it('rejects an edge with nothing public, and one in front of the dev rendering', () => {
    expect(() => fixture().synth({}, (stack) => {
      new EdgeProxy(stack, 'Edge', { compose: new StackCompose(stack, 'ComposeDev', { rendering: 'dev', description: 'dev' }) });
    })).toThrow(/Stack\/Edge: fronts the dev rendering; the edge belongs to the prod one[\s\S]*Stack\/Edge: has no public service to serve/);
  });
});

describe('Dockerfile validation at synth', () => {
  const stackWith = (recipe: (df: Dockerfile) => void) => () => {
    const project = new Project({ name: 'fixture', outdir: mkdtempSync(join(tmpdir(), 'df-fixture-')) });
    const stack = new Stack(project, 'Stack', { name: 'fixture', registry: { owner: 'acme', repository: 'shop' } });
    stack.addImage('x', { description: 'x', context: ['src'], recipe });
    project.synth();
  };

  it('rejects a final stage that runs as root', () => {
    expect(stackWith((df) => { df.addStage('runtime', BaseImages.node).cmd(['node']); }))
      .toThrow(/Stack\/Images\/x\/devops\/Dockerfile.x: final stage 'runtime' must switch to a non-root USER/);
  });

  it('rejects COPY --from a stage that does not exist (yet)', () => {
    expect(stackWith((df) => {
      df.addStage('runtime', BaseImages.node).copy('/app', '/app', { from: 'build' }).user('node').cmd(['node']);
      df.addStage('build', BaseImages.node);
    })).toThrow(/stage 'runtime' copies from 'build', which is not an earlier stage/);
  });

  it('rejects a base image without a tag and a digest, or pinned to latest', () => {
    expect(stackWith((df) => { df.addStage('runtime', 'node:latest').user('node').cmd(['node']); }))
      .toThrow(/Stack\/Images\/x\/devops\/Dockerfile.x: stage 'runtime' uses base image 'node:latest' without a tag and a digest/);
    expect(stackWith((df) => { df.addStage('runtime', 'node').user('node').cmd(['node']); }))
      .toThrow(/base image 'node' without a tag and a digest/);
    expect(stackWith((df) => { df.addStage('runtime', 'node:24-trixie-slim').user('node').cmd(['node']); }))
      .toThrow(/base image 'node:24-trixie-slim' without a tag and a digest \(pin it as name:tag@sha256:<digest>\)/);
    const digest = `sha256:${'a'.repeat(64)}`;
    expect(stackWith((df) => { df.addStage('runtime', `node:latest@${digest}`).user('node').cmd(['node']); }))
      .toThrow(/name a release tag, not latest/);
    expect(stackWith((df) => { df.addStage('runtime', { arg: 'NODE_IMAGE', default: 'node:24' }).user('node').cmd(['node']); }))
      .toThrow(/base image 'node:24' without a tag and a digest/);
  });

  it('rejects one base image argument with two defaults', () => {
    const digest = (c: string) => `sha256:${c.repeat(64)}`;
    expect(stackWith((df) => {
      df.addStage('build', { arg: 'NODE_IMAGE', default: `node:24-trixie-slim@${digest('a')}` });
      df.addStage('runtime', { arg: 'NODE_IMAGE', default: `node:24-trixie-slim@${digest('b')}` }).user('node').cmd(['node']);
    })).toThrow(/base image argument NODE_IMAGE has two defaults/);
  });

  it('rejects a base image reference that is not pinned, at declaration', () => {
    expect(() => baseImage('node:24-trixie-slim', 'NODE_IMAGE')).toThrow(/must be pinned as name:tag@sha256:<64 hex>/);
    expect(baseImage(`node:24-trixie-slim@sha256:${'c'.repeat(64)}`, 'NODE_IMAGE')).toMatchObject({ repository: 'node', tag: '24-trixie-slim', tagged: 'node:24-trixie-slim' });
  });
});
