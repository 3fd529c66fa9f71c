import { API_ROUTES } from '@dialogstack/contract';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PublishedImage, publishImages, stackModel } from '../scripts/publish-images';
import { ComposeProject, freePort, REPO_ROOT, requireDocker, run } from './support/docker';
import { Edge, apiVia, dashboardVia, edgeEnv, edgeOf } from './support/edge';
import { DEMO_ENV_FILE, FAKE_SERVICES, writeFakesOverride } from './support/fakes';
import { testStackEnv } from './support/stack-env';

const REGISTRY = process.env.E2E_REGISTRY ?? '127.0.0.1:5000';

/** `docker buildx imagetools inspect` of a reference, with a Go template (JSON out). */
function inspect(ref: string, format?: string): any {
  const out = execFileSync('docker', ['buildx', 'imagetools', 'inspect', ref, ...(format ? ['--format', format] : ['--raw'])], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return JSON.parse(out);
}

/** The images the build workflow publishes, as the model declares them. */
const PUBLISHED_IMAGES = stackModel().publishedImages.map((i) => i.name).sort();

/**
 * The purl of an image's runtime base, as its synthesized Dockerfile names it: the last
 * `FROM ${X_IMAGE}` and that argument's default (`name:tag@sha256:…`; tests build on the
 * stand-ins' `name:tag`).
 */
function runtimeBasePurl(image: string): string {
  const dockerfile = readFileSync(join(REPO_ROOT, 'devops', `Dockerfile.${image}`), 'utf8');
  const arg = [...dockerfile.matchAll(/^FROM (?:--platform=\S+ )?\$\{(\w+)\}/gm)].pop()?.[1];
  const reference = arg && new RegExp(`^ARG ${arg}=([^@\\s]+)`, 'm').exec(dockerfile)?.[1];
  if (!reference) throw new Error(`devops/Dockerfile.${image}: no runtime base image found`);
  const [name, tag] = reference.split(':');
  return `pkg:docker/${name}@${tag}`;
}

/** Packages an SPDX document lists, as purls. */
const purls = (spdx: any): string[] => (spdx.packages ?? []).flatMap((p: any) => (p.externalRefs ?? []).map((r: any) => r.referenceLocator));

/**
 * D1 proved locally: what build.yml does (build the four images, tag them by the shared
 * scheme, push them with provenance and SBOM attestations) against a local registry, then
 * docker-compose.prod.yml pulls exactly those tags from it and comes up healthy.
 */
describe('publish images and run docker-compose.prod.yml from the registry', () => {
  const sha = execFileSync('git', ['rev-parse', 'HEAD'], { encoding: 'utf8' }).trim();
  const branch = `e2e/publish-${process.pid}`;
  let published: PublishedImage[];
  let stack: ComposeProject;
  let edge: Edge;

  beforeAll(async () => {
    requireDocker();
    const ping = await fetch(`http://${REGISTRY}/v2/`).catch(() => undefined);
    if (!ping?.ok) throw new Error(`No registry at ${REGISTRY} (set E2E_REGISTRY, or run offline-docker.sh registry)`);
    // make publish attests; so does this test (on an engine that cannot, in the attesting builder).
    published = publishImages({ registry: REGISTRY, ref: `refs/heads/${branch}`, sha, defaultBranch: 'main', attest: true, log: () => {} });
  }, 45 * 60_000);

  afterAll(async () => {
    await stack?.down();
  }, 120_000);

  it('pushes every image the build workflow builds, under sha- and branch- tags', async () => {
    expect(published.map((p) => p.image).sort()).toEqual(PUBLISHED_IMAGES);
    for (const p of published) {
      expect(p.tags).toEqual([`sha-${sha.slice(0, 7)}`, `branch-e2e-publish-${process.pid}`]);
      const res = await fetch(`http://${REGISTRY}/v2/${p.repository.slice(REGISTRY.length + 1)}/tags/list`);
      const { tags } = await res.json() as { tags: string[] };
      expect(tags).toEqual(expect.arrayContaining(p.tags));
    }
  });

  it('pushes each tag as an image index whose attestation manifest belongs to the image', () => {
    for (const p of published) {
      const ref = `${p.repository}:${p.tags[0]}`;
      const index = inspect(ref);
      expect({ ref, mediaType: index.mediaType }).toEqual({ ref, mediaType: 'application/vnd.oci.image.index.v1+json' });
      expect(p.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
      for (const tag of p.tags) expect(inspect(`${p.repository}:${tag}`, '{{json .Manifest}}').digest).toBe(p.digest);
      const image = index.manifests.find((m: any) => m.platform?.os === 'linux' && m.platform.architecture === 'amd64');
      const attestation = index.manifests.find((m: any) => m.annotations?.['vnd.docker.reference.type'] === 'attestation-manifest');
      expect(image).toBeDefined();
      expect(attestation.platform).toEqual({ os: 'unknown', architecture: 'unknown' });
      expect(attestation.annotations['vnd.docker.reference.digest']).toBe(image.digest);
      const layers = inspect(`${p.repository}@${attestation.digest}`).layers;
      expect(layers.map((l: any) => l.annotations['in-toto.io/predicate-type']).sort())
        .toEqual(['https://slsa.dev/provenance/v0.2', 'https://spdx.dev/Document']);
    }
  });

  it('records the full build in the provenance (mode=max): the Dockerfile, its build steps and the base image', () => {
    for (const p of published) {
      const slsa = inspect(`${p.repository}:${p.tags[0]}`, '{{json .Provenance}}').SLSA;
      expect(slsa.buildType).toBe('https://mobyproject.org/buildkit@v1');
      expect(slsa.invocation.configSource.entryPoint).toMatch(new RegExp(`(^|/)Dockerfile\\.${p.image}$`));
      expect(slsa.buildConfig.llbDefinition.length).toBeGreaterThan(3); // only mode=max records the build steps
      const base = runtimeBasePurl(p.image);
      expect(slsa.materials.map((m: any) => m.uri)).toEqual(expect.arrayContaining([expect.stringContaining(base)]));
      // The build arguments are recorded: a build against other base images than the pinned ones shows.
      expect(Object.keys(slsa.invocation.parameters.args ?? {})).toEqual(expect.arrayContaining(['label:org.opencontainers.image.revision']));
    }
  });

  it('lists the packages of each image in an SPDX SBOM', () => {
    const expected: Record<string, string> = {
      postgres: 'pkg:deb/debian/postgresql-17@',
      bot: 'pkg:npm/telegraf@',
      api: 'pkg:npm/%40nestjs/core@',
      frontend: 'pkg:npm/next@',
      backup: 'pkg:deb/debian/postgresql-client-17@',
      prometheus: 'pkg:deb/debian/prometheus@',
    };
    expect(Object.keys(expected).sort()).toEqual(PUBLISHED_IMAGES); // a new image names the package that proves its SBOM
    for (const p of published) {
      const spdx = inspect(`${p.repository}:${p.tags[0]}`, '{{json .SBOM}}').SPDX;
      expect(spdx.spdxVersion).toBe('SPDX-2.3');
      const listed = purls(spdx);
      expect({ image: p.image, listed: listed.some((u) => u.startsWith(expected[p.image])) }).toEqual({ image: p.image, listed: true });
    }
  });

  it('runs the production compose file from exactly those tags, healthy', async () => {
    const tag = `branch-e2e-publish-${process.pid}`;
    // Forget local copies (a plain build leaves them; the attesting builder does not) so that
    // compose must pull them from the registry.
    const local = published.flatMap((p) => p.tags.map((t) => `${p.repository}:${t}`))
      .filter((ref) => spawnSync('docker', ['image', 'inspect', ref], { stdio: 'ignore' }).status === 0);
    if (local.length) await run('docker', ['image', 'rm', ...local]);

    const ports = { api: await freePort(), frontend: await freePort(), postgres: await freePort(), http: await freePort(), https: await freePort() };
    const env = { ...testStackEnv(ports), ...edgeEnv(ports), IMAGE_PREFIX: `${REGISTRY}/dialogstack/dialogstack`, IMAGE_TAG: tag };
    const envFile = join(mkdtempSync(join(tmpdir(), 'prod-env-')), '.env.production');
    writeFileSync(envFile, Object.entries(env).map(([k, v]) => `${k}=${v}`).join('\n'));
    stack = new ComposeProject(`dialogstack-publish-${process.pid}`, ['docker-compose.prod.yml', writeFakesOverride()], {},
      { envFiles: [envFile, DEMO_ENV_FILE] });
    edge = edgeOf(env);

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
    expect((await apiVia(edge, API_ROUTES.ready)).status).toBe(200);
    expect((await dashboardVia(edge, '/api/health')).status).toBe(200);
  }, 20 * 60_000);
});
