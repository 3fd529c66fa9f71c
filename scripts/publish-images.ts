/**
 * Does locally what .github/workflows/build.yml does in CI: builds every published image
 * of the stack from its synthesized Dockerfile, tags it by the shared scheme
 * (projenrc/image-tags.ts, the code that configures metadata-action) and pushes it with
 * BuildKit's provenance (mode=max) and SBOM attestations in its image index.
 *
 *   npx tsx scripts/publish-images.ts --registry 127.0.0.1:5000 [--ref refs/heads/main]
 *     [--sha <commit>] [--default-branch main] [--no-push] [--no-attest]
 *
 * Defaults come from git: the current branch and commit. The base images are the digests
 * pinned in the Dockerfiles unless the environment names others (NODE_IMAGE=node:24-trixie-slim:
 * local stand-ins, tests only; see devops/stand-in-base-images.env).
 *
 * Attestations need a BuildKit that can export them. When the current engine cannot (Docker
 * 20.10 / BuildKit 0.8, or the docker driver without the containerd image store), the build
 * runs in a private attesting builder (scripts/attesting-builder.ts: Debian's Docker 26 in a
 * container), which exports an OCI archive that skopeo copies to the registry unchanged.
 * The signed build-provenance attestation (Sigstore) exists only in CI: it needs GitHub's
 * OIDC token.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { AttestingBuilder, ensureAttestingBuilder } from './attesting-builder';
import { dialogstack } from '../.projenrc';
import { BaseImages, Stack, computeTags } from '../projenrc';

const ROOT = join(__dirname, '..');

export interface PublishOptions {
  /** Registry host[:port] that replaces ghcr.io, e.g. 127.0.0.1:5000. */
  readonly registry: string;
  readonly ref: string;
  readonly sha: string;
  readonly defaultBranch: string;
  /** @default true */
  readonly push?: boolean;
  /**
   * Push provenance (mode=max) and SBOM attestations with every image, as CI does. The
   * command line (`make publish`) attests unless told --no-attest; callers that only need
   * runnable images (the deploy tests) get a plain build unless they ask.
   * @default false
   */
  readonly attest?: boolean;
  /** Name of the attesting builder to use when the engine cannot attest. @default dialogstack-attesting-builder-$USER */
  readonly builderName?: string;
  readonly log?: (line: string) => void;
}

export interface PublishedImage {
  readonly image: string;
  readonly repository: string;
  readonly tags: string[];
  /** Digest of what the tags point to in the registry (an image index when attested). */
  readonly digest?: string;
  readonly attested: boolean;
  readonly sizeBytes: number;
  readonly buildSeconds: number;
}

export function stackModel(): Stack {
  const project = dialogstack();
  return project.components.find((c): c is Stack => c instanceof Stack)!;
}

function docker(args: string[]): string {
  return execFileSync('docker', args, { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 * 1024 * 1024 });
}

/** `--build-arg` for each base image the environment overrides (local stand-ins; never in CI). */
export function baseImageBuildArgs(env: NodeJS.ProcessEnv = process.env): string[] {
  return Object.values(BaseImages).flatMap((i) => (env[i.arg] ? ['--build-arg', `${i.arg}=${env[i.arg]}`] : []));
}

/** Whether the engine's active buildx builder can export attestations. */
export function engineCanAttest(): boolean {
  const builder = docker(['buildx', 'inspect']);
  const driver = builder.match(/^Driver:\s+(\S+)/m)?.[1];
  if (driver && driver !== 'docker') return true; // docker-container, remote, kubernetes: a BuildKit of its own
  // The docker driver attests only with the containerd image store.
  return docker(['info', '--format', '{{json .DriverStatus}}']).includes('io.containerd.snapshotter');
}

/** The digest a reference points to in its registry. */
export function registryDigest(ref: string): string {
  const manifest = JSON.parse(docker(['buildx', 'imagetools', 'inspect', ref, '--format', '{{json .Manifest}}'])) as { digest: string };
  return manifest.digest;
}

/** Compressed size of the linux/amd64 image of a reference (the registry's numbers). */
function registrySize(ref: string): number {
  const raw = JSON.parse(docker(['buildx', 'imagetools', 'inspect', '--raw', ref])) as {
    manifests?: { digest: string; platform?: { os: string; architecture: string } }[]; layers?: { size: number }[]; config?: { size: number };
  };
  const amd64 = raw.manifests?.find((m) => m.platform?.os === 'linux' && m.platform.architecture === 'amd64');
  if (amd64) return registrySize(`${ref.replace(/:[^:/]+$/, '')}@${amd64.digest}`);
  return (raw.layers ?? []).reduce((a, l) => a + l.size, raw.config?.size ?? 0);
}

/** Copies an OCI archive (index, manifests, attestations) to each reference, byte for byte. */
function pushArchive(archive: string, refs: readonly string[]): void {
  for (const ref of refs) {
    const insecure = /^(localhost|127\.\d+\.\d+\.\d+)(:\d+)?\//.test(ref) ? ['--dest-tls-verify=false'] : [];
    const r = spawnSync('skopeo', ['copy', '--quiet', '--all', '--preserve-digests', ...insecure, `oci-archive:${archive}`, `docker://${ref}`], { encoding: 'utf8' });
    if (r.error) throw new Error(`skopeo is needed to push from the attesting builder (apt-get install skopeo): ${r.error.message}`);
    if (r.status !== 0) throw new Error(`skopeo copy to ${ref} failed:\n${r.stderr.slice(-3000)}`);
  }
}

