import { execFile } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, run, waitFor } from './docker';

/** What a provider's fresh Debian server has: the base system and OpenSSH, root's key installed. */
const FRESH_DEBIAN = {
  image: 'dialogstack-e2e/fresh-debian:trixie',
  dockerfile: [
    'FROM debian:trixie',
    'RUN apt-get update && apt-get install -y --no-install-recommends openssh-server && rm -rf /var/lib/apt/lists/*',
  ].join('\n'),
};

export interface ExecResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * A fresh Debian 13 (trixie) "server" in a container: OpenSSH on a free loopback port of the
 * host network, root reachable with a provider key, nothing else installed. Its Docker engine
 * is this machine's (the socket is mounted: a container has no kernel of its own to run one),
 * so what it deploys runs beside the tests. Systemd and the kernel firewall are not there:
 * server-bootstrap.sh runs with --dry-run-system.
 */
export class FreshServer {
  public static async start(name: string, home: string): Promise<FreshServer> {
    await buildFixtureImage();
    const port = await freePort();
    const socketGid = (await run('stat', ['-c', '%g', '/var/run/docker.sock'])).trim();
    await run('docker', ['run', '--detach', '--name', name, '--network', 'host',
      '--volume', '/var/run/docker.sock:/var/run/docker.sock', FRESH_DEBIAN.image, 'sleep', 'infinity']);
    const server = new FreshServer(name, port, socketGid, home);
    try {
      await server.startSshd();
    } catch (err) {
      await server.remove();
      throw err;
    }
    return server;
  }

  public readonly host = '127.0.0.1';

  private constructor(
    public readonly name: string,
    public readonly port: number,
    private readonly socketGid: string,
    private readonly home: string,
  ) {}

  /** The provider key that logs in as root (what a cloud console installs). */
  public get rootKeyFile(): string { return join(this.home, '.ssh', 'provider_root'); }
  /** known_hosts with the server's real host key, as read through the provider's console. */
  public get knownHostsFile(): string { return join(this.home, '.ssh', 'known_hosts_fixture'); }

  /** A command as root, the way the provider's web console runs it (no SSH). */
  public console(script: string, user = 'root'): Promise<ExecResult> {
    return execResult('docker', ['exec', '--user', user, this.name, 'bash', '-c', script]);
  }

  /**
   * Docker's socket here belongs to this machine's docker group: the server's docker group
   * takes its number, as it has on a real server where the engine is local.
   */
  public async adoptDockerSocketGroup(): Promise<void> {
    const r = await this.console(`groupmod --non-unique --gid ${this.socketGid} docker`);
    if (r.code !== 0) throw new Error(`groupmod failed: ${r.stderr}`);
  }

  public async remove(): Promise<void> {
    await run('docker', ['rm', '--force', this.name]).catch(() => undefined);
  }

  private async startSshd(): Promise<void> {
    mkdirSync(join(this.home, '.ssh'), { recursive: true, mode: 0o700 });
    await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'provider root key', '-f', this.rootKeyFile]);
    const rootKey = readFileSync(`${this.rootKeyFile}.pub`, 'utf8').trim();
    const setup = await this.console([
      'install -d -m 700 /root/.ssh',
      `printf '%s\\n' '${rootKey}' > /root/.ssh/authorized_keys`,
      'chmod 600 /root/.ssh/authorized_keys',
      'install -d -m 755 /run/sshd',
      // The test server's Telegram and LLM are the local fakes: every session's compose
      // commands use the deploy directory's override (copied there by the test) beside the stack's file.
      `/usr/sbin/sshd -p ${this.port} -o ListenAddress=127.0.0.1 -o PasswordAuthentication=no `
        + '-o "SetEnv=COMPOSE_FILE=docker-compose.prod.yml:fakes.yml"',
    ].join(' && '));
    if (setup.code !== 0) throw new Error(`sshd did not start: ${setup.stderr}`);
    const hostKey = (await this.console('cat /etc/ssh/ssh_host_ed25519_key.pub')).stdout.trim().split(/\s+/).slice(0, 2).join(' ');
    writeFileSync(this.knownHostsFile, `[${this.host}]:${this.port} ${hostKey}\n`);
    chmodSync(this.rootKeyFile, 0o600);
    await waitFor(`sshd on ${this.host}:${this.port}`, async () => {
      const r = await execResult('ssh', ['-i', this.rootKeyFile, '-p', String(this.port), '-o', `UserKnownHostsFile=${this.knownHostsFile}`,
        '-o', 'StrictHostKeyChecking=yes', '-o', 'BatchMode=yes', `root@${this.host}`, 'true']);
      return r.code === 0 || undefined;
    }, 30_000, 300);
  }
}

async function buildFixtureImage(): Promise<void> {
  const present = await execResult('docker', ['image', 'inspect', FRESH_DEBIAN.image]);
  if (present.code === 0) return;
  await new Promise<void>((resolve, reject) => {
    const build = execFile('docker', ['build', '--quiet', '--tag', FRESH_DEBIAN.image, '-'], { maxBuffer: 16 * 1024 * 1024 },
      (err, _stdout, stderr) => (err ? reject(new Error(`fixture image: ${stderr}`)) : resolve()));
    build.stdin?.end(FRESH_DEBIAN.dockerfile);
  });
}

export function execResult(cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string } = {}): Promise<ExecResult> {
  return new Promise((resolve) => {
    const child = execFile(cmd, args, { cwd: opts.cwd, env: opts.env ?? process.env, maxBuffer: 64 * 1024 * 1024, timeout: 30 * 60_000 },
      (err, stdout, stderr) => resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }));
    child.stdin?.end(opts.input ?? '');
  });
}
