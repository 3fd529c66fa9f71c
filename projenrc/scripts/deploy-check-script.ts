import { DERIVED_HEADER, bashArray, bashFragment, bashMap, caseFunction, exitCodeLines, shellQuote, textFunction } from './bash';
import { ShellScript } from './shell-script';
import { DEPLOY_CHECK_EXIT, Deployment } from '../deploy/deployment';

/**
 * `scripts/deploy-check.sh`: is the deployed stack well? Every long-running service running
 * and healthy, the migrations applied, the published endpoints answering (with and without
 * the api token), unpublished services passing their own health check. The service list,
 * ports, token variables and migrate command come from the stack; the logic is
 * projenrc/scripts/bash/deploy-check.bash.
 */
export class DeployCheckScript extends ShellScript {
  constructor(deployment: Deployment, filePath = 'scripts/deploy-check.sh') {
    super(deployment, filePath, {
      description: [
        'Checks the deployed stack: services running and healthy, migrations applied, endpoints answering.',
        `Usage: ${filePath} [options]   (run in the deploy directory; --help lists options and exit codes)`,
      ].join('\n'),
      body: () => [DERIVED_HEADER, ...derived(deployment), '', ...bashFragment('settings'), '', ...bashFragment('compose-options'), '', ...bashFragment('deploy-check')],
    });
  }
}

/** deploy-check's code when the proxy's HTTP→HTTPS redirect is missing. */
const PROXY_CHECK_EXIT = 16;

function derived(d: Deployment): string[] {
  const endpoints = d.endpoints;
  const tokenOption = (variable: string) => `--${variable.toLowerCase().replace(/_/g, '-')}`;
  const optionsHelp = [
    ...endpoints.map((e) => `      ${`--${e.service.name}-url URL`.padEnd(24)} base URL of ${e.service.name} (default: https://<${e.hostVariable}>:<${d.edge.httpsPort.name}>, via 127.0.0.1)`),
    ...d.tokenVariables.map((v) => `      ${`${tokenOption(v)} VALUE`.padEnd(24)} bearer token (default: ${v})`),
  ];
  const checkCodes = d.checkExitCodes.map((c) => ({ code: c.code, meaning: `failed: ${c.labels.join(', ')}` }));
  return [
    'SCRIPT_NAME=deploy-check',
    `DEFAULT_COMPOSE_FILE=${shellQuote(d.compose.file.path)}`,
    `DEFAULT_ENV_FILE=${shellQuote(d.envFile)}`,
    `IMAGE_TAG_VARIABLE=${d.compose.imageVariables.tag.name}`,
    '# Long-running services and the proxy: each must be running, and healthy when it has a health check.',
    bashArray('SERVICES', d.checkedServices),
    '# Services that run the deployed tag (--expect-tag); the database keeps its own image.',
    bashArray('TAGGED_SERVICES', d.taggedServices),
    '# The one-shot migrations service, and its command that exits 0 when nothing is pending.',
    `MIGRATE_SERVICE=${shellQuote(d.migrate.service.name)}`,
    bashArray('MIGRATE_STATUS_COMMAND', d.migrate.statusCommand),
    '# The edge proxy: the public host variable of each public service, its ports, its certificates.',
    `PROXY_SERVICE=${shellQuote(d.edge.serviceName)}`,
    bashMap('HOST_VARIABLE', Object.fromEntries(endpoints.map((e) => [e.service.name, e.hostVariable]))),
    `HTTPS_PORT_VARIABLE=${d.edge.httpsPort.name}`,
    `DEFAULT_HTTPS_PORT=${d.edge.httpsPort.default}`,
    `HTTP_PORT_VARIABLE=${d.edge.httpPort.name}`,
    `DEFAULT_HTTP_PORT=${d.edge.httpPort.default}`,
    `TLS_ISSUER_VARIABLE=${d.edge.tlsIssuer.name}`,
    `DEFAULT_TLS_ISSUER=${d.edge.tlsIssuer.default}`,
    `EXIT_PROXY=${PROXY_CHECK_EXIT}`,
    '# HTTP checks through the proxy: label|service|path|expected status|bearer token variable|exit code',
    'HTTP_CHECKS=(',
    ...d.httpChecks.map((c) => `  ${shellQuote([c.label, c.service.name, c.path, c.expectStatus, c.bearerToken?.name ?? '', c.exitCode].join('|'))}`),
    ')',
    '# Container checks, label|service|exit code: the service\'s own health check, run inside its container now.',
    'CONTAINER_CHECKS=(',
    ...d.containerChecks.map((c) => `  ${shellQuote([c.label, c.service.name, c.exitCode].join('|'))}`),
    ')',
    '# The checks run in the container\'s shell: its variables expand there, not here.',
    '# shellcheck disable=SC2016',
    ...caseFunction('run_health_check', Object.fromEntries(d.containerChecks.map((c) => {
      const command = c.service.healthCheck?.command ?? [];
      return [c.service.name, `compose exec -T ${c.service.name} ${command.map(shellQuote).join(' ')}`];
    })), 'return 127'),
    '# Options: a base URL per published service, a value per bearer token variable.',
    ...caseFunction('derived_option', {
      ...Object.fromEntries(endpoints.map((e) => [`--${e.service.name}-url`, `base_url[${e.service.name}]=$2`])),
      ...Object.fromEntries(d.tokenVariables.map((v) => [tokenOption(v), `override[${v}]=$2`])),
    }, 'return 1'),
    ...textFunction('options_help', optionsHelp),
    ...exitCodeLines(DEPLOY_CHECK_EXIT, [...checkCodes, { code: PROXY_CHECK_EXIT, meaning: 'failed: the proxy does not redirect HTTP to HTTPS' }]),
  ];
}