export function publishImages(opts: PublishOptions): PublishedImage[] {
  const stack = stackModel();
  const log = opts.log ?? ((l) => console.log(l));
  const tags = computeTags({ ref: opts.ref, sha: opts.sha, defaultBranch: opts.defaultBranch });
  const prefix = `${opts.registry}/${stack.registry.owner}/${stack.registry.repository}`;
  const push = opts.push ?? true;
  const attest = opts.attest ?? false;
  let builder: AttestingBuilder | undefined;
  if (attest && !engineCanAttest()) {
    log('this engine cannot export attestations: building in the attesting builder (scripts/attesting-builder.ts)');
    const bases = [...new Set(Object.values(BaseImages).map((i) => process.env[i.arg]).filter((x): x is string => !!x))];
    builder = ensureAttestingBuilder({ name: opts.builderName ?? `dialogstack-attesting-builder-${process.env.USER ?? 'local'}`, images: bases, log });
  }
  const out: PublishedImage[] = [];
  for (const image of stack.publishedImages) {
    const repository = `${prefix}/${image.name}`;
    const refs = tags.map((t) => `${repository}:${t}`);
    const labels = {
      'org.opencontainers.image.title': image.name,
      'org.opencontainers.image.description': image.description,
      'org.opencontainers.image.source': `https://github.com/${stack.registry.owner}/${stack.registry.repository}`,
      'org.opencontainers.image.revision': opts.sha,
      'org.opencontainers.image.version': tags[1] ?? tags[0],
    };
    log(`build ${image.name}: ${refs.join(', ')}${attest ? ' (with provenance and SBOM)' : ''}`);
    const started = Date.now();
    const common = [
      '--file', image.dockerfile.path,
      ...baseImageBuildArgs(),
      ...Object.entries(labels).flatMap(([k, v]) => ['--label', `${k}=${v}`]),
    ];
    let digest: string | undefined;
    let sizeBytes: number;
    if (!attest) {
      const build = spawnSync('docker', ['build', ...common, ...refs.flatMap((r) => ['--tag', r]), '.'],
        { cwd: ROOT, encoding: 'utf8', env: { ...process.env, DOCKER_BUILDKIT: '1' }, maxBuffer: 64 * 1024 * 1024 });
      if (build.status !== 0) throw new Error(`docker build of ${image.name} failed:\n${build.stderr.slice(-4000)}`);
      if (push) for (const ref of refs) docker(['push', '--quiet', ref]);
      sizeBytes = Number(docker(['image', 'inspect', '--format', '{{.Size}}', refs[0]]).trim());
      if (push) digest = registryDigest(refs[0]);
    } else {
      const attestations = ['--provenance', 'mode=max', '--sbom', builder ? `generator=${builder.sbomGenerator}` : 'true'];
      if (builder) {
        // The builder's engine exports what BuildKit made; the host, which can reach the registry,
        // pushes it. Compression is forced: base images loaded from `docker save` are stored
        // uncompressed, and their layers would otherwise be pushed as they are.
        const dir = mkdtempSync(join(tmpdir(), 'publish-'));
        const archive = join(dir, `${image.name}.oci.tar`);
        try {
          buildx(['build', ...common, ...attestations, '--platform', 'linux/amd64', '--output', `type=oci,dest=${archive},compression=gzip,force-compression=true`, '.'], image.name, builder.dockerHost);
          if (push) pushArchive(archive, refs);
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      } else {
        buildx(['build', ...common, ...attestations, ...refs.flatMap((r) => ['--tag', r]), push ? '--push' : '--load', '.'], image.name);
      }
      digest = push ? registryDigest(refs[0]) : undefined;
      sizeBytes = push ? registrySize(refs[0]) : 0;
    }
    const buildSeconds = (Date.now() - started) / 1000;
    out.push({ image: image.name, repository, tags, digest, attested: attest, sizeBytes, buildSeconds });
    log(`  ${push ? 'pushed' : 'built'} in ${buildSeconds.toFixed(1)} s, ${(sizeBytes / 1e6).toFixed(1)} MB${digest ? `, ${digest}` : ''}`);
  }
  return out;
}

function buildx(args: string[], image: string, dockerHost?: string): void {
  const r = spawnSync('docker', ['buildx', ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    env: { ...process.env, DOCKER_BUILDKIT: '1', ...(dockerHost ? { DOCKER_HOST: dockerHost } : {}) },
  });
  if (r.status !== 0) throw new Error(`docker buildx build of ${image} failed:\n${r.stderr.slice(-4000)}`);
}

function git(args: string[]): string {
  return execFileSync('git', args, { cwd: ROOT, encoding: 'utf8' }).trim();
}

if (require.main === module) {
  const { values } = parseArgs({
    options: {
      'registry': { type: 'string' },
      'ref': { type: 'string' },
      'sha': { type: 'string' },
      'default-branch': { type: 'string', default: 'main' },
      'no-push': { type: 'boolean', default: false },
      'no-attest': { type: 'boolean', default: false },
    },
  });
  if (!values.registry) {
    console.error('usage: publish-images.ts --registry HOST[:PORT] [--ref REF] [--sha SHA] [--default-branch main] [--no-push] [--no-attest]');
    process.exit(2);
  }
  const published = publishImages({
    registry: values.registry,
    ref: values.ref ?? `refs/heads/${git(['rev-parse', '--abbrev-ref', 'HEAD'])}`,
    sha: values.sha ?? git(['rev-parse', 'HEAD']),
    defaultBranch: values['default-branch']!,
    push: !values['no-push'],
    attest: !values['no-attest'],
  });
  console.log('\n| image | tags | digest | size |\n|---|---|---|---|');
  for (const p of published) console.log(`| ${p.repository} | ${p.tags.join(', ')} | ${p.digest ?? '—'} | ${(p.sizeBytes / 1e6).toFixed(1)} MB |`);
}
