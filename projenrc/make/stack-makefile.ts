import { Component } from 'projen';
import { Makefile, MakeTarget } from './makefile';
import type { StackCompose } from '../compose/stack-compose';
import type { DatabaseRef } from '../deploy/deployment';
import type { EnvTemplate, FixedEnvFile } from '../env-template';
import type { BackupScript } from '../scripts/backup-script';
import type { InitEnvScript } from '../scripts/init-env-script';
import type { RestoreScript } from '../scripts/restore-script';
import type { Service } from '../service';
import type { Stack } from '../stack';

export interface StackMakefileProps {
  /** The rendering `make up` builds and runs. */
  readonly dev: StackCompose;
  /** The rendering the `prod-*` targets pull and run. */
  readonly prod: StackCompose;
  /** Templates of `.env` (made by `make env`) and of the production env file. */
  readonly devEnvTemplate: EnvTemplate;
  readonly prodEnvTemplate: EnvTemplate;
  /** Makes `.env` from its template. */
  readonly initEnv: InitEnvScript;
  /** The database `make psql` opens. */
  readonly database: DatabaseRef;
  /** The one-shot service `make migrate` runs. */
  readonly migrate: Service;
  /** `make demo`: a compose profile, with an env file layered over `.env` (points the bot at the local fakes). */
  readonly demo: { readonly profile: string; readonly envFile: FixedEnvFile };
  /** `make backup`, `make backups`, `make restore FILE=…` on the production stack. @default none */
  readonly operations?: { readonly backup: BackupScript; readonly restore: RestoreScript };
  /** Extra targets declared by the project. @default none */
  readonly extraTargets?: readonly MakeTarget[];
}

/** The Makefile: the commands a developer and an operator run, each documented in `make help`. */
export class StackMakefile extends Component {
  public readonly makefile: Makefile;

  constructor(stack: Stack, id: string, props: StackMakefileProps) {
    super(stack, id);
    const devEnv = props.devEnvTemplate.envFile;
    const dev = `docker compose -f ${props.dev.file.path}`;
    const prod = `docker compose -f ${props.prod.file.path} --env-file $(PROD_ENV_FILE)`;
    const demo = `${dev} --env-file ${devEnv} --env-file ${props.demo.envFile.path} --profile ${props.demo.profile}`;
    const tag = props.prod.imageVariables.tag;
    // No default for the tag here: make exports a variable given on its command line (or in
    // the environment), which beats the env file in compose; otherwise the env file decides.
    this.makefile = new Makefile(this, 'Makefile', {
      variables: {
        PROD_ENV_FILE: props.prodEnvTemplate.envFile,
        SERVICE: '',
        REGISTRY: 'ghcr.io',
        ...(props.operations ? { FILE: '', YES: '' } : {}),
      },
    });
    const t = (target: MakeTarget) => this.makefile.addTarget(target);
    const db = props.database;

    t({ name: devEnv, file: true, recipe: [`${props.initEnv.path} ${props.devEnvTemplate.path} ${devEnv}`] });
    t({ name: 'node_modules/.package-lock.json', file: true, prerequisites: ['package-lock.json'], recipe: ['npm ci --no-audit --no-fund'] });

    const local = 'Local stack (builds from source)';
    t({ group: local, name: 'env', description: `Create ${devEnv} from ${props.devEnvTemplate.path} with generated passwords (never overwrites)`, prerequisites: [devEnv], recipe: [] });
    t({ group: local, name: 'up', description: 'Build and start the stack; wait until every service is healthy', prerequisites: [devEnv], recipe: [`${dev} up --build --detach --wait`, `${dev} ps`] });
    t({ group: local, name: 'demo', description: 'Start the stack with a local Telegram emulator, LLM stub and simulated users (no credentials)', prerequisites: [devEnv], recipe: [`${demo} up --build --detach --wait`, `${demo} ps`] });
    t({ group: local, name: 'down', description: 'Stop the stack (data volume kept)', recipe: [`${dev} --profile ${props.demo.profile} down`] });
    t({ group: local, name: 'build', description: 'Build every image from source', recipe: [`${dev} --profile ${props.demo.profile} build`] });
    t({ group: local, name: 'logs', description: 'Follow logs (SERVICE=api for one service)', recipe: [`${dev} logs --follow --tail=100 $(SERVICE)`] });
    t({ group: local, name: 'ps', description: 'Show services and their health', recipe: [`${dev} ps --all`] });
    t({ group: local, name: 'migrate', description: 'Run database migrations (the one-shot migrate service)', prerequisites: [devEnv], recipe: [`${dev} run --rm --build ${props.migrate.name}`] });
    t({ group: local, name: 'psql', description: 'Open psql in the database container', recipe: [`${dev} exec ${db.service.name} sh -c 'psql -U "$$${db.superuser.name}" -d "$$${db.name.name}"'`] });

    const prodGroup = `Production images (pull from the registry; ${tag.name} from ${props.prodEnvTemplate.envFile} unless given: ${tag.name}=sha-<commit>)`;
    // Our images only: the proxy's official image comes with `up` when it is missing.
    const ours = stack.services.filter((s) => s.in('prod') && !s.profiles.length && s.image.published).map((s) => s.name);
    t({ group: prodGroup, name: 'prod-pull', description: `Pull the images of ${tag.name}`, recipe: [`${prod} pull ${ours.join(' ')}`] });
    t({ group: prodGroup, name: 'prod-up', description: `Start ${tag.name} in production mode and wait until healthy`, recipe: [`${prod} up --detach --wait`] });
    t({ group: prodGroup, name: 'prod-down', description: 'Stop the production stack (volumes kept)', recipe: [`${prod} down`] });
    t({ group: prodGroup, name: 'prod-logs', description: 'Follow production logs (SERVICE=api for one service)', recipe: [`${prod} logs --follow --tail=100 $(SERVICE)`] });
    t({ group: prodGroup, name: 'prod-ps', description: 'Show production services and their health', recipe: [`${prod} ps --all`] });

    t({ group: prodGroup, name: 'publish', description: 'Build, tag and push the images like the build workflow (REGISTRY=host:port)', prerequisites: ['node_modules/.package-lock.json'], recipe: ['npx tsx scripts/publish-images.ts --registry $(REGISTRY)'] });

    const ops = props.operations;
    if (ops) {
      const group = 'Production operations (on the server, or on the machine running the prod-* stack)';
      const envOption = '--env-file $(PROD_ENV_FILE)';
      t({ group, name: 'backup', description: 'Back up the database now (a pg_dump plus the encrypted env copy, off-site too when configured)', recipe: [`${ops.backup.path} ${envOption} now`] });
      t({ group, name: 'backups', description: 'List the database backups, newest first', recipe: [`${ops.backup.path} ${envOption} list`] });
      t({
        group,
        name: 'restore',
        description: 'Replace the database with FILE (a backup name or a .dump file): stops writers, restores, migrates, starts, checks',
        recipe: [
          '@if [ -z "$(FILE)" ]; then echo "usage: make restore FILE=<a name from make backups, or a .dump file> [YES=1]" >&2; exit 2; fi',
          `${ops.restore.path} ${envOption} $(if $(YES),--yes) "$(FILE)"`,
        ],
      });
    }

    for (const extra of props.extraTargets ?? []) t(extra);
  }
}
