import { DERIVED_HEADER, bashArray, bashFragment, exitCodeLines, shellQuote } from './bash';
import type { DeployCheckScript } from './deploy-check-script';
import { ShellScript } from './shell-script';
import { DEPLOY_EXIT, DEPLOY_STATE, Deployment } from '../deploy/deployment';

export interface DeployScriptProps {
  /** The check run after the switch (and after a rollback). */
  readonly check: DeployCheckScript;
}

/**
 * `scripts/deploy.sh`, run on the server in the deploy directory by a person (the manual
 * guide), by remote-deploy.sh (the workflow) and by the deploy e2e test: lock, pull, back up
 * the database, migrate, switch with `up --wait`, check, and roll back to the last good tag
 * when anything after the pull fails. Never `down`, never a volume removed. The services,
 * the database and its dump command, and the migrate service come from the stack; the logic
 * is projenrc/scripts/bash/deploy.bash.
 */
export class DeployScript extends ShellScript {
  constructor(deployment: Deployment, filePath: string, props: DeployScriptProps) {
    super(deployment, filePath, {
      description: [
        'Deploys an image tag on this server: lock, pull, backup, migrate, switch, check; rolls back on failure.',
        `Usage: ${filePath} [options] TAG   (run in the deploy directory; --help lists options and exit codes)`,
      ].join('\n'),
      body: () => [DERIVED_HEADER, ...derived(deployment, props.check), '', ...bashFragment('settings'), '', ...bashFragment('compose-options'), '', ...bashFragment('deploy')],
    });
  }
}

function derived(d: Deployment, check: DeployCheckScript): string[] {
  const db = d.database;
  const images = d.compose.imageVariables;
  // Runs inside the database container, with its own superuser and database variables.
  const dump = ['sh', '-c', `pg_dump --format=custom --username "$${db.superuser.name}" --dbname "$${db.name.name}"`];
  return [
    'SCRIPT_NAME=deploy',
    `DEFAULT_COMPOSE_FILE=${shellQuote(d.compose.file.path)}`,
    `DEFAULT_ENV_FILE=${shellQuote(d.envFile)}`,
    `DEFAULT_IMAGE_PREFIX=${shellQuote(d.stack.imagePrefix)}`,
    `DEFAULT_WAIT_TIMEOUT=${d.waitTimeoutSeconds}`,
    `DEFAULT_KEEP_BACKUPS=${d.keepBackups}`,
    `DEFAULT_KEEP_RELEASES=${d.keepReleases}`,
    `DEFAULT_BACKUP_DIR=${DEPLOY_STATE.backups}`,
    `IMAGE_PREFIX_VARIABLE=${images.prefix.name}`,
    `IMAGE_TAG_VARIABLE=${images.tag.name}`,
    `DEPLOY_CHECK_SCRIPT=${shellQuote(check.path)}`,
    '# Every service of the production compose file: all their images are pulled before anything changes.',
    bashArray('PULL_SERVICES', d.services.map((s) => s.name)),
    '# Switched without downtime behind the proxy: a new container next to the old one, then the old one drains.',
    bashArray('ROLLING_SERVICES', d.rollingServices.map((s) => s.name)),
    '# Switched the same way while the variable is set (service|VARIABLE), recreated otherwise.',
    bashArray('ROLLING_WHEN_SET', d.conditionalRollingServices.map((c) => `${c.service.name}|${c.variable.name}`)),
    '# One-shot services: the switch runs each again at the new tag and waits until it exits 0.',
    bashArray('ONE_SHOT_SERVICES', d.services.filter((s) => s.oneShot).map((s) => s.name)),
    '# The database, backed up (custom-format pg_dump, inside its container) before migrating.',
    `DATABASE_SERVICE=${shellQuote(db.service.name)}`,
    '# shellcheck disable=SC2016 # the variables expand inside the container',
    bashArray('DATABASE_DUMP_COMMAND', dump),
    '# The proxy\'s settings, checked before anything changes: public host names, certificates.',
    bashArray('PUBLIC_HOST_VARIABLES', d.edge.sites.map((site) => site.host.name)),
    '# Public URLs a service is told (VARIABLE|HOST_VARIABLE|path prefix): when set, the proxy must route them to it.',
    bashArray('PUBLIC_URL_VARIABLES', d.edge.sites.flatMap((site) => site.routes.flatMap((r) => {
      const url = r.service.publicRoute?.urlVariable;
      return url ? [`${url.name}|${site.host.name}|${r.pathPrefix ?? '/'}`] : [];
    }))),
    `TLS_ISSUER_VARIABLE=${d.edge.tlsIssuer.name}`,
    `DEFAULT_TLS_ISSUER=${d.edge.tlsIssuer.default}`,
    `ACME_EMAIL_VARIABLE=${d.edge.acmeEmail.name}`,
    '# The one-shot migrations service.',
    `MIGRATE_SERVICE=${shellQuote(d.migrate.service.name)}`,
    '# Deploy state, relative to the deploy directory.',
    `STATE_DIR=${DEPLOY_STATE.dir}`,
    `DEPLOYED_TAG_FILE=${DEPLOY_STATE.deployedTag}`,
    `HISTORY_FILE=${DEPLOY_STATE.history}`,
    `LOCK_FILE=${DEPLOY_STATE.lock}`,
    `LOCK_OWNER_FILE=${DEPLOY_STATE.lockOwner}`,
    `RELEASES_DIR=${DEPLOY_STATE.releases}`,
    ...exitCodeLines(DEPLOY_EXIT),
  ];
}
