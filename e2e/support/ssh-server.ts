import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { freePort, waitFor } from './docker';

const SSHD = '/usr/sbin/sshd';

/**
 * A real OpenSSH server on a loopback port, standing in for the deploy target: its own host
 * key and one authorized client key, everything in a temp dir, no system configuration
 * touched. Sessions run as the current user against the local Docker engine.
 */
export class SshServer {
  public static async start(): Promise<SshServer> {
    if (!existsSync(SSHD)) throw new Error(`${SSHD} not found: apt-get install -y openssh-server (the deploy e2e's "server")`);
    const dir = mkdtempSync(join(tmpdir(), 'sshd-'));
    keygen(join(dir, 'host_ed25519'));
    keygen(join(dir, 'client_ed25519'));
    // `restrict`: no forwarding, no pty; the deploy needs none, so the guide recommends it.
    writeFileSync(join(dir, 'authorized_keys'), `restrict ${readFileSync(join(dir, 'client_ed25519.pub'), 'utf8')}`);
    const port = await freePort();
    const config = [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${join(dir, 'host_ed25519')}`,
      `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
      'PidFile none',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'PubkeyAuthentication yes',
      'PermitRootLogin prohibit-password',
      `AllowUsers ${userInfo().username}`,
      'UsePAM no',
      // The temp dir sits under world-writable /tmp, which StrictModes would reject.
      'StrictModes no',
      // A real server has the compose plugin installed system-wide; here it lives in DOCKER_CONFIG.
      ...(process.env.DOCKER_CONFIG ? [`SetEnv DOCKER_CONFIG=${process.env.DOCKER_CONFIG}`] : []),
      'LogLevel VERBOSE',
    ];
    writeFileSync(join(dir, 'sshd_config'), `${config.join('\n')}\n`);
    // sshd running as root wants its privilege separation directory; Debian's service unit
    // creates it at boot (tmpfiles.d), a plain container has none.
    if (process.getuid?.() === 0 && !existsSync('/run/sshd')) mkdirSync('/run/sshd', { mode: 0o755 });
    const log = openSync(join(dir, 'sshd.log'), 'a');
    const sshd = spawn(SSHD, ['-D', '-e', '-f', join(dir, 'sshd_config')], { stdio: ['ignore', log, log] });
    const server = new SshServer(port, dir, sshd);
    try {
      await waitFor(`sshd on 127.0.0.1:${port}`, async () => {
        if (sshd.exitCode !== null) throw new Error(`sshd exited with ${sshd.exitCode}: ${server.log}`);
        return accepts(port);
      }, 10_000, 100);
    } catch (err) {
      server.stop();
      throw err;
    }
    return server;
  }

  public readonly host = '127.0.0.1';
  public readonly user = userInfo().username;

  private constructor(
    public readonly port: number,
    private readonly dir: string,
    private readonly sshd: ChildProcess,
  ) {}

  /** The client's private key (what the SSH_KEY secret holds). */
  public get clientKey(): string { return readFileSync(join(this.dir, 'client_ed25519'), 'utf8'); }

  /** The pinned host key line (what the SSH_KNOWN_HOSTS secret holds). */
  public get knownHosts(): string { return knownHostsLine(this.host, this.port, join(this.dir, 'host_ed25519.pub')); }

  /** A well-formed known_hosts line for this address with some other host key: an impostor. */
  public get impostorKnownHosts(): string {
    keygen(join(this.dir, 'impostor_ed25519'));
    return knownHostsLine(this.host, this.port, join(this.dir, 'impostor_ed25519.pub'));
  }

  public get log(): string { return readFileSync(join(this.dir, 'sshd.log'), 'utf8'); }

  public stop(): void {
    if (this.sshd.exitCode === null) this.sshd.kill('SIGTERM');
    rmSync(this.dir, { recursive: true, force: true });
  }
}

function keygen(file: string): void {
  if (!existsSync(file)) execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'dialogstack-deploy-e2e', '-f', file]);
}

/** `[host]:port <type> <key>`: the form ssh-keyscan prints for a non-default port. */
function knownHostsLine(host: string, port: number, publicKeyFile: string): string {
  const [type, key] = readFileSync(publicKeyFile, 'utf8').trim().split(/\s+/);
  return `[${host}]:${port} ${type} ${key}`;
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => { socket.destroy(); resolve(true); });
    socket.once('error', () => resolve(false));
  });
}
