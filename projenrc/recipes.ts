import { BaseImages } from './base-images';
import { Dockerfile, DockerfileStage, HealthCheckInstruction, StageOptions } from './docker/dockerfile';
import { ResolvedHealthCheck, httpHealthCheck } from './health-check';
import type { Image, ImageProps } from './image';
import { Workspace } from './workspace';

/**
 * Stages whose output is the same on every CPU (JavaScript, and dependencies installed with
 * --ignore-scripts --omit=optional: no native code) run on the builder's own platform, so a
 * multi-platform build emulates only the final stage's few instructions.
 */
const NATIVE: StageOptions = { platform: '$BUILDPLATFORM' };

/**
 * The non-root users the base images ship, with their numeric ids: Dockerfiles switch to the
 * name, Kubernetes needs the number to prove the container does not run as root.
 */
export const BaseImageUsers = {
  node: { name: 'node', uid: 1000 },
  postgres: { name: 'postgres', uid: 999 },
} as const;
/** One RUN line: Debian packages without recommends, apt lists removed in the same layer. */
export function aptInstall(packages: readonly string[], then: readonly string[] = []): string {
  return [
    'apt-get update',
    `&& apt-get install --yes --no-install-recommends ${packages.join(' ')}`,
    '&& rm -rf /var/lib/apt/lists/*',
    ...then.map((t) => `&& ${t}`),
  ].join('\n');
}

const NPM_CACHE = [{ target: '/root/.npm', id: 'npm', sharing: 'locked' as const }];
const NPM_FLAGS = '--ignore-scripts --no-audit --no-fund';

/** Files npm dependencies ship that nothing reads at run time (types, source maps, docs). */
const PRUNE = "find node_modules -type f \\( -name '*.ts' -o -name '*.mts' -o -name '*.cts' -o -name '*.map' -o -name '*.md' \\) -delete";

export interface NodeRecipeProps {
  /** The workspace the image runs. */
  readonly workspace: Workspace;
  /** Every workspace of the repository: npm needs all their package.json files. */
  readonly allWorkspaces: readonly Workspace[];
  /** Exec-form command, relative to /app. */
  readonly command: readonly string[];
  /** Extra paths removed from the production node_modules (large parts never loaded). @default none */
  readonly pruneExtra?: readonly string[];
}

/** Copies the root manifest and every workspace manifest: the cache key of `npm ci`. */
function copyManifests(stage: DockerfileStage, all: readonly Workspace[]): void {
  stage.workdir('/app').copy(['package.json', 'package-lock.json'], './');
  for (const ws of all) stage.copy(`${ws.dir}/package.json`, `${ws.dir}/`);
}

function runtimeStage(df: Dockerfile): DockerfileStage {
  return df.addStage('runtime', BaseImages.node).env({ NODE_ENV: 'production' }).workdir('/app');
}

/** The HEALTHCHECK instruction of a model health check (the same one compose renders). */
export function healthCheckInstruction(hc: ResolvedHealthCheck): HealthCheckInstruction {
  return {
    test: [...hc.command],
    intervalSeconds: hc.intervalSeconds,
    timeoutSeconds: hc.timeoutSeconds,
    startPeriodSeconds: hc.startPeriodSeconds,
    retries: hc.retries,
  };
}

/**
 * Installs the dependencies of the workspace and its siblings (dev included: compilers)
 * and copies their sources. `npm ci` runs before the sources arrive, so a source change
 * reuses the installed layer.
 */
function buildStage(df: Dockerfile, props: NodeRecipeProps, used: Workspace[], options: StageOptions = {}): DockerfileStage {
  const build = df.addStage('build', BaseImages.node, options);
  copyManifests(build, props.allWorkspaces);
  build.run(`npm ci ${used.map((u) => `--workspace ${u.dir}`).join(' ')} ${NPM_FLAGS}`, NPM_CACHE);
  for (const u of used) build.copy(`${u.dir}/`, `${u.dir}/`);
  return build;
}

function finish(stage: DockerfileStage, image: Image, command: readonly string[]): void {
  // Application files stay owned by root: the process can read its code but not change it.
  stage.user(BaseImageUsers.node.name);
  if (image.port) stage.expose(image.port);
  if (image.healthCheck) stage.healthCheck(healthCheckInstruction(image.healthCheck));
  stage.cmd([...command]);
}

/**
 * A Node.js service compiled with `tsc -b`: production dependencies of this workspace only
 * (pruned), compiled output of it and of the sibling workspaces it uses, non-root.
 */
export function nodeServiceRecipe(props: NodeRecipeProps) {
  return (df: Dockerfile, image: Image) => {
    const ws = props.workspace;
    const used = [...ws.workspaceClosure()];
    const deps = df.addStage('deps', BaseImages.node, NATIVE);
    copyManifests(deps, props.allWorkspaces);
    // --omit=optional too: optional peers (e.g. typescript for @nestjs/swagger's CLI plugin,
    // 20 MB) are otherwise installed because another workspace needs them at build time.
    deps.run([
      `npm ci --omit=dev --omit=optional --workspace ${ws.dir} ${NPM_FLAGS}`,
      `&& ${PRUNE}`,
      ...(props.pruneExtra ?? []).map((p) => `&& rm -rf ${p}`),
    ].join('\n'), NPM_CACHE);

    const build = buildStage(df, props, used, NATIVE);
    build.run(`npx tsc -b ${ws.dir}`);

    const runtime = runtimeStage(df);
    runtime.copy('/app/node_modules', 'node_modules', { from: deps });
    for (const u of used) {
      runtime.copy([`/app/${u.dir}/package.json`], `${u.dir}/`, { from: build });
      runtime.copy([`/app/${u.dir}/dist`], `${u.dir}/dist`, { from: build });
    }
    finish(runtime, image, props.command);
  };
}

