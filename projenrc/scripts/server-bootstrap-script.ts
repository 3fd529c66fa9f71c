import { DERIVED_HEADER, bashArray, bashFragment, exitCodeLines, shellQuote } from './bash';
import { ShellScript } from './shell-script';
import type { Deployment } from '../deploy/deployment';

/** server-bootstrap.sh's exit codes. */
export const SERVER_BOOTSTRAP_EXIT = {
  OK: { code: 0, meaning: 'the server is a deploy target (what changed is listed)' },
  USAGE: { code: 2, meaning: 'wrong options or a malformed public key; nothing changed' },
  PREFLIGHT: { code: 3, meaning: 'not root, not Debian or Ubuntu, or no systemd (use --dry-run-system); nothing changed' },
  PACKAGES: { code: 4, meaning: 'installing packages (or Docker) failed' },
  FIREWALL: { code: 5, meaning: 'the firewall rules did not load' },
} as const;

export interface ServerBootstrapScriptProps {
  /** The account deploys log in as. @default 'deploy' */
  readonly deployUser?: string;
}

/**
 * `scripts/server-bootstrap.sh`: turns a fresh Debian or Ubuntu server into a deploy target
 * (Docker and compose, the deploy user and its keys, the deploy directory, a firewall,
 * unattended security upgrades), idempotently. The deploy directory, the env file's name and
 * the public ports (every port production publishes on all interfaces) come from the model;
 * the logic is projenrc/scripts/bash/server-bootstrap.bash.
 */
export class ServerBootstrapScript extends ShellScript {
  constructor(deployment: Deployment, filePath: string, props: ServerBootstrapScriptProps = {}) {
    super(deployment, filePath, {
      description: [
        'Makes a fresh Debian/Ubuntu server a deploy target: Docker + compose, deploy user and keys, deploy directory, firewall, security upgrades.',
        `Usage (as root, on the server): ${filePath} --ssh-key you.pub [--ci-key actions.pub] [--dry-run-system]   (--help)`,
      ].join('\n'),
      body: () => [
        DERIVED_HEADER,
        `STACK_NAME=${shellQuote(deployment.stack.name)}`,
        `DEFAULT_DEPLOY_USER=${shellQuote(props.deployUser ?? 'deploy')}`,
        '# The deploy directory, relative to the deploy user\'s home (DEPLOY_PATH of the workflow).',
        `DEPLOY_DIR_NAME=${shellQuote(deployment.deployPath)}`,
        `ENV_FILE_NAME=${shellQuote(deployment.envFile)}`,
        '# Host ports production publishes on every interface: all the firewall opens besides SSH.',
        bashArray('PUBLIC_TCP_PORTS', publicPorts(deployment).map(String)),
        '# UDP: HTTP/3 on the proxy\'s HTTPS port.',
        bashArray('PUBLIC_UDP_PORTS', [String(deployment.edge.httpsPort.default)]),
        `FIREWALL_TABLE=${deployment.stack.name}_firewall`,
        `FIREWALL_FILE=/etc/${deployment.stack.name}/firewall.nft`,
        `FIREWALL_UNIT=${deployment.stack.name}-firewall.service`,
        ...exitCodeLines(SERVER_BOOTSTRAP_EXIT),
        '',
        ...bashFragment('server-bootstrap'),
      ],
    });
  }
}

/** Default host ports published on all interfaces in production: the proxy's, and any service's (loopback-only ones stay closed). */
export function publicPorts(deployment: Deployment): number[] {
  const ports = deployment.stack.services.flatMap((s) => {
    const p = s.publishedIn('prod');
    return p && (p.hostIp === undefined || p.hostIp === '0.0.0.0' || p.hostIp === '::') ? [p.defaultHostPort] : [];
  });
  ports.push(Number(deployment.edge.httpPort.default), Number(deployment.edge.httpsPort.default));
  return [...new Set(ports)].sort((a, b) => a - b);
}
