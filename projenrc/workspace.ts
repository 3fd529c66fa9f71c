import { execSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Component, JsonFile, Project } from 'projen';

const INSTALLED = new WeakSet<Project>();

/** A dependency spec such as `telegraf@^4.16.3` or a sibling workspace `@dialogstack/db`. */
export type DependencySpec = string;

export interface WorkspaceProps {
  /** Folder under the repository root, e.g. `src/bot`. */
  readonly dir: string;
  /** Package name, e.g. `@dialogstack/bot`. */
  readonly name: string;
  readonly description: string;
  /** Runtime dependencies from npm (`name@range`). */
  readonly deps?: DependencySpec[];
  /** Sibling workspaces this one imports at run time (dependency + TypeScript reference). */
  readonly uses?: Workspace[];
  /** Build and test dependencies. */
  readonly devDeps?: DependencySpec[];
  /** npm scripts of the workspace. */
  readonly scripts?: Record<string, string>;
  /**
   * How the workspace is compiled.
   * - `tsc`: a composite TypeScript project emitting CommonJS into `dist/`.
   * - `next`: a Next.js app; TypeScript only type-checks.
   */
  readonly compiler?: 'tsc' | 'next';
  /** Jest test environment. @default node */
  readonly testEnvironment?: 'node' | 'jsdom';
  /** Extra fields merged into package.json. */
  readonly packageFields?: Record<string, unknown>;
}

/**
 * One npm workspace under `src/`: its package.json, tsconfig.json and jest settings are
 * synthesized here so that every workspace is configured the same way. Dependencies are
 * installed once, at the root (one lockfile).
 */
export class Workspace extends Component {
  public readonly dir: string;
  public readonly name: string;
  public readonly compiler: 'tsc' | 'next';
  public readonly testEnvironment: 'node' | 'jsdom';
  public readonly packageJson: JsonFile;
  public readonly tsconfig: JsonFile;
  public readonly uses: Workspace[];
  /**
   * Import prefixes that resolve inside this workspace (`@/` → its root for Next.js apps, as
   * `create-next-app` sets up): written once here, read by its tsconfig and by Jest's module map.
   */
  public readonly importAliases: Readonly<Record<string, string>>;
  private readonly deps: Record<string, string>;
  private readonly devDeps: Record<string, string>;
  private manifestBefore?: string;

  constructor(project: Project, id: string, props: WorkspaceProps) {
    super(project, id);
    this.dir = props.dir;
    this.name = props.name;
    this.compiler = props.compiler ?? 'tsc';
    this.testEnvironment = props.testEnvironment ?? 'node';
    this.uses = props.uses ?? [];
    this.importAliases = this.compiler === 'next' ? { '@/': '' } : {};
    this.deps = {
      ...parseDependencies(props.deps ?? [], `Workspace '${id}'`),
      ...Object.fromEntries(this.uses.map((ws) => [ws.name, '*'])),
    };
    // Each workspace brings its own compiler so an image build installs only this workspace.
    this.devDeps = parseDependencies([...TOOLCHAIN, ...(props.devDeps ?? [])], `Workspace '${id}'`);
    const references = this.uses;

    const tsc = this.compiler === 'tsc';
    this.packageJson = new JsonFile(project, `${this.dir}/package.json`, {
      obj: {
        name: props.name,
        version: '0.0.0',
        private: true,
        description: props.description,
        license: 'MIT',
        ...(tsc ? { main: 'dist/index.js', types: 'dist/index.d.ts' } : {}),
        scripts: {
          ...(tsc ? { build: 'tsc -b' } : {}),
          ...props.scripts,
        },
        dependencies: sortKeys(this.deps),
        devDependencies: sortKeys(this.devDeps),
        ...props.packageFields,
      },
      newline: true,
      committed: true,
    });

    this.tsconfig = new JsonFile(project, `${this.dir}/tsconfig.json`, {
      obj: tsc ? tscConfig(this.dir, references) : nextConfig(this.importAliases),
      newline: true,
      committed: true,
    });
  }