/**
 * A Next.js app in standalone mode: the traced server and its minimal node_modules, the
 * static assets, nothing else. No API address or token is known at build time.
 */
export function nextStandaloneRecipe(props: NodeRecipeProps) {
  return (df: Dockerfile, image: Image) => {
    const ws = props.workspace;
    const used = [...ws.workspaceClosure()];
    // On the target platform: the standalone output traces platform-specific optional
    // packages (e.g. sharp's native binaries) into its node_modules.
    const build = buildStage(df, props, used);
    build.env({ NEXT_TELEMETRY_DISABLED: '1' });
    const libs = used.filter((u) => u !== ws).map((u) => u.dir);
    build.run([...(libs.length ? [`npx tsc -b ${libs.join(' ')} &&`] : []), `npm run build --workspace ${ws.dir}`].join('\n'));

    const runtime = runtimeStage(df)
      .env({ NEXT_TELEMETRY_DISABLED: '1', PORT: String(image.port ?? 3000), HOSTNAME: '0.0.0.0' });
    runtime.copy(`/app/${ws.dir}/.next/standalone/`, './', { from: build });
    runtime.copy(`/app/${ws.dir}/.next/static`, `${ws.dir}/.next/static`, { from: build });
    runtime.copy(`/app/${ws.dir}/public`, `${ws.dir}/public`, { from: build });
    finish(runtime, image, props.command);
  };
}

export interface PostgresRecipeProps {
  /** Folder of init scripts copied to /docker-entrypoint-initdb.d. */
  readonly initScriptsDir: string;
}

/** The official PostgreSQL image plus our init scripts (application roles), run as `postgres`. */
export function postgresRecipe(props: PostgresRecipeProps) {
  return (df: Dockerfile, image: Image) => {
    const stage = df.addStage('runtime', BaseImages.postgres);
    stage.copy(`${props.initScriptsDir}/`, '/docker-entrypoint-initdb.d/');
    // Executable for the postgres user whatever the checkout's file modes: the entrypoint
    // runs executable scripts and would source the others into its own shell.
    stage.run('chmod 0555 /docker-entrypoint-initdb.d/*.sh');
    // The entrypoint supports a non-root start; the data directory already belongs to postgres.
    stage.user(BaseImageUsers.postgres.name);
    if (image.healthCheck) stage.healthCheck(healthCheckInstruction(image.healthCheck));
    stage.cmd(['postgres']);
  };
}

export interface NodeImageProps {
  readonly description: string;
  /** The workspace the image runs; its compiler ('tsc' or 'next') picks the recipe. */
  readonly workspace: Workspace;
  readonly allWorkspaces: readonly Workspace[];
  readonly command: readonly string[];
  /** @default none */
  readonly port?: number;
  /** HTTP path of the liveness endpoint on `port`; the health check GETs it with node. @default no health check */
  readonly healthPath?: string;
  /** HTTP path of the readiness endpoint (dependencies answer). @default the health path */
  readonly readyPath?: string;
  /** Port of the process's Prometheus `/metrics` (never published). @default no metrics */
  readonly metricsPort?: number;
  /** @default true */
  readonly published?: boolean;
  /** @default none */
  readonly pruneExtra?: readonly string[];
}

/**
 * An image of one workspace: its build context is exactly the manifests plus the
 * workspace and the siblings it uses, and its recipe follows the workspace's compiler.
 */
export function nodeImage(props: NodeImageProps): ImageProps {
  const used = [...props.workspace.workspaceClosure()];
  const recipeProps: NodeRecipeProps = {
    workspace: props.workspace,
    allWorkspaces: props.allWorkspaces,
    command: props.command,
    pruneExtra: props.pruneExtra,
  };
  return {
    description: props.description,
    published: props.published,
    port: props.port,
    healthCheck: props.healthPath === undefined ? undefined : httpHealthCheck(props.healthPath),
    readinessCheck: props.readyPath === undefined ? undefined : httpHealthCheck(props.readyPath),
    uid: BaseImageUsers.node.uid,
    // Next.js writes its cache (fetch, ISR and image optimisation) below .next/cache at run time.
    writablePaths: props.workspace.compiler === 'next' ? [`/app/${props.workspace.dir}/.next/cache`] : [],
    metrics: props.metricsPort === undefined ? undefined : { port: props.metricsPort },
    context: ['package.json', 'package-lock.json', ...props.allWorkspaces.map((ws) => `${ws.dir}/package.json`), ...used.map((ws) => ws.dir)],
    recipe: props.workspace.compiler === 'next' ? nextStandaloneRecipe(recipeProps) : nodeServiceRecipe(recipeProps),
  };
}
