/**
 * Image sizes: total, base image, and the part above the base (what our Dockerfile adds),
 * plus the rebuild time of the api image after a one-line source change (cache check).
 *
 *   npx tsx bench/images/sizes.ts [--rebuild]
 */
import { execFileSync } from 'node:child_process';
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { BaseImages } from '../../projenrc';
import { stackModel } from '../../scripts/publish-images';
import { useStandInBaseImages } from '../../test/support/stand-in-base-images';

const ROOT = join(__dirname, '..', '..');
const { values } = parseArgs({ options: { rebuild: { type: 'boolean', default: false } } });
const docker = (args: string[]) => execFileSync('docker', args, { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, env: { ...process.env, DOCKER_BUILDKIT: '1' } });
const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;
const size = (ref: string) => Number(docker(['image', 'inspect', '--format', '{{.Size}}', ref]).trim());

function build(image: string, dockerfile: string): number {
  const started = Date.now();
  docker(['build', '--quiet', '--file', dockerfile, ...baseImageArgs, '--tag', `bench/${image}:current`, '.']);
  return (Date.now() - started) / 1000;
}

// On an engine with local stand-ins of the base images, build against them (as the tests do).
useStandInBaseImages();
const baseImageArgs = Object.values(BaseImages).flatMap((i) => (process.env[i.arg] ? ['--build-arg', `${i.arg}=${process.env[i.arg]}`] : []));
const stack = stackModel();
console.log('| image | total | base | above base | build (warm cache) |\n|---|---|---|---|---|');
for (const image of stack.images) {
  const seconds = build(image.name, image.dockerfile.path);
  const total = size(`bench/${image.name}:current`);
  const pin = image.name === 'postgres' ? BaseImages.postgres : BaseImages.node;
  const base = process.env[pin.arg] ?? pin.default;
  const baseSize = size(base);
  console.log(`| ${image.name} | ${mb(total)} | ${mb(baseSize)} (${base}) | ${mb(total - baseSize)} | ${seconds.toFixed(1)} s |`);
}

if (values.rebuild) {
  // One-line change in the api's sources: only the api's compile and copy layers should rebuild.
  const file = join(ROOT, 'src/api/src/main.ts');
  const original = readFileSync(file, 'utf8');
  try {
    appendFileSync(file, `\n// bench ${Date.now()}\n`);
    const seconds = build('api', 'devops/Dockerfile.api');
    console.log(`\napi rebuild after a one-line source change: ${seconds.toFixed(1)} s`);
  } finally {
    writeFileSync(file, original);
  }
}
