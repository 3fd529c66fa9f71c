import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { ComposeProject, REPO_ROOT, freePort, run, secret } from './docker';
import { Edge, edgeEnv, edgeOf } from './edge';
import { DEMO_ENV_FILE, FAKE_SERVICES, writeFakesOverride } from './fakes';
import { SshServer } from './ssh-server';
import { testStackEnv } from './stack-env';
import { stackModel } from '../../scripts/publish-images';

/** The edge proxy's service in the production compose file. */
const PROXY = 'proxy';

export const REGISTRY = process.env.E2E_REGISTRY ?? '127.0.0.1:5000';
export const IMAGE_PREFIX = `${REGISTRY}/dialogstack/dialogstack`;
/** Every image the build workflow publishes (a release has them all), from the stack model. */
export const PUBLISHED_IMAGES: readonly string[] = stackModel().publishedImages.map((i) => i.name);

/** Fails with a clear message when the registry the deploy pulls from is not there. */
export async function requireRegistry(): Promise<void> {
  const ping = await fetch(`http://${REGISTRY}/v2/`, { signal: AbortSignal.timeout(5000) }).catch(() => undefined);
  if (!ping?.ok) {
    throw new Error(`No container registry at ${REGISTRY}: the deploy pulls its images from one. `
      + 'Start it with `offline-docker.sh registry` or set E2E_REGISTRY=host:port.');
  }
}

/** `docker build` of a Dockerfile given as text (no context), then push. */
export async function buildAndPush(dockerfile: string, ref: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const build = spawn('docker', ['build', '--quiet', '--tag', ref, '-'], { stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    build.stderr.on('data', (d) => { stderr += d; });
    build.on('error', reject);
    build.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`docker build ${ref} failed: ${stderr}`))));
    build.stdin.end(dockerfile);
  });
  await run('docker', ['push', '--quiet', ref]);
}

/**
 * Makes release `to` of every published image from release `from`: same content, its own
 * image id (a label), so a deploy from one to the other really replaces containers.
 * `changes` adds Dockerfile lines to some images (e.g. break one).
 */
export async function deriveRelease(from: string, to: string, changes: Partial<Record<string, string[]>> = {}): Promise<void> {
  for (const image of PUBLISHED_IMAGES) {
    const lines = [`FROM ${IMAGE_PREFIX}/${image}:${from}`, `LABEL org.dialogstack.e2e.release=${to}`, ...(changes[image] ?? [])];
    await buildAndPush(`${lines.join('\n')}\n`, `${IMAGE_PREFIX}/${image}:${to}`);
  }
}

/** Drops local names of releases, so a deploy has to pull them (layers stay cached, as on a server). */
export async function forgetLocally(tags: string[]): Promise<void> {
  const refs = tags.flatMap((t) => PUBLISHED_IMAGES.map((i) => `${IMAGE_PREFIX}/${i}:${t}`));
  await run('docker', ['image', 'rm', ...refs]).catch(() => undefined);
}

export interface RemoteRun {
  readonly code: number;
  readonly output: string;
  readonly seconds: number;
  /** What the script wrote to GITHUB_OUTPUT. */
  readonly outputs: Record<string, string>;
  /** What it wrote to GITHUB_STEP_SUMMARY. */
  readonly summary: string;
}

/**
 * The deploy target: a real sshd on loopback, a deploy directory holding the server's
 * .env.production (as an operator writes it), and the compose override that adds the local
 * Telegram and LLM fakes. `remoteDeploy` runs scripts/remote-deploy.sh with the settings
 * the deploy workflow gives it from its secrets.
 */
