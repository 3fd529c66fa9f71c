import { Component } from 'projen';
import { BaseImages } from '../base-images';
import type { DatabaseRef } from '../deploy/deployment';
import { EnvVar, envVar } from '../env';
import type { EnvTemplate } from '../env-template';
import { commandHealthCheck } from '../health-check';
import type { Image } from '../image';
import { aptInstall, healthCheckInstruction } from '../recipes';
import { BackupRunnerScript } from '../scripts/backup-runner-script';
import { EnvValue, SERVICE_METRICS_PORT, Service } from '../service';
import type { Stack } from '../stack';

export interface BackupProps {
  /** The database to dump, with the variable holding its superuser's password. */
  readonly database: DatabaseRef & { readonly superuserPassword: EnvVar };
  /** The production env file's template: each backup carries an encrypted copy of the env file. */
  readonly envTemplate: EnvTemplate;
  /** Port of the backup metrics (the last success, for the alert). */
  readonly metricsPort: number;
  /** @default '03:30' (UTC) */
  readonly time?: string;
  /** Newest backup of each of this many days. @default 7 */
  readonly keepDaily?: number;
  /** Newest backup of each of this many ISO weeks. @default 4 */
  readonly keepWeekly?: number;
}

/** Where backups live inside the backup container (the `backups` volume). */
export const BACKUP_VOLUME = { name: 'backups', target: '/backups' } as const;
/** The runner's name on the image's PATH: `docker compose exec backup dialogstack-backup list`. */
export const BACKUP_COMMAND = 'dialogstack-backup';

/**
 * Scheduled backups as a service of the production stack: a small Debian image with
 * pg_dump, age and rclone whose runner dumps the database every day (custom format), keeps
 * an age-encrypted copy of the env file beside each dump, copies both off-site (encrypted)
 * when BACKUP_OFFSITE is set, prunes by day and week, and serves its last success as a
 * metric. It carries every production variable (to rebuild the env file), so it is
 * declared after every other service and variable; validation says when it is not.
 */
export class Backup extends Component {
  public readonly image: Image;
  public readonly service: Service;
  public readonly runner: BackupRunnerScript;
  public readonly database: DatabaseRef;
  public readonly envFile: string;

  constructor(stack: Stack, id: string, props: BackupProps) {
    super(stack, id);
    const db = props.database;
    this.database = db;
    this.envFile = props.envTemplate.envFile;
    const postgresMajor = /^(\d+)/.exec(BaseImages.postgres.tag)?.[1] ?? '17';
    this.runner = new BackupRunnerScript(this, 'devops/backup/dialogstack-backup', {
      stackName: stack.name,
      envFileName: this.envFile,
      database: db,
      backupDir: BACKUP_VOLUME.target,
      defaults: { time: props.time ?? '03:30', keepDaily: props.keepDaily ?? 7, keepWeekly: props.keepWeekly ?? 4 },
      envCopyVariables: () => this.service.passThrough.map((v) => v.name),
    });
    this.image = stack.addImage('backup', {
      description: 'Scheduled database backups: pg_dump, age and rclone from Debian, and the backup runner.',
      context: ['devops/backup'],
      // Checked every second like the others: a deploy recreates it and waits for it to be healthy
      // (every 10 s held each deploy's switch ~3 s after the last web service had switched).
      healthCheck: commandHealthCheck([BACKUP_COMMAND, 'health']),
      metrics: { port: props.metricsPort },
      recipe: (df, image) => {
        const stage = df.addStage('runtime', BaseImages.debian);
        // Debian's own `backup` account (uid 34) runs it; the volume's mount point belongs to it.
        stage.run(aptInstall([`postgresql-client-${postgresMajor}`, 'age', 'rclone', 'busybox', 'ca-certificates'],
          [`install -d -o backup -g backup -m 0700 ${BACKUP_VOLUME.target} /var/lib/${BACKUP_COMMAND}`]));
        stage.copy(this.runner.path, `/usr/local/bin/${BACKUP_COMMAND}`);
        stage.run(`chmod 0555 /usr/local/bin/${BACKUP_COMMAND}`);
        stage.user('backup');
        if (image.healthCheck) stage.healthCheck(healthCheckInstruction(image.healthCheck));
        stage.cmd([BACKUP_COMMAND, 'schedule']);
      },
    });

    const setting = (name: string, description: string, value: string) => envVar(name, { description, default: value, renderings: ['prod'] });
    const env: Record<string, EnvValue> = {
      PGHOST: db.service.name,
      PGPORT: String(db.service.port),
      [db.superuser.name]: db.superuser,
      [db.superuserPassword.name]: db.superuserPassword,
      [db.name.name]: db.name,
      METRICS_PORT: SERVICE_METRICS_PORT,
      BACKUP_TIME: setting('BACKUP_TIME', 'Time of the daily database backup, HH:MM in UTC', props.time ?? '03:30'),
      BACKUP_KEEP_DAILY: setting('BACKUP_KEEP_DAILY', 'Backups kept: the newest of each of this many days', String(props.keepDaily ?? 7)),
      BACKUP_KEEP_WEEKLY: setting('BACKUP_KEEP_WEEKLY', 'Backups kept besides: the newest of each of this many weeks', String(props.keepWeekly ?? 4)),
      BACKUP_AGE_RECIPIENT: envVar('BACKUP_AGE_RECIPIENT', {
        description: 'age public key(s), comma-separated: each backup then keeps an encrypted copy of the env file, and off-site copies are encrypted to them',
        example: 'age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p',
        renderings: ['prod'],
      }),
      BACKUP_OFFSITE: envVar('BACKUP_OFFSITE', {
        description: 'rclone remote for off-site copies (S3-compatible, SFTP...), e.g. :sftp,host=backup.example.com,user=dialogstack:backups; needs BACKUP_AGE_RECIPIENT',
        secret: true,
        renderings: ['prod'],
      }),
    };
    this.service = stack.addService('backup', {
      description: `Daily pg_dump with retention, an encrypted copy of ${this.envFile}, optional off-site copy`,
      image: this.image,
      renderings: ['prod'],
      dependsOn: [{ service: db.service, condition: 'healthy' }],
      env,
      // Every production variable, so the runner can rebuild the env file the stack runs with.
      carries: stack.variablesFor('prod'),
      volumes: [{ volume: BACKUP_VOLUME.name, target: BACKUP_VOLUME.target }],
      resources: { memoryMb: 256, cpus: 0.5 },
    });
    this.node.addValidation({ validate: () => this.problems(stack) });
  }

  private problems(stack: Stack): string[] {
    const carried = new Set(this.service.reads);
    const missing = stack.variablesFor('prod').map((v) => v.name).filter((name) => !carried.has(name));
    return missing.length
      ? [`the copy of ${this.envFile} would miss ${missing.join(', ')}, declared after the Backup: declare the Backup after every service and variable`]
      : [];
  }
}
