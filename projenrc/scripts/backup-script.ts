import { DERIVED_HEADER, bashFragment, exitCodeLines, shellQuote } from './bash';
import { ShellScript } from './shell-script';
import { BACKUP_COMMAND, Backup } from '../backup/backup';
import { DEPLOY_STATE, Deployment } from '../deploy/deployment';

/** backup.sh's own exit codes; others are the backup runner's. */
export const BACKUP_EXIT = {
  OK: { code: 0, meaning: 'done' },
  USAGE: { code: 2, meaning: 'wrong options or command' },
  PREFLIGHT: { code: 3, meaning: 'docker, compose, a compose file or the env file is missing' },
  LOCKED: { code: 75, meaning: 'refused: a deploy or restore is running' },
} as const;

/** The values every operations script (backup.sh, restore.sh) needs. */
export function operationsSettings(deployment: Deployment, backup: Backup, scriptName: string): string[] {
  return [
    `SCRIPT_NAME=${scriptName}`,
    `DEFAULT_COMPOSE_FILE=${shellQuote(deployment.compose.file.path)}`,
    `DEFAULT_ENV_FILE=${shellQuote(deployment.envFile)}`,
    `IMAGE_TAG_VARIABLE=${deployment.compose.imageVariables.tag.name}`,
    '# Deploy state, relative to the deploy directory: the running tag and the lock deploys take too.',
    `STATE_DIR=${DEPLOY_STATE.dir}`,
    `DEPLOYED_TAG_FILE=${DEPLOY_STATE.deployedTag}`,
    `LOCK_FILE=${DEPLOY_STATE.lock}`,
    `LOCK_OWNER_FILE=${DEPLOY_STATE.lockOwner}`,
    `BACKUP_SERVICE=${shellQuote(backup.service.name)}`,
    `BACKUP_COMMAND=${BACKUP_COMMAND}`,
  ];
}

/**
 * `scripts/backup.sh`: a backup now, the list, or one backup to stdout, through the backup
 * service (its running container, else a one-off one). `make backup` runs it. Logic:
 * projenrc/scripts/bash/backup.bash.
 */
export class BackupScript extends ShellScript {
  constructor(deployment: Deployment, backup: Backup, filePath = 'scripts/backup.sh') {
    super(deployment, filePath, {
      description: [
        'Database backups of the stack: now (default), list, export NAME; made by the backup service.',
        `Usage: ${filePath} [options] [now|list|export NAME]   (run in the deploy directory; --help)`,
      ].join('\n'),
      body: () => [
        DERIVED_HEADER,
        ...operationsSettings(deployment, backup, 'backup'),
        ...exitCodeLines(BACKUP_EXIT),
        '', ...bashFragment('settings'),
        '', ...bashFragment('compose-options'),
        '', ...bashFragment('operations'),
        '', ...bashFragment('backup'),
      ],
    });
  }
}
