import { operationsSettings } from './backup-script';
import { DERIVED_HEADER, bashArray, bashFragment, exitCodeLines, shellQuote } from './bash';
import type { DeployCheckScript } from './deploy-check-script';
import { ShellScript } from './shell-script';
import type { Backup } from '../backup/backup';
import { DEPLOY_STATE, Deployment } from '../deploy/deployment';
import type { Service } from '../service';

/** restore.sh's exit codes. */
export const RESTORE_EXIT = {
  OK: { code: 0, meaning: 'restored: every service healthy, every check passed' },
  USAGE: { code: 2, meaning: 'wrong options, no such backup, or not confirmed; nothing changed' },
  PREFLIGHT: { code: 3, meaning: 'docker, compose, a compose file, the env file or the database is missing; nothing changed' },
  SAFETY_BACKUP: { code: 4, meaning: 'the pre-restore backup failed; nothing changed' },
  RESTORE: { code: 5, meaning: 'the restore failed: the writers are stopped, the database may be incomplete' },
  MIGRATE: { code: 6, meaning: 'migrations failed on the restored database: the writers are stopped' },
  START: { code: 7, meaning: 'restored, but a service is not healthy or a check failed' },
  LOCKED: { code: 75, meaning: 'refused: a deploy or restore is running' },
} as const;

export interface RestoreScriptProps {
  /** Run at the end, like after a deploy. */
  readonly check: DeployCheckScript;
}

/**
 * `scripts/restore.sh BACKUP`: stops the writers, restores, migrates, starts, checks. The
 * writers are the long-running services that use the database (they wait for it or for its
 * migrations); the backup service does the restore itself. `make restore FILE=…` runs it.
 * Logic: projenrc/scripts/bash/restore.bash.
 */
export class RestoreScript extends ShellScript {
  constructor(deployment: Deployment, backup: Backup, filePath: string, props: RestoreScriptProps) {
    super(deployment, filePath, {
      description: [
        'Replaces the database with a backup: stop the writers, back up, restore, migrate, start, check.',
        `Usage: ${filePath} [options] BACKUP   (a name from scripts/backup.sh list, or a .dump file; --help)`,
      ].join('\n'),
      body: () => {
        const db = deployment.database;
        return [
          DERIVED_HEADER,
          ...operationsSettings(deployment, backup, 'restore'),
          `DEFAULT_BACKUP_DIR=${DEPLOY_STATE.backups}`,
          `DEFAULT_WAIT_TIMEOUT=${deployment.waitTimeoutSeconds}`,
          `DATABASE_SERVICE=${shellQuote(db.service.name)}`,
          `DATABASE_NAME_VARIABLE=${db.name.name}`,
          `DEFAULT_DATABASE_NAME=${shellQuote(db.name.default ?? '')}`,
          `MIGRATE_SERVICE=${shellQuote(deployment.migrate.service.name)}`,
          `DEPLOY_CHECK_SCRIPT=${shellQuote(props.check.path)}`,
          '# Long-running services that use the database: stopped while it is replaced.',
          bashArray('WRITERS', databaseUsers(deployment, backup).map((s) => s.name)),
          ...exitCodeLines(RESTORE_EXIT),
          '', ...bashFragment('settings'),
          '', ...bashFragment('compose-options'),
          '', ...bashFragment('operations'),
          '', ...bashFragment('restore'),
        ];
      },
    });
  }
}

/** Long-running services that wait for the database or its migrations, directly or not. */
export function databaseUsers(deployment: Deployment, backup: Backup): Service[] {
  const db = deployment.database.service;
  const uses = (s: Service): boolean => s.dependsOn.some((d) => d.service === db || d.service === deployment.migrate.service || uses(d.service));
  return deployment.longRunning.filter((s) => s !== db && s !== backup.service && uses(s));
}
