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

function derived(d: Deployment): string[] {
  const endpoints = d.endpoints;
  const tokenOption = (variable: string) => `--${variable.toLowerCase().replace(/_/g, '-')}`;
  const optionsHelp = [
    ...endpoints.map((e) => `      ${`--${e.service.name}-url URL`.padEnd(24)} base URL of ${e.service.name} (default: http://127.0.0.1:<${e.variable}, else ${e.defaultPort}>)`),
    ...d.tokenVariables.map((v) => `      ${`${tokenOption(v)} VALUE`.padEnd(24)} bearer token (default: ${v})`),
  ];
  const checkCodes = d.checkExitCodes.map((c) => ({ code: c.code, meaning: `failed: ${c.labels.join(', ')}` }));
  return [
    'SCRIPT_NAME=deploy-check',
    `DEFAULT_COMPOSE_FILE=${shellQuote(d.compose.file.path)}`,
    `DEFAULT_ENV_FILE=${shellQuote(d.envFile)}`,
    `IMAGE_TAG_VARIABLE=${d.compose.imageVariables.tag.name}`,
    '# Long-running services: each must be running, and healthy when it has a health check.',
    bashArray('SERVICES', d.longRunning.map((s) => s.name)),
    '# The one-shot migrations service, and its command that exits 0 when nothing is pending.',
    `MIGRATE_SERVICE=${shellQuote(d.migrate.service.name)}`,
    bashArray('MIGRATE_STATUS_COMMAND', d.migrate.statusCommand),
    '# The host port of each published service: its variable, and the default when unset.',
    bashMap('PORT_VARIABLE', Object.fromEntries(endpoints.map((e) => [e.service.name, e.variable]))),
    bashMap('DEFAULT_PORT', Object.fromEntries(endpoints.map((e) => [e.service.name, String(e.defaultPort)]))),
    '# HTTP checks against the published ports: label|service|path|expected status|bearer token variable|exit code',
    'HTTP_CHECKS=(',
    ...d.httpChecks.map((c) => `  ${shellQuote([c.label, c.service.name, c.path, c.expectStatus, c.bearerToken?.name ?? '', c.exitCode].join('|'))}`),
    ')',
    '# Container checks, label|service|exit code: the service\'s own health check, run inside its container now.',
    'CONTAINER_CHECKS=(',
    ...d.containerChecks.map((c) => `  ${shellQuote([c.label, c.service.name, c.exitCode].join('|'))}`),
    ')',
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
    ...exitCodeLines(DEPLOY_CHECK_EXIT, checkCodes),
  ];
}
