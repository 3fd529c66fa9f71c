import { IConstruct } from 'constructs';
import { DERIVED_HEADER, bashArray, bashFragment, exitCodeLines, shellQuote } from './bash';
import { ShellScript } from './shell-script';
import type { DatabaseRef } from '../deploy/deployment';
import type { EnvVar } from '../env';

/** The backup runner's exit codes. */
export const BACKUP_RUNNER_EXIT = {
  OK: { code: 0, meaning: 'done' },
  USAGE: { code: 2, meaning: 'wrong command, option or backup name' },
  SETTINGS: { code: 3, meaning: 'invalid BACKUP_* settings (each one is named)' },
  BACKUP: { code: 4, meaning: 'the backup failed (dump, env copy or off-site copy); nothing was pruned' },
  RESTORE_INPUT: { code: 5, meaning: 'not a pg_dump archive; the database was not touched' },
  RESTORE: { code: 6, meaning: 'the restore failed; the database may be incomplete' },
} as const;

export interface BackupRunnerScriptProps {
  readonly stackName: string;
  /** Name of the env file the copy stands for, e.g. `.env.production`. */
  readonly envFileName: string;
  readonly database: DatabaseRef & { readonly superuserPassword: EnvVar };
  /** Where the backups live in the container. */
  readonly backupDir: string;
  readonly defaults: { readonly time: string; readonly keepDaily: number; readonly keepWeekly: number };
  /** The variables the env copy holds (known at synth: the service's pass-through variables). */
  readonly envCopyVariables: () => readonly string[];
}

/**
 * `devops/backup/dialogstack-backup`: the backup image's runner (schedule, now, list,
 * restore, health). The database variables, paths and defaults come from the stack; the
 * logic is projenrc/scripts/bash/backup-runner.bash.
 */
export class BackupRunnerScript extends ShellScript {
  constructor(scope: IConstruct, filePath: string, props: BackupRunnerScriptProps) {
    super(scope, filePath, {
      description: [
        'The backup service\'s runner: daily pg_dump with retention, an encrypted copy of the env file, off-site copies, restore.',
        'Runs inside the backup image; on a server: docker compose exec backup dialogstack-backup --help',
      ].join('\n'),
      body: () => [
        DERIVED_HEADER,
        `STACK_NAME=${shellQuote(props.stackName)}`,
        `ENV_FILE_NAME=${shellQuote(props.envFileName)}`,
        `BACKUP_DIR=${shellQuote(props.backupDir)}`,
        `STATE_DIR=${shellQuote(`${props.backupDir}/.state`)}`,
        `RUN_DIR=/var/lib/${filePath.slice(filePath.lastIndexOf('/') + 1)}`,
        '# The variables holding the superuser, its password and the database name.',
        `SUPERUSER_VARIABLE=${props.database.superuser.name}`,
        `PASSWORD_VARIABLE=${props.database.superuserPassword.name}`,
        `DATABASE_VARIABLE=${props.database.name.name}`,
        `DEFAULT_TIME=${shellQuote(props.defaults.time)}`,
        `DEFAULT_KEEP_DAILY=${props.defaults.keepDaily}`,
        `DEFAULT_KEEP_WEEKLY=${props.defaults.keepWeekly}`,
        '# Every variable of the production env file: what the encrypted copy holds.',
        bashArray('ENV_COPY_VARIABLES', props.envCopyVariables()),
        ...exitCodeLines(BACKUP_RUNNER_EXIT),
        '',
        ...bashFragment('backup-runner'),
      ],
    });
  }
}
