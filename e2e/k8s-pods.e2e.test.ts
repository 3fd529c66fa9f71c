import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { BaseImages } from '../projenrc/base-images';
import { REPO_ROOT, requireDocker, run, secret, waitFor } from './support/docker';

/**
 * The pods of devops/k8s/production run as the manifests write them, on Docker: no
 * Kubernetes API server can run here (see devops/doc/guides/kubernetes.md), so each pod
 * spec is turned into `docker run` with the same constraints — the numeric non-root user
 * and fsGroup, a read-only root filesystem with only the declared emptyDirs writable, no
 * capabilities, no privilege escalation, the env built from the ConfigMap and a Secret
 * with every model key, `$(VAR)` expansion, the Service names as network aliases — and
 * probed with the manifests' own probes. postgres starts on a volume shaped like a fresh
 * PersistentVolumeClaim (root-owned, lost+found, fsGroup), the migrate Job must exit 0, the
 * api must be ready (its database answers), the dashboard must serve pages and its image
 * optimiser must write its cache. (The bot's image is migrate's; in webhook mode it needs
 * Telegram, which the deploy e2e covers on compose.)
 */

type Json = Record<string, any>;
const RUN = `k8spods-${randomBytes(3).toString('hex')}`;
const manifests = (file: string): Json[] => parseAllDocuments(readFileSync(join(REPO_ROOT, 'devops/k8s/production', file), 'utf8')).map((d) => d.toJS());
const config: Record<string, string> = manifests('10-config.yaml')[0].data;
const secrets: Record<string, string> = {
  POSTGRES_PASSWORD: secret(16),
  DB_OWNER_PASSWORD: secret(16),
  DB_WRITER_PASSWORD: secret(16),
  DB_READER_PASSWORD: secret(16),
  API_TOKEN: secret(32),
  DASHBOARD_PASSWORD: secret(8),
  SESSION_SECRET: secret(32),
  TELEGRAM_BOT_TOKEN: '123456:test',
  TELEGRAM_WEBHOOK_SECRET: secret(16),
  LLM_API_KEY: 'test',
};
const IMAGES = ['postgres', 'bot', 'api', 'frontend'];
/** The stand-in base images of an offline engine (test/support/stand-in-base-images.ts set them), as build arguments. */
const baseImageArgs = Object.values(BaseImages).flatMap((i) => (process.env[i.arg] ? ['--build-arg', `${i.arg}=${process.env[i.arg]}`] : []));
const started: string[] = [];
const volumes: string[] = [];

function podOf(file: string, kind: string): { name: string; pod: Json; claims: Json[] } {
  const o = manifests(file).find((x) => x.kind === kind)!;
  return { name: o.metadata.name, pod: o.spec.template.spec, claims: o.spec.volumeClaimTemplates ?? [] };
}

/** The container env as the kubelet builds it: refs resolved, `$(NAME)` expanded from earlier entries. */
function environment(c: Json): string[] {
  const env: Record<string, string> = {};
  for (const e of c.env ?? []) {
    if (e.value !== undefined) {env[e.name] = String(e.value).replace(/\$\(([A-Z_][A-Z0-9_]*)\)/g, (m, n: string) => env[n] ?? m);} else if (e.valueFrom?.configMapKeyRef) {
      const v = config[e.valueFrom.configMapKeyRef.key];
      if (v === undefined && !e.valueFrom.configMapKeyRef.optional) throw new Error(`${c.name}: ConfigMap has no ${e.valueFrom.configMapKeyRef.key}`);
      if (v !== undefined) env[e.name] = v;
    } else if (e.valueFrom?.secretKeyRef) {
      const v = secrets[e.valueFrom.secretKeyRef.key];
      if (v === undefined && !e.valueFrom.secretKeyRef.optional) throw new Error(`${c.name}: Secret has no ${e.valueFrom.secretKeyRef.key}`);
      if (v !== undefined) env[e.name] = v;
    }
  }
  return Object.entries(env).flatMap(([k, v]) => ['--env', `${k}=${v}`]);
}

