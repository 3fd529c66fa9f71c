/**
 * A BuildKit that can attest, for an engine that cannot.
 *
 * Provenance and SBOM attestations need BuildKit ≥ 0.11 with an exporter that keeps them: a
 * `docker-container` buildx builder (it runs the moby/buildkit image from Docker Hub) or a
 * Docker engine with the containerd image store. An engine like Docker 20.10 (BuildKit 0.8)
 * has neither, and a machine without a registry cannot pull moby/buildkit. What it can get
 * is Debian's docker.io package (Docker 26, BuildKit 0.13 inside): this module runs that
 * engine in a container of the host engine, with the containerd image store, as a private
 * builder. Nothing of it touches the host's network: it has its own network namespace and
 * its own bridge inside it; the host reaches it through a unix socket in a host directory.
 *
 *   npx tsx scripts/attesting-builder.ts up|down|env [--name NAME]
 *
 * The builder exports each build as an OCI archive (index, image manifests, attestation
 * manifests) and scripts/publish-images.ts copies it to the registry unchanged, so a registry
 * that only the host can reach (127.0.0.1:5000) gets exactly what BuildKit produced.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

/** Image of the builder engine: Debian trixie's Docker (26.x) and containerd (1.7). */
const ENGINE_IMAGE = 'dialogstack/attesting-builder:trixie';
/** Image of the SBOM generator BuildKit runs over each image's file system (see SBOM_SCANNER_JS). */
export const SBOM_SCANNER_IMAGE = 'dialogstack/sbom-scanner:local';

const ENGINE_DOCKERFILE = `FROM debian:trixie-slim
RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends docker.io containerd runc iptables ca-certificates tini && rm -rf /var/lib/apt/lists/*
RUN mkdir -p /etc/docker && echo '{"features":{"containerd-snapshotter":true}}' > /etc/docker/daemon.json
`;

/**
 * A BuildKit SBOM generator (moby/buildkit docs/attestations/sbom-protocol.md): BuildKit mounts
 * the image's file system read-only at $BUILDKIT_SCAN_SOURCE and attaches every in-toto
 * statement the generator writes to $BUILDKIT_SCAN_DESTINATION. This one lists Debian packages
 * (dpkg status) and npm packages (node_modules) as SPDX 2.3. CI uses Docker's Syft scanner
 * (`sbom: true`); this stand-in exists because that image cannot be pulled here.
 */
const SBOM_SCANNER_JS = String.raw`
const fs = require('node:fs');
const path = require('node:path');
const crypto = require('node:crypto');
const src = process.env.BUILDKIT_SCAN_SOURCE;
const dest = process.env.BUILDKIT_SCAN_DESTINATION;
if (!src || !dest) { console.error('BUILDKIT_SCAN_SOURCE and BUILDKIT_SCAN_DESTINATION must be set'); process.exit(2); }
const packages = [];
const add = (name, version, purl, supplier) => packages.push({
  SPDXID: 'SPDXRef-Package-' + crypto.createHash('sha256').update(purl).digest('hex').slice(0, 16),
  name, versionInfo: version, downloadLocation: 'NOASSERTION', supplier: supplier || 'NOASSERTION',
  licenseConcluded: 'NOASSERTION', licenseDeclared: 'NOASSERTION', copyrightText: 'NOASSERTION', filesAnalyzed: false,
  externalRefs: [{ referenceCategory: 'PACKAGE-MANAGER', referenceType: 'purl', referenceLocator: purl }],
});
const status = path.join(src, 'var/lib/dpkg/status');
if (fs.existsSync(status)) {
  for (const block of fs.readFileSync(status, 'utf8').split(/\n\n+/)) {
    const field = (k) => (block.match(new RegExp('^' + k + ': (.*)$', 'm')) || [])[1];
    if (!/install ok installed/.test(field('Status') || '')) continue;
    const name = field('Package'); const version = field('Version'); const arch = field('Architecture');
    if (name && version) add(name, version, 'pkg:deb/debian/' + name + '@' + encodeURIComponent(version) + '?arch=' + arch, 'Organization: Debian');
  }
}
const seen = new Set();
const walk = (dir, depth) => {
  if (depth > 12) return;
  let entries; try { entries = fs.readdirSync(dir, { withFileTypes: true }); } catch { return; }
  for (const e of entries) {
    if (!e.isDirectory() || e.isSymbolicLink()) continue;
    const full = path.join(dir, e.name);
    if (e.name === 'node_modules') {
      for (const p of fs.readdirSync(full, { withFileTypes: true })) {
        const dirs = p.name.startsWith('@') ? fs.readdirSync(path.join(full, p.name)).map((n) => path.join(p.name, n)) : [p.name];
        for (const d of dirs) {
          try {
            const pkg = JSON.parse(fs.readFileSync(path.join(full, d, 'package.json'), 'utf8'));
            const key = pkg.name + '@' + pkg.version;
            if (pkg.name && pkg.version && !seen.has(key)) { seen.add(key); add(pkg.name, pkg.version, 'pkg:npm/' + pkg.name.replace('@', '%40') + '@' + pkg.version); }
          } catch {}
          walk(path.join(full, d), depth + 1);
        }
      }
    } else if (!['proc', 'sys', 'dev'].includes(e.name)) {
      walk(full, depth + 1);
    }
  }
};
walk(src, 0);
const statement = {
  _type: 'https://in-toto.io/Statement/v0.1',
  predicateType: 'https://spdx.dev/Document',
  subject: [],
  predicate: {
    spdxVersion: 'SPDX-2.3', dataLicense: 'CC0-1.0', SPDXID: 'SPDXRef-DOCUMENT', name: 'image',
    documentNamespace: 'https://dialogstack.invalid/sbom/' + crypto.randomUUID(),
    creationInfo: { created: new Date().toISOString().replace(/\.\d+Z$/, 'Z'), creators: ['Tool: dialogstack-sbom-scanner'] },
    packages,
  },
};
fs.writeFileSync(path.join(dest, 'spdx.json'), JSON.stringify(statement));
console.log('sbom: ' + packages.length + ' packages');
`;