export class DeployTarget {
  public static async create(project: string, settings: Record<string, string> = {}): Promise<DeployTarget> {
    const ssh = await SshServer.start();
    const work = mkdtempSync(join(tmpdir(), 'deploy-target-'));
    const deployPath = join(work, 'srv', 'dialogstack');
    const ports = {
      api: await freePort(),
      frontend: await freePort(),
      postgres: await freePort(),
      http: await freePort(),
      https: await freePort(),
      emulator: await freePort(),
    };
    const demo = Object.fromEntries(readFileSync(DEMO_ENV_FILE, 'utf8').split('\n')
      .filter((l) => /^[A-Z_]+=/.test(l)).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
    const env: Record<string, string> = {
      ...testStackEnv(ports),
      ...edgeEnv(ports),
      ...demo,
      COMPOSE_PROJECT_NAME: project,
      IMAGE_PREFIX,
      // What the template says; deploy.sh must deploy the tag it is given, not this one.
      IMAGE_TAG: 'latest',
      ...settings,
    };
    // The Telegram emulator published on loopback: tests chat with the bot through it.
    const fakes = writeFakesOverride();
    const override = parse(readFileSync(fakes, 'utf8')) as { services: Record<string, Record<string, unknown>> };
    override.services.telegram.ports = [`127.0.0.1:${ports.emulator}:8081`];
    // What public DNS does for Telegram: the public host names lead the emulator (inside the
    // stack's network) to the proxy, which it reaches over HTTPS as any client does.
    const prod = parse(readFileSync(join(REPO_ROOT, 'docker-compose.prod.yml'), 'utf8')) as { services: Record<string, { networks: string[] }> };
    const [network] = prod.services[PROXY].networks;
    override.services[PROXY] = { networks: { [network]: { aliases: [env.API_HOST, env.DASHBOARD_HOST] } } };
    writeFileSync(fakes, stringify(override));
    // Build the fakes' image now, so deploys measure deploying rather than building it.
    await run('docker', ['compose', '-f', 'docker-compose.yml', '--profile', 'demo', 'build', FAKE_SERVICES[0]], { env });
    const composeFiles = [join(REPO_ROOT, 'docker-compose.prod.yml'), fakes];
    const serverFiles = composeFiles.map((f) => join(deployPath, f.slice(f.lastIndexOf('/') + 1)));
    const stack = new ComposeProject(project, serverFiles, {}, { envFiles: [join(deployPath, '.env.production')] });
    const target = new DeployTarget(ssh, deployPath, env, stack, composeFiles, work, `http://127.0.0.1:${ports.emulator}`);
    target.writeEnvFile(env);
    return target;
  }

  private constructor(
    public readonly ssh: SshServer,
    public readonly deployPath: string,
    public readonly env: Record<string, string>,
    public readonly stack: ComposeProject,
    private readonly composeFiles: string[],
    private readonly work: string,
    /** The Telegram Bot API emulator the bot long-polls. */
    public readonly emulatorUrl: string,
  ) {}

  /** The proxy, the only way in: api and dashboard publish no ports in production. */
  public get edge(): Edge { return edgeOf(this.env); }

  /**
   * What an operator adds to .env.production for webhook mode: the public URL of the bot's
   * webhook (the proxy routes /telegram/ on the api's host to the bot) and its secret.
   */
  public webhookSettings(): { TELEGRAM_WEBHOOK_URL: string; TELEGRAM_WEBHOOK_SECRET: string } {
    return { TELEGRAM_WEBHOOK_URL: `https://${this.env.API_HOST}/telegram/webhook`, TELEGRAM_WEBHOOK_SECRET: secret(16) };
  }

  /** The root certificate of the proxy's own CA (`tls internal`), from its data volume. */
  public async proxyRootCertificate(): Promise<string> {
    return this.stack.compose(['exec', '-T', PROXY, 'cat', '/data/caddy/pki/authorities/local/root.crt']);
  }

  /** The server's .env.production, written by hand on a real server (mode 600). */
  public writeEnvFile(values: Record<string, string>): void {
    mkdirSync(this.deployPath, { recursive: true });
    writeFileSync(join(this.deployPath, '.env.production'),
      `${Object.entries(values).map(([k, v]) => `${k}=${v}`).join('\n')}\n`, { mode: 0o600 });
  }

  /** scripts/remote-deploy.sh, as the workflow's deploy step runs it (plus the fakes override). */
  public remoteDeploy(mode: 'deploy' | 'check', settings: Record<string, string> = {}): Promise<RemoteRun> {
    const outputsFile = join(this.work, `outputs-${Date.now()}`);
    const summaryFile = join(this.work, `summary-${Date.now()}`);
    const env = {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: process.env.HOME ?? '/root',
      SSH_HOST: this.ssh.host,
      SSH_PORT: String(this.ssh.port),
      SSH_USER: this.ssh.user,
      SSH_KEY: this.ssh.clientKey,
      SSH_KNOWN_HOSTS: this.ssh.knownHosts,
      DEPLOY_PATH: this.deployPath,
      DEPLOY_ENVIRONMENT: 'e2e',
      COMPOSE_FILES: this.composeFiles.join(':'),
      GITHUB_OUTPUT: outputsFile,
      GITHUB_STEP_SUMMARY: summaryFile,
      ...settings,
    };
    const started = Date.now();
    return new Promise((resolve) => {
      execFile(join(REPO_ROOT, 'scripts', 'remote-deploy.sh'), [mode], { env, cwd: REPO_ROOT, maxBuffer: 64 * 1024 * 1024, timeout: 15 * 60_000 },
        (err, stdout, stderr) => {
          const read = (f: string) => (existsSync(f) ? readFileSync(f, 'utf8') : '');
          const outputs = Object.fromEntries(read(outputsFile).split('\n').filter(Boolean)
            .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
          resolve({
            code: err ? Number((err as { code?: number }).code ?? 1) : 0,
            output: `${stdout}${stderr}`,
            seconds: (Date.now() - started) / 1000,
            outputs,
            summary: read(summaryFile),
          });
        });
    });
  }

  /** scripts/deploy-check.sh run on the server, in the deploy directory, as an operator would. */
  public deployCheck(args: string[]): Promise<{ code: number; output: string }> {
    return this.serverScript('deploy-check.sh', args);
  }

  /** The compose files remote-deploy.sh copies (the repository's production file first). */
  public get composeFilePaths(): string[] { return [...this.composeFiles]; }

  /** The compose files as the server has them (`--file` options for its scripts). */
  public get serverFileArgs(): string[] {
    return this.composeFiles.flatMap((f) => ['--file', f.slice(f.lastIndexOf('/') + 1)]);
  }

  /** A script of the server's scripts/ directory, run in the deploy directory as an operator would. */
  public serverScript(name: string, args: string[]): Promise<{ code: number; output: string }> {
    return new Promise((resolve) => {
      execFile(join(this.deployPath, 'scripts', name), args, { cwd: this.deployPath, env: process.env, maxBuffer: 64 * 1024 * 1024, timeout: 15 * 60_000 },
        (err, stdout, stderr) => resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, output: `${stdout}${stderr}` }));
    });
  }

  /** SQL as the database superuser, inside the postgres container. */
  public async psql(sql: string): Promise<string> {
    const out = await this.stack.compose(['exec', '-T', 'postgres', 'sh', '-c',
      'psql -v ON_ERROR_STOP=1 -U "$POSTGRES_USER" -d "$POSTGRES_DB" -Atc "$1"', 'psql', sql]);
    return out.trim();
  }

  public async destroy(): Promise<void> {
    // Test cleanup only: the deploy scripts never take a stack down or remove volumes.
    if (existsSync(join(this.deployPath, '.env.production'))) await this.stack.down().catch(() => undefined);
    this.ssh.stop();
    rmSync(this.work, { recursive: true, force: true });
  }
}
