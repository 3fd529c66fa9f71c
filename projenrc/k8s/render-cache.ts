import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * A build cache for the Kubernetes manifests. Rendering them needs cdk8s-plus, whose
 * generated `imports/k8s.js` (3.4 MB: a class for every Kubernetes kind) costs ~0.2 s of
 * CPU to load, and cdk8s's resolution another ~0.1 s per environment — half again the
 * rest of the synth. The manifests are a pure function of the model's source code, so a
 * synth whose sources are unchanged (a drift check, a second `npx projen`, a task that
 * synthesizes first) reuses the last rendering and never loads cdk8s.
 *
 * The key hashes every first-party module the synth loaded (the model, the constructs),
 * every file beside the chart code (loaded only on a miss), the cdk8s package versions and
 * the Node.js version. Only `npx projen` itself uses it (the process whose main module is
 * the project's .projenrc.ts, which builds one model); tests, benchmarks and scripts that
 * build other models from the same sources always render. Off with
 * `DIALOGSTACK_RENDER_CACHE=off`.
 */
export interface RenderCacheProps {
  /** The project root: the cache lives in its node_modules/.cache/dialogstack. */
  readonly root: string;
  /** The cache file's name. */
  readonly name: string;
  /** The directory of the rendering code: its files are part of the key even before they are loaded. */
  readonly chartDir: string;
  /** Packages (in node_modules) whose versions are part of the key. */
  readonly packages: readonly string[];
  /** @default only in `npx projen` itself, unless DIALOGSTACK_RENDER_CACHE=off */
  readonly enabled?: boolean;
}

export class RenderCache<T> {
  private readonly file?: string;
  private readonly key?: string;

  constructor(props: RenderCacheProps) {
    const { root, name, chartDir, packages } = props;
    const enabled = props.enabled ?? (require.main?.filename === join(root, '.projenrc.ts') && process.env.DIALOGSTACK_RENDER_CACHE !== 'off');
    if (!enabled) return;
    const modules = join(root, 'node_modules');
    if (!existsSync(modules)) return;
    this.file = join(modules, '.cache', 'dialogstack', `${name}.json`);
    const hash = createHash('sha256').update(process.version);
    const sources = new Set([
      ...Object.keys(require.cache).filter((f) => !f.includes(`${join('/', 'node_modules', '/')}`) && !f.startsWith('node:')),
      ...readdirSync(chartDir).filter((f) => /\.(ts|cjs|js)$/.test(f)).map((f) => join(chartDir, f)),
    ]);
    for (const file of [...sources].sort()) {
      if (existsSync(file)) hash.update(file).update(readFileSync(file));
    }
    for (const pkg of packages) hash.update(readFileSync(join(modules, pkg, 'package.json')));
    this.key = hash.digest('hex');
  }

  /** The cached value when the sources are unchanged, else `render()`'s (then stored). */
  public get(render: () => T): T {
    if (this.file && this.key) {
      try {
        const stored = JSON.parse(readFileSync(this.file, 'utf8')) as { key: string; value: T };
        if (stored.key === this.key) return stored.value;
      } catch {
        // No cache yet, or an unreadable one: render.
      }
    }
    const value = render();
    if (this.file && this.key) {
      mkdirSync(dirname(this.file), { recursive: true });
      writeFileSync(this.file, JSON.stringify({ key: this.key, value }));
    }
    return value;
  }
}