  /**
   * A changed workspace manifest changes the lockfile: install once, like projen does for
   * the root package.json, so `npm ci` keeps working.
   */
  public preSynthesize(): void {
    this.manifestBefore = readIfExists(join(this.project.outdir, this.packageJson.path));
  }

  public postSynthesize(): void {
    const after = readIfExists(join(this.project.outdir, this.packageJson.path));
    if (after === this.manifestBefore || INSTALLED.has(this.project)) return;
    INSTALLED.add(this.project);
    this.project.logger.info(`${this.dir}/package.json changed: npm install`);
    execSync('npm install --no-audit --no-fund', { cwd: this.project.outdir, stdio: 'inherit' });
  }

  /** This workspace and every sibling it uses, transitively, dependencies first. */
  public workspaceClosure(): Set<Workspace> {
    const out = new Set<Workspace>();
    const visit = (ws: Workspace) => {
      for (const u of ws.uses) visit(u);
      out.add(ws);
    };
    visit(this);
    return out;
  }
}

const TOOLCHAIN = ['typescript@~5.9.3', '@types/node@^20'];

const SHARED_COMPILER_OPTIONS = {
  target: 'ES2022',
  lib: ['ES2023'],
  strict: true,
  esModuleInterop: true,
  skipLibCheck: true,
  forceConsistentCasingInFileNames: true,
  resolveJsonModule: true,
  noUnusedLocals: true,
  noUnusedParameters: true,
  noImplicitReturns: true,
  noFallthroughCasesInSwitch: true,
};

function tscConfig(dir: string, references: Workspace[]) {
  return {
    compilerOptions: {
      ...SHARED_COMPILER_OPTIONS,
      module: 'CommonJS',
      moduleResolution: 'Node10',
      composite: true,
      declaration: true,
      sourceMap: true,
      experimentalDecorators: true,
      emitDecoratorMetadata: true,
      rootDir: 'src',
      outDir: 'dist',
      types: ['node'],
    },
    include: ['src/**/*.ts'],
    exclude: ['**/*.test.ts'],
    references: references.map((ref) => ({ path: relativePath(dir, ref.dir) })),
  };
}

function nextConfig(aliases: Readonly<Record<string, string>>) {
  return {
    compilerOptions: {
      ...SHARED_COMPILER_OPTIONS,
      lib: ['DOM', 'DOM.Iterable', 'ES2023'],
      module: 'ESNext',
      moduleResolution: 'Bundler',
      jsx: 'react-jsx',
      noEmit: true,
      allowJs: false,
      isolatedModules: true,
      incremental: true,
      plugins: [{ name: 'next' }],
      paths: Object.fromEntries(Object.entries(aliases).map(([prefix, dir]) => [`${prefix}*`, [`./${dir}*`]])),
    },
    // Exactly what `next build` would add itself: otherwise every build rewrites this file.
    include: ['next-env.d.ts', '**/*.ts', '**/*.tsx', '.next/types/**/*.ts', '.next/dev/types/**/*.ts'],
    exclude: ['node_modules', '.next'],
  };
}

function relativePath(from: string, to: string): string {
  const up = from.split('/').map(() => '..');
  return [...up, to].join('/');
}

/** `name@range` → { name: range }; a bare `@dialogstack/x` is a sibling workspace (`*`). */
export function parseDependencies(specs: DependencySpec[], owner: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const spec of specs) {
    const at = spec.lastIndexOf('@');
    const [name, range] = at > 0 ? [spec.slice(0, at), spec.slice(at + 1)] : [spec, '*'];
    if (out[name]) throw new Error(`${owner}: dependency '${name}' is listed twice`);
    out[name] = range;
  }
  return out;
}

function sortKeys(obj: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(obj).sort(([a], [b]) => a.localeCompare(b)));
}

function readIfExists(path: string): string | undefined {
  return existsSync(path) ? readFileSync(path, 'utf8') : undefined;
}