export interface AttestingBuilder {
  /** DOCKER_HOST of the builder engine. */
  readonly dockerHost: string;
  readonly container: string;
  /** Passed as `--sbom generator=...`. */
  readonly sbomGenerator: string;
}

function docker(args: string[], opts: { host?: string; input?: string | Buffer } = {}): string {
  return execFileSync('docker', args, {
    encoding: 'utf8',
    input: opts.input,
    maxBuffer: 256 * 1024 * 1024,
    env: { ...process.env, ...(opts.host ? { DOCKER_HOST: opts.host } : {}) },
    stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
  });
}

function buildImage(tag: string, dockerfile: string, files: Record<string, string> = {}, host?: string): void {
  const dir = mkdtempSync(join(tmpdir(), 'attesting-builder-'));
  writeFileSync(join(dir, 'Dockerfile'), dockerfile);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  const r = spawnSync('docker', ['build', '--quiet', '--tag', tag, dir], {
    encoding: 'utf8', env: { ...process.env, DOCKER_BUILDKIT: '1', ...(host ? { DOCKER_HOST: host } : {}) }, maxBuffer: 64 * 1024 * 1024,
  });
  if (r.status !== 0) throw new Error(`building ${tag} failed:\n${r.stderr.slice(-3000)}`);
}

function exists(args: string[], host?: string): boolean {
  try {
    docker(args, { host });
    return true;
  } catch {
    return false;
  }
}

/** The socket directory of a builder: one per name, so several people can each run one. */
function runDir(name: string): string {
  return join(process.env.ATTESTING_BUILDER_HOME ?? join(tmpdir(), 'dialogstack-attesting-builder'), name);
}

export function builderFor(name: string): AttestingBuilder {
  return { dockerHost: `unix://${join(runDir(name), 'docker.sock')}`, container: name, sbomGenerator: SBOM_SCANNER_IMAGE };
}

/**
 * Starts the builder if it is not running (about a minute the first time: the engine image
 * installs Debian's docker.io), loads the given local images into it (base images the
 * Dockerfiles name) and builds the SBOM generator there.
 */
