import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { ComposeProject, REPO_ROOT, freePort, run, secret } from './docker';
import { Edge, edgeEnv, edgeOf } from './edge';
import { DEMO_ENV_FILE, FAKE_SERVICES, writeFakesOverride } from './fakes';
import { testStackEnv } from './stack-env';

/** The server's scripts an operator runs in the deploy directory. */
const SERVER_SCRIPTS = ['backup.sh', 'restore.sh', 'deploy-check.sh'];
const OFFSITE = { service: 'offsite', user: 'offsite', port: 2022, path: 'dialogstack' } as const;

export interface ScriptRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly seconds: number;
}

/**
 * A production stack in a deploy directory of its own, as on a server: docker-compose.prod.yml
 * and the server scripts copied there, .env.production written by hand (mode 600), images of
 * `tag` pulled from the registry at `imagePrefix`. An override adds the Telegram and LLM fakes
 * (the emulator published on loopback, so tests can chat with the bot) and an SFTP server as
 * the off-site backup target (rclone from the backup image). Names, ports and volumes are
 * unique per run.
 */
export class OpsStack {
  public static async create(opts: { project: string; imagePrefix: string; tag: string }): Promise<OpsStack> {
    const dir = mkdtempSync(join(tmpdir(), 'ops-stack-'));
    mkdirSync(join(dir, 'scripts'));
    copyFileSync(join(REPO_ROOT, 'docker-compose.prod.yml'), join(dir, 'docker-compose.prod.yml'));
    // `make backup`, `make restore FILE=…` work where the Makefile is beside the env file (the README's way).
    copyFileSync(join(REPO_ROOT, 'Makefile'), join(dir, 'Makefile'));
    for (const script of SERVER_SCRIPTS) copyFileSync(join(REPO_ROOT, 'scripts', script), join(dir, 'scripts', script));
    const ports = {
      api: await freePort(),
      frontend: await freePort(),
      postgres: await freePort(),
      prometheus: await freePort(),
      emulator: await freePort(),
      http: await freePort(),
      https: await freePort(),
    };
    const backupImage = `${opts.imagePrefix}/backup:${opts.tag}`;
    const age = await ageKeyPair(backupImage);
    const offsitePassword = secret(12);
    const obscured = (await run('docker', ['run', '--rm', backupImage, 'rclone', 'obscure', offsitePassword])).trim();
    const demo = Object.fromEntries(readFileSync(DEMO_ENV_FILE, 'utf8').split('\n')
      .filter((l) => /^[A-Z_]+=/.test(l)).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
    const env: Record<string, string> = {
      ...testStackEnv(ports),
      ...edgeEnv(ports),
      ...demo,
      COMPOSE_PROJECT_NAME: opts.project,
      COMPOSE_PROFILES: 'monitoring',
      IMAGE_PREFIX: opts.imagePrefix,
      IMAGE_TAG: opts.tag,
      PROMETHEUS_PORT: String(ports.prometheus),
      BACKUP_AGE_RECIPIENT: age.publicKey,
      BACKUP_OFFSITE: `:sftp,host=${OFFSITE.service},port=${OFFSITE.port},user=${OFFSITE.user},pass=${obscured}:${OFFSITE.path}`,
    };
    writeFileSync(join(dir, '.env.production'), `${Object.entries(env).map(([k, v]) => `${k}=${v}`).join('\n')}\n`, { mode: 0o600 });
    writeFileSync(join(dir, 'ops.override.yml'), stringify(override(ports.emulator, backupImage, offsitePassword)));
    // The fakes' image is built here, so the stack's start measures starting, not building.
    await run('docker', ['compose', '-f', 'docker-compose.yml', '--profile', 'demo', 'build', FAKE_SERVICES[0]], { env });
    return new OpsStack(dir, env, age.identity, ports);
  }

  public readonly compose: ComposeProject;
  /** COMPOSE_FILE for the scripts: the production file plus the override. */
  private readonly composeFile = 'docker-compose.prod.yml:ops.override.yml';

  private constructor(
    public readonly dir: string,
    public readonly env: Record<string, string>,
    /** The age identity whose public key is BACKUP_AGE_RECIPIENT (kept off the server in real life). */
    public readonly ageIdentity: string,
    public readonly ports: { api: number; frontend: number; prometheus: number; emulator: number },
  ) {
    this.compose = new ComposeProject(env.COMPOSE_PROJECT_NAME, [join(dir, 'docker-compose.prod.yml'), join(dir, 'ops.override.yml')], {},
      { envFiles: [join(dir, '.env.production')] });
  }

  /** The proxy, the only way in to the api and the dashboard (they publish no ports in production). */
  public get edge(): Edge { return edgeOf(this.env); }
  public get prometheusUrl(): string { return `http://127.0.0.1:${this.ports.prometheus}`; }
  public get emulatorUrl(): string { return `http://127.0.0.1:${this.ports.emulator}`; }
  public get offsiteDir(): string { return `/backups/${OFFSITE.path}`; }

  /** A server script, run in the deploy directory as an operator would (`scripts/restore.sh …`). */
  public script(name: string, args: string[], stdin?: string): Promise<ScriptRun> {
    return this.execute(join(this.dir, 'scripts', name), args, stdin);
  }

  /** `make TARGET VAR=…` in the deploy directory, as the README shows. */
  public make(args: string[]): Promise<ScriptRun> {
    return this.execute('make', ['--no-print-directory', ...args]);
  }

  private execute(command: string, args: string[], stdin?: string): Promise<ScriptRun> {
    const started = Date.now();
    return new Promise((resolve) => {
      const child = execFile(command, args, {
        cwd: this.dir,
        env: { ...process.env, COMPOSE_FILE: this.composeFile },
        maxBuffer: 64 * 1024 * 1024,
        timeout: 15 * 60_000,
      }, (err, stdout, stderr) => resolve({
        code: err ? Number((err as { code?: number }).code ?? 1) : 0,
        stdout,
        stderr,
        seconds: (Date.now() - started) / 1000,
      }));
      child.stdin?.end(stdin ?? '');
    });
  }

  /** `docker compose exec -T SERVICE ARGS...`, its stdout as bytes (backups are binary). */
  public exec(service: string, args: string[]): Promise<Buffer> {
    const files = ['docker-compose.prod.yml', 'ops.override.yml'].flatMap((f) => ['-f', join(this.dir, f)]);
    return runWithInput('docker', ['compose', '-p', this.env.COMPOSE_PROJECT_NAME, ...files, '--env-file', join(this.dir, '.env.production'),
      'exec', '-T', service, ...args], Buffer.alloc(0), {});
  }

  /** SQL as the database superuser, inside the postgres container: one row per line, columns joined by |. */
  public async psql(sql: string): Promise<string> {
    const out = await this.compose.compose(['exec', '-T', 'postgres', 'sh', '-c',
      'psql -v ON_ERROR_STOP=1 -U "$POSTGRES_USER" -d "$POSTGRES_DB" -Atc "$1"', 'psql', sql]);
    return out.trim();
  }

  /** `postgres://owner:…@postgres:5432/db`: the role that may delete (seeding with --replace). */
  public get ownerUrl(): string {
    return `postgres://dialogstack_owner:${this.env.DB_OWNER_PASSWORD}@postgres:5432/dialogstack`;
  }

  /** `postgres://writer:…@postgres:5432/db`, the bot's URL on the stack's network. */
  public get writerUrl(): string {
    return `postgres://dialogstack_writer:${this.env.DB_WRITER_PASSWORD}@postgres:5432/dialogstack`;
  }

  /** Decrypts an age file with the identity, in a throwaway container of `image` (age is in the backup image). */
  public async decrypt(image: string, encrypted: Buffer): Promise<Buffer> {
    return runWithInput('docker', ['run', '--rm', '-i', '-e', 'AGE_IDENTITY', image, 'sh', '-c',
      'printf "%s\\n" "$AGE_IDENTITY" > /tmp/key && age --decrypt --identity /tmp/key'], encrypted, { AGE_IDENTITY: this.ageIdentity });
  }

  public async destroy(): Promise<void> {
    // Test cleanup only: the scripts under test never take a stack down or remove a volume.
    await this.compose.down().catch(() => undefined);
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** The fakes (emulator published on loopback) and the off-site SFTP target. */
function override(emulatorPort: number, backupImage: string, offsitePassword: string): Record<string, unknown> {
  const fakes = parse(readFileSync(writeFakesOverride(), 'utf8')) as { services: Record<string, Record<string, unknown>> };
  fakes.services.telegram.ports = [`127.0.0.1:${emulatorPort}:8081`];
  return {
    services: {
      ...fakes.services,
      [OFFSITE.service]: {
        image: backupImage,
        command: ['rclone', 'serve', 'sftp', '/backups', '--addr', `:${OFFSITE.port}`, '--user', OFFSITE.user, '--pass', offsitePassword, '--config', '/dev/null'],
        environment: { XDG_CACHE_HOME: '/tmp' },
        volumes: ['offsite-data:/backups'],
        networks: ['dialogstack'],
        // `up --wait` needs a health check on every running service: the SFTP port accepts.
        healthcheck: { test: ['CMD', 'bash', '-c', 'exec 3<>/dev/tcp/127.0.0.1/2022'], interval: '2s', timeout: '2s', retries: 30 },
      },
    },
    volumes: { 'offsite-data': {} },
  };
}

async function ageKeyPair(image: string): Promise<{ publicKey: string; identity: string }> {
  const out = await run('docker', ['run', '--rm', image, 'age-keygen']);
  const identity = out.split('\n').find((l) => l.startsWith('AGE-SECRET-KEY-'))!;
  const publicKey = /public key: (age1[0-9a-z]+)/.exec(out)![1];
  return { publicKey, identity };
}

function runWithInput(cmd: string, args: string[], input: Buffer, env: Record<string, string>): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = execFile(cmd, args, { env: { ...process.env, ...env }, encoding: 'buffer', maxBuffer: 256 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${cmd} ${args.join(' ')} failed: ${err.message}\n${stderr.toString()}`));
      else resolve(stdout);
    });
    child.stdin?.end(input);
  });
}
