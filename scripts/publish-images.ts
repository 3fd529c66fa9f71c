/**
 * Does locally what .github/workflows/build.yml does in CI: builds every published image
 * of the stack from its synthesized Dockerfile, tags it by the shared scheme
 * (projenrc/github/image-tags.ts, the code that configures metadata-action) and pushes it.
 *
 *   npx tsx scripts/publish-images.ts --registry 127.0.0.1:5000 [--ref refs/heads/main]
 *     [--sha <commit>] [--default-branch main] [--no-push]
 *
 * Defaults come from git: the current branch and commit.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { dialogstack } from '../.projenrc';
import { Stack, computeTags } from '../projenrc';

const ROOT = join(__dirname, '..');

export interface PublishOptions {
  /** Registry host[:port] that replaces ghcr.io, e.g. 127.0.0.1:5000. */
  readonly registry: string;
  readonly ref: string;
  readonly sha: string;
  readonly defaultBranch: string;
  /** @default true */
  readonly push?: boolean;
  readonly log?: (line: string) => void;
}

export interface PublishedImage {
  readonly image: string;
  readonly repository: string;
  readonly tags: string[];
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

export function publishImages(opts: PublishOptions): PublishedImage[] {
  const stack = stackModel();
  const log = opts.log ?? ((l) => console.log(l));
  const tags = computeTags({ ref: opts.ref, sha: opts.sha, defaultBranch: opts.defaultBranch });
  const prefix = `${opts.registry}/${stack.registry.owner}/${stack.registry.repository}`;
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
    log(`build ${image.name}: ${refs.join(', ')}`);
    const started = Date.now();
    const build = spawnSync('docker', ['build', '--file', image.dockerfile.path,
      ...refs.flatMap((r) => ['--tag', r]),
      ...Object.entries(labels).flatMap(([k, v]) => ['--label', `${k}=${v}`]),
      '.'], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, DOCKER_BUILDKIT: '1' }, maxBuffer: 64 * 1024 * 1024 });
    if (build.status !== 0) throw new Error(`docker build of ${image.name} failed:\n${build.stderr.slice(-4000)}`);
    const buildSeconds = (Date.now() - started) / 1000;
    if (opts.push ?? true) for (const ref of refs) docker(['push', '--quiet', ref]);
    const sizeBytes = Number(docker(['image', 'inspect', '--format', '{{.Size}}', refs[0]]).trim());
    out.push({ image: image.name, repository, tags, sizeBytes, buildSeconds });
    log(`  ${opts.push ?? true ? 'pushed' : 'built'} in ${buildSeconds.toFixed(1)} s, ${(sizeBytes / 1e6).toFixed(1)} MB`);
  }
  return out;
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
    },
  });
  if (!values.registry) {
    console.error('usage: publish-images.ts --registry HOST[:PORT] [--ref REF] [--sha SHA] [--default-branch main] [--no-push]');
    process.exit(2);
  }
  const published = publishImages({
    registry: values.registry,
    ref: values.ref ?? `refs/heads/${git(['rev-parse', '--abbrev-ref', 'HEAD'])}`,
    sha: values.sha ?? git(['rev-parse', 'HEAD']),
    defaultBranch: values['default-branch']!,
    push: !values['no-push'],
  });
  console.log('\n| image | tags | size |\n|---|---|---|');
  for (const p of published) console.log(`| ${p.repository} | ${p.tags.join(', ')} | ${(p.sizeBytes / 1e6).toFixed(1)} MB |`);
}
