import { API_ROUTES } from '@dialogstack/contract';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PublishedImage, publishImages } from '../scripts/publish-images';
import { ComposeProject, freePort, requireDocker, run } from './support/docker';
import { DEMO_ENV_FILE, FAKE_SERVICES, writeFakesOverride } from './support/fakes';
import { testStackEnv } from './support/stack-env';

const REGISTRY = process.env.E2E_REGISTRY ?? '127.0.0.1:5000';

/**
 * D1 proved locally: what build.yml does (build the four images, tag them by the shared
 * scheme, push) against a local registry, then docker-compose.prod.yml pulls exactly those
 * tags from it and comes up healthy.
 */
describe('publish images and run docker-compose.prod.yml from the registry', () => {
  const sha = execFileSync('git', ['rev-parse', 'HEAD'], { encoding: 'utf8' }).trim();
  const branch = `e2e/publish-${process.pid}`;
  let published: PublishedImage[];
  let stack: ComposeProject;
  let apiUrl: string;
  let frontendUrl: string;

  beforeAll(async () => {
    requireDocker();
    const ping = await fetch(`http://${REGISTRY}/v2/`).catch(() => undefined);
    if (!ping?.ok) throw new Error(`No registry at ${REGISTRY} (set E2E_REGISTRY, or run offline-docker.sh registry)`);
    published = publishImages({ registry: REGISTRY, ref: `refs/heads/${branch}`, sha, defaultBranch: 'main', log: () => {} });
  }, 30 * 60_000);

  afterAll(async () => {
    await stack?.down();
  }, 120_000);

  it('pushes every image the build workflow builds, under sha- and branch- tags', async () => {
    expect(published.map((p) => p.image).sort()).toEqual(['api', 'bot', 'frontend', 'postgres']);
    for (const p of published) {
      expect(p.tags).toEqual([`sha-${sha.slice(0, 7)}`, `branch-e2e-publish-${process.pid}`]);
      const res = await fetch(`http://${REGISTRY}/v2/${p.repository.slice(REGISTRY.length + 1)}/tags/list`);
      const { tags } = await res.json() as { tags: string[] };
      expect(tags).toEqual(expect.arrayContaining(p.tags));
    }
  });

  it('runs the production compose file from exactly those tags, healthy', async () => {
    const tag = `branch-e2e-publish-${process.pid}`;
    // Forget the local copies so compose must pull them from the registry.
    await run('docker', ['image', 'rm', ...published.flatMap((p) => p.tags.map((t) => `${p.repository}:${t}`))]);

    const ports = { api: await freePort(), frontend: await freePort(), postgres: await freePort() };
    const env = { ...testStackEnv(ports), IMAGE_PREFIX: `${REGISTRY}/dialogstack/dialogstack`, IMAGE_TAG: tag };
    const envFile = join(mkdtempSync(join(tmpdir(), 'prod-env-')), '.env.production');
    writeFileSync(envFile, Object.entries(env).map(([k, v]) => `${k}=${v}`).join('\n'));
    stack = new ComposeProject(`dialogstack-publish-${process.pid}`, ['docker-compose.prod.yml', writeFakesOverride()], {},
      { envFiles: [envFile, DEMO_ENV_FILE] });
    apiUrl = `http://127.0.0.1:${ports.api}`;
    frontendUrl = `http://127.0.0.1:${ports.frontend}`;

    await stack.compose(['pull', '--quiet', 'postgres', 'migrate', 'bot', 'api', 'frontend']);
    await stack.compose(['build', ...FAKE_SERVICES]);
    try {
      await stack.compose(['up', '--detach', '--wait', '--wait-timeout', '240']);
    } catch (err) {
      throw new Error(`${(err as Error).message}\n--- logs ---\n${await stack.logs()}`);
    }

    const states = await stack.ps();
    for (const s of states.filter((x) => x.Service !== 'migrate')) {
      expect({ service: s.Service, health: s.Health }).toEqual({ service: s.Service, health: 'healthy' });
    }
    for (const service of ['postgres', 'bot', 'api', 'frontend']) {
      const image = (await stack.compose(['images', '--format', 'json', service])).trim();
      expect(image).toContain(`${REGISTRY}/dialogstack/dialogstack/`);
      expect(image).toContain(tag);
    }
    expect((await fetch(`${apiUrl}${API_ROUTES.ready}`)).status).toBe(200);
    expect((await fetch(`${frontendUrl}/api/health`)).status).toBe(200);
  }, 20 * 60_000);
});