export function ensureAttestingBuilder(opts: { name: string; images: readonly string[]; log?: (line: string) => void }): AttestingBuilder {
  const log = opts.log ?? ((l) => console.log(l));
  const builder = builderFor(opts.name);
  const dir = runDir(opts.name);
  if (!exists(['info', '--format', '{{.ServerVersion}}'], builder.dockerHost)) {
    if (!exists(['image', 'inspect', ENGINE_IMAGE])) {
      log(`attesting builder: building ${ENGINE_IMAGE} (Debian trixie's docker.io)`);
      buildImage(ENGINE_IMAGE, ENGINE_DOCKERFILE);
    }
    mkdirSync(dir, { recursive: true });
    if (exists(['container', 'inspect', opts.name])) docker(['rm', '--force', opts.name]);
    log(`attesting builder: starting ${opts.name} (socket ${builder.dockerHost})`);
    docker(['run', '--detach', '--name', opts.name,
      // Enough privilege for an engine in a container, short of --privileged (which this
      // host's engine cannot grant): every capability it has, cgroups writable for runc.
      '--cap-add', 'ALL', '--cap-drop', 'SYS_RESOURCE',
      '--security-opt', 'seccomp=unconfined', '--security-opt', 'apparmor=unconfined', '--security-opt', 'systempaths=unconfined',
      '--volume', '/sys/fs/cgroup:/sys/fs/cgroup',
      '--volume', `${opts.name}-docker:/var/lib/docker`, '--volume', `${opts.name}-containerd:/var/lib/containerd`,
      '--volume', `${dir}:/run/builder`,
      '--label', 'org.dialogstack.attesting-builder=1',
      ENGINE_IMAGE,
      'dockerd', '--host', 'unix:///run/builder/docker.sock', '--cgroup-parent', opts.name]);
    const deadline = Date.now() + 60_000;
    while (!exists(['info', '--format', '{{.ServerVersion}}'], builder.dockerHost)) {
      if (Date.now() > deadline) throw new Error(`attesting builder ${opts.name} did not start:\n${docker(['logs', '--tail', '30', opts.name])}`);
      spawnSync('sleep', ['1']);
    }
  }
  const version = docker(['version', '--format', '{{.Server.Version}}'], { host: builder.dockerHost }).trim();
  const missing = opts.images.filter((i) => !exists(['image', 'inspect', i], builder.dockerHost));
  if (missing.length) {
    log(`attesting builder (Docker ${version}): loading ${missing.join(', ')}`);
    const tar = execFileSync('docker', ['save', ...missing], { maxBuffer: 2 * 1024 * 1024 * 1024 });
    docker(['load', '--quiet'], { host: builder.dockerHost, input: tar });
  }
  if (!exists(['image', 'inspect', SBOM_SCANNER_IMAGE], builder.dockerHost)) {
    const node = opts.images.find((i) => i.startsWith('node:')) ?? 'node:24-trixie-slim';
    log(`attesting builder: building the SBOM generator ${SBOM_SCANNER_IMAGE} from ${node}`);
    buildImage(SBOM_SCANNER_IMAGE, `FROM ${node}\nCOPY scan.js /scan.js\nCMD ["node", "/scan.js"]\n`, { 'scan.js': SBOM_SCANNER_JS }, builder.dockerHost);
  }
  return builder;
}

/** Stops and removes the builder, its volumes and its socket directory. */
export function removeAttestingBuilder(name: string): void {
  if (exists(['container', 'inspect', name])) docker(['rm', '--force', '--volumes', name]);
  for (const v of [`${name}-docker`, `${name}-containerd`]) if (exists(['volume', 'inspect', v])) docker(['volume', 'rm', v]);
}

if (require.main === module) {
  const { positionals, values } = parseArgs({ allowPositionals: true, options: { name: { type: 'string', default: `dialogstack-attesting-builder-${process.env.USER ?? 'local'}` } } });
  const name = values.name!;
  switch (positionals[0]) {
    case 'up': {
      const b = ensureAttestingBuilder({ name, images: positionals.slice(1) });
      console.log(`DOCKER_HOST=${b.dockerHost}`);
      break;
    }
    case 'env':
      console.log(`export DOCKER_HOST=${builderFor(name).dockerHost}`);
      if (!existsSync(join(runDir(name), 'docker.sock'))) console.error(`(not running: npx tsx scripts/attesting-builder.ts up --name ${name})`);
      break;
    case 'down':
      removeAttestingBuilder(name);
      break;
    default:
      console.error('usage: attesting-builder.ts up [IMAGE...] | env | down [--name NAME]');
      process.exit(2);
  }
}