/** `docker run` arguments for the pod's one container, with the pod's security constraints. */
async function start(name: string, pod: Json, claims: Json[], detach = true): Promise<string> {
  const c = pod.containers[0];
  const sc = { ...pod.securityContext, ...c.securityContext };
  expect(sc).toMatchObject({ runAsNonRoot: true, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
  const image = String(c.image).replace(/^.*\/([a-z0-9-]+)@\$\{[A-Z_]+\}$/, `${RUN}/$1:test`);
  const mounts: string[] = [];
  for (const m of c.volumeMounts ?? []) {
    const v = (pod.volumes ?? []).find((x: Json) => x.name === m.name);
    if (v?.emptyDir) {mounts.push('--mount', `type=tmpfs,destination=${m.mountPath},tmpfs-mode=1777`);} else if (claims.some((t) => t.metadata.name === m.name)) {
      // A fresh PersistentVolumeClaim: root-owned with lost+found; the kubelet applies fsGroup (group-owned, setgid).
      const volume = `${RUN}-${m.name}`;
      volumes.push(volume);
      await run('docker', ['volume', 'create', volume]);
      await run('docker', ['run', '--rm', '-v', `${volume}:/v`, 'debian:trixie-slim', 'sh', '-c', `mkdir /v/lost+found && chown 0:${pod.securityContext.fsGroup} /v && chmod 2775 /v`]);
      mounts.push('-v', `${volume}:${m.mountPath}`);
    } else {throw new Error(`${name}: volume ${m.name} is neither an emptyDir nor a claim`);}
  }
  const container = `${RUN}-${name}`;
  started.push(container);
  await run('docker', [
    'run', ...(detach ? ['--detach'] : []), '--name', container, '--network', RUN, '--network-alias', name,
    '--user', `${sc.runAsUser}:${sc.runAsGroup}`, '--group-add', String(pod.securityContext.fsGroup),
    '--read-only', '--cap-drop', 'ALL', '--security-opt', 'no-new-privileges',
    // shareProcessNamespace: the pause container is PID 1; here docker's init is.
    ...(pod.shareProcessNamespace ? ['--init'] : []),
    ...mounts, ...environment(c), image, ...(c.args ?? []),
  ], { timeoutMs: 120_000 });
  return container;
}

/** Runs a probe of the manifest inside the container, as the kubelet would against the pod. */
async function probe(container: string, p: Json): Promise<boolean> {
  const command = p.httpGet
    ? ['node', '-e', `fetch('http://127.0.0.1:${p.httpGet.port}${p.httpGet.path}').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))`]
    : p.exec.command;
  return run('docker', ['exec', container, ...command], { timeoutMs: 20_000 }).then(() => true, () => false);
}

async function ready(container: string, pod: Json): Promise<void> {
  const c = pod.containers[0];
  await waitFor(`${container} readiness`, async () => (await probe(container, c.readinessProbe)) || undefined, 120_000, 1000)
    .catch(async (err: Error) => { throw new Error(`${err.message}\n${await run('docker', ['logs', '--tail', '40', container]).catch(() => '')}`); });
  expect(await probe(container, c.livenessProbe)).toBe(true);
}

describe('the production pods, run under their own security contexts', () => {
  beforeAll(async () => {
    requireDocker();
    // Tags of this run only: another engineer's build on the shared engine cannot stand in for ours.
    for (const image of IMAGES) {
      await run('docker', ['build', '-f', `devops/Dockerfile.${image}`, ...baseImageArgs, '-t', `${RUN}/${image}:test`, '.'], { env: { DOCKER_BUILDKIT: '1' }, timeoutMs: 20 * 60_000 });
    }
    await run('docker', ['network', 'create', RUN]);
  }, 40 * 60_000);

  afterAll(async () => {
    for (const c of started) await run('docker', ['rm', '-f', c]).catch(() => undefined);
    await run('docker', ['network', 'rm', RUN]).catch(() => undefined);
    for (const v of volumes) await run('docker', ['volume', 'rm', '-f', v]).catch(() => undefined);
    await run('docker', ['rmi', ...IMAGES.map((i) => `${RUN}/${i}:test`)]).catch(() => undefined);
  }, 120_000);

  it('postgres starts read-only as uid 999 on a fresh claim, writing only its emptyDirs and the volume', async () => {
    const { name, pod, claims } = podOf('20-postgres.yaml', 'StatefulSet');
    await ready(await start(name, pod, claims), pod);
  }, 180_000);

  it('the migrate Job runs to completion (retried like the Job, up to its backoffLimit)', async () => {
    const job = manifests('30-migrate.yaml').find((x) => x.kind === 'Job')!;
    const { name, pod } = podOf('30-migrate.yaml', 'Job');
    let code = '';
    let logs = '';
    for (let attempt = 0; attempt <= job.spec.backoffLimit && code !== '0'; attempt++) {
      if (attempt) await run('docker', ['rm', '-f', `${RUN}-${name}`]);
      const container = await start(name, pod, [], true);
      code = (await run('docker', ['wait', container], { timeoutMs: 180_000 })).trim();
      logs = code === '0' ? '' : await run('docker', ['logs', container]).catch((e: Error) => e.message);
    }
    expect({ code, logs }).toEqual({ code: '0', logs: '' });
  }, 600_000);

  it('the api is ready: its read-only role reaches the migrated database', async () => {
    const { name, pod } = podOf('40-api.yaml', 'Deployment');
    await ready(await start(name, pod, []), pod);
  }, 300_000);

  it('the dashboard serves its pages and writes its image cache to the emptyDir', async () => {
    const { name, pod } = podOf('40-frontend.yaml', 'Deployment');
    const container = await start(name, pod, []);
    await ready(container, pod);
    const fetchStatus = (path: string) => run('docker', ['exec', container, 'node', '-e',
      `fetch('http://127.0.0.1:3000${path}',{redirect:'manual'}).then(r=>console.log(r.status),e=>{console.error(e);process.exit(1)})`]);
    expect(Number(await fetchStatus('/sign-in'))).toBe(200);
    // The image optimiser creates .next/cache first: on a read-only root without the emptyDir it fails with ENOENT.
    await fetchStatus('/_next/image?url=%2Ficon.svg&w=64&q=75');
    const logs = await run('docker', ['logs', container]);
    expect(logs).not.toMatch(/EROFS|ENOENT|unhandledRejection/);
  }, 300_000);
});
