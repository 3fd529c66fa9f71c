import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stackModel } from '../../scripts/publish-images';
import { synthesizedFiles } from '../support/synth';

const files = synthesizedFiles();
/** Every image the build workflow publishes, in its order: a release is all of them. */
const IMAGES = stackModel().publishedImages.map((i) => i.name);

/**
 * scripts/verify-images.sh with a stand-in `gh` on PATH (GitHub is not reachable from tests):
 * the stand-in records its arguments and answers like `gh attestation verify --jq ...`.
 */
function verify(args: string[], env: Record<string, string> = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'verify-images-'));
  const script = join(dir, 'verify-images.sh');
  writeFileSync(script, files['scripts/verify-images.sh']);
  chmodSync(script, 0o755);
  const calls = join(dir, 'calls');
  writeFileSync(join(dir, 'gh'), [
    '#!/usr/bin/env bash',
    `printf '%s\\n' "$*" >> ${calls}`,
    'ref=${3#oci://}; image=${ref%:*}; image=${image##*/}',
    'if [ "$image" = "${UNSIGNED:-}" ]; then echo "no attestations found" >&2; exit 1; fi',
    // a digest derived from the image name, as gh prints the subject digest with --jq
    'printf "%064d\\n" "${#image}"',
  ].join('\n'));
  chmodSync(join(dir, 'gh'), 0o755);
  const outputFile = join(dir, 'github-output');
  writeFileSync(outputFile, '');
  const r = spawnSync('bash', [script, ...args], {
    encoding: 'utf8',
    env: { PATH: `${dir}:${process.env.PATH}`, GITHUB_SHA: '0123456789abcdef0123456789abcdef01234567', GITHUB_OUTPUT: outputFile, ...env },
  });
  let recorded = '';
  try { recorded = readFileSync(calls, 'utf8'); } catch { /* never called */ }
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, calls: recorded.trim().split('\n').filter(Boolean), output: readFileSync(outputFile, 'utf8') };
}

describe('scripts/verify-images.sh', () => {
  it('verifies every published image of the tag against this repository\'s build workflow and prints the digests', () => {
    const r = verify(['sha-1a2b3c4'], { IMAGE_PREFIX: 'ghcr.io/fork-owner/dialogstack', REPOSITORY: 'fork-owner/dialogstack' });
    expect(r.status).toBe(0);
    expect(r.calls).toEqual(IMAGES.map((image) =>
      `attestation verify oci://ghcr.io/fork-owner/dialogstack/${image}:sha-1a2b3c4 --repo fork-owner/dialogstack `
      + '--signer-workflow fork-owner/dialogstack/.github/workflows/build.yml --format json '
      + '--jq .[0].verificationResult.statement.subject[0].digest.sha256'));
    // The stand-in's digest is the length of the image name.
    expect(r.stdout).toBe(IMAGES.map((image) => `${image}=sha256:${String(image.length).padStart(64, '0')}\n`).join(''));
    expect(r.output).toBe(r.stdout);
  });

  it('defaults to the sha- tag of the commit, the model\'s image prefix and GITHUB_REPOSITORY', () => {
    const r = verify([], { GITHUB_REPOSITORY: 'dialogstack/dialogstack' });
    expect(r.status).toBe(0);
    expect(r.calls[0]).toMatch(/^attestation verify oci:\/\/ghcr\.io\/dialogstack\/dialogstack\/postgres:sha-0123456 --repo dialogstack\/dialogstack /);
  });

  it('fails when any image lacks a valid attestation, naming it, after checking all of them', () => {
    const r = verify(['latest'], { UNSIGNED: 'api', REPOSITORY: 'dialogstack/dialogstack' });
    expect(r.status).toBe(1);
    expect(r.calls).toHaveLength(IMAGES.length);
    expect(r.stderr).toContain('NOT VERIFIED: ghcr.io/dialogstack/dialogstack/api:latest has no valid build-provenance attestation from dialogstack/dialogstack/.github/workflows/build.yml');
    expect(r.stdout).not.toContain('api=');
  });

  it('refuses extra arguments with its usage', () => {
    const r = verify(['a', 'b']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^usage: /);
  });
});
