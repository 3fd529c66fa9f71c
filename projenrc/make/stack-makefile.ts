import { Component } from 'projen';
import type { Stack } from '../stack';
import { Makefile, MakeTarget } from './makefile';

export interface StackMakefileProps {
  readonly devComposeFile: string;
  readonly prodComposeFile: string;
  readonly devEnvTemplate: string;
  readonly prodEnvFile: string;
  /** Service that opens `make psql` and the variables of its superuser. */
  readonly database: { readonly service: string; readonly userVariable: string; readonly dbVariable: string };
  /** One-shot service run by `make migrate`. */
  readonly migrateService: string;
  /** Env file layered over `.env` by `make demo`: points the bot at the local fakes. */
  readonly demoEnvFile: string;
  readonly demoProfile: string;
  /** Extra targets declared by the project. */
  readonly extraTargets?: MakeTarget[];
}

/** The Makefile: the commands a developer and an operator run, each documented in `make help`. */
export class StackMakefile extends Component {
  public readonly makefile: Makefile;

  constructor(stack: Stack, props: StackMakefileProps) {
    super(stack.project, 'StackMakefile');
    const dev = `docker compose -f ${props.devComposeFile}`;
    const prod = `docker compose -f ${props.prodComposeFile} --env-file $(PROD_ENV_FILE)`;
    const demo = `${dev} --env-file .env --env-file ${props.demoEnvFile} --profile ${props.demoProfile}`;
    this.makefile = new Makefile(this, 'Makefile', {
      variables: {
        IMAGE_TAG: 'latest',
        PROD_ENV_FILE: props.prodEnvFile,
        SERVICE: '',
        REGISTRY: 'ghcr.io',
      },
    });
    const t = (target: MakeTarget) => this.makefile.addTarget(target);

    t({ name: '.env', file: true, recipe: [`scripts/init-env.sh ${props.devEnvTemplate} .env`] });
    t({ name: 'node_modules/.package-lock.json', file: true, prerequisites: ['package-lock.json'], recipe: ['npm ci --no-audit --no-fund'] });

    const local = 'Local stack (builds from source)';
    t({ group: local, name: 'env', description: 'Create .env from .env.example with generated passwords (never overwrites)', prerequisites: ['.env'], recipe: [] });
    t({ group: local, name: 'up', description: 'Build and start the stack; wait until every service is healthy', prerequisites: ['.env'], recipe: [`${dev} up --build --detach --wait`, `${dev} ps`] });
    t({ group: local, name: 'demo', description: 'Start the stack with a local Telegram emulator, LLM stub and simulated users (no credentials)', prerequisites: ['.env'], recipe: [`${demo} up --build --detach --wait`, `${demo} ps`] });
    t({ group: local, name: 'down', description: 'Stop the stack (data volume kept)', recipe: [`${dev} --profile ${props.demoProfile} down`] });
    t({ group: local, name: 'build', description: 'Build every image from source', recipe: [`${dev} --profile ${props.demoProfile} build`] });
    t({ group: local, name: 'logs', description: 'Follow logs (SERVICE=api for one service)', recipe: [`${dev} logs --follow --tail=100 $(SERVICE)`] });
    t({ group: local, name: 'ps', description: 'Show services and their health', recipe: [`${dev} ps --all`] });
    t({ group: local, name: 'migrate', description: 'Run database migrations (the one-shot migrate service)', prerequisites: ['.env'], recipe: [`${dev} run --rm --build ${props.migrateService}`] });
    t({ group: local, name: 'psql', description: 'Open psql in the database container', recipe: [`${dev} exec ${props.database.service} sh -c 'psql -U "$$${props.database.userVariable}" -d "$$${props.database.dbVariable}"'`] });

    const prodGroup = 'Production images (pull from the registry; IMAGE_TAG=sha-<commit>)';
    t({ group: prodGroup, name: 'prod-pull', description: 'Pull the images of IMAGE_TAG', recipe: [`IMAGE_TAG=$(IMAGE_TAG) ${prod} pull`] });
    t({ group: prodGroup, name: 'prod-up', description: 'Start IMAGE_TAG in production mode and wait until healthy', recipe: [`IMAGE_TAG=$(IMAGE_TAG) ${prod} up --detach --wait`] });
    t({ group: prodGroup, name: 'prod-down', description: 'Stop the production stack (volumes kept)', recipe: [`${prod} down`] });
    t({ group: prodGroup, name: 'prod-logs', description: 'Follow production logs (SERVICE=api for one service)', recipe: [`${prod} logs --follow --tail=100 $(SERVICE)`] });
    t({ group: prodGroup, name: 'prod-ps', description: 'Show production services and their health', recipe: [`${prod} ps --all`] });

    t({ group: prodGroup, name: 'publish', description: 'Build, tag and push the images like the build workflow (REGISTRY=host:port)', prerequisites: ['node_modules/.package-lock.json'], recipe: ['npx tsx scripts/publish-images.ts --registry $(REGISTRY)'] });

    for (const extra of props.extraTargets ?? []) t(extra);
  }
}
