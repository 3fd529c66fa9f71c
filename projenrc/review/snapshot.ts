/**
 * The pipeline snapshot: the stack model as plain, stable JSON (`.projen/stack.json`), the
 * input of `npx projen pipeline-diff`. Synth writes it next to the files it renders, so
 * every commit carries the meaning of its pipeline and a pull request can be explained by
 * comparing two snapshots instead of two trees of YAML, Dockerfiles and bash.
 *
 * This file is data only (no model imports): the differ reads snapshots written by any
 * version of the model, including the base of a pull request.
 */

/**
 * Version of the snapshot's layout. Bump it when a section changes shape (not when the
 * model merely gains a field: new fields are picked up and compared as they are).
 * Snapshots of different formats are still compared; fields only one side knows are
 * then ignored instead of being reported as added or removed.
 */
export const SNAPSHOT_FORMAT = 1;

/** Where synth writes the snapshot, relative to the project root. */
export const SNAPSHOT_PATH = '.projen/stack.json';

export type SnapshotValue = string | number | boolean | null | readonly SnapshotValue[] | SnapshotObject;
export interface SnapshotObject { readonly [key: string]: SnapshotValue }

/**
 * One stack at one commit. Every section is keyed by a stable name (service, variable,
 * image, workflow path, construct id), so reordering declarations changes nothing.
 */
export interface PipelineSnapshot {
  readonly format: number;
  /** Name, image prefix, env files per rendering. */
  readonly stack: SnapshotObject;
  /** Model facts of each service, plus what its compose renderings add (`compose.<rendering>`). */
  readonly services: Readonly<Record<string, SnapshotObject>>;
  /** Each declared variable, with the services that read it (`usedBy`). */
  readonly variables: Readonly<Record<string, SnapshotObject>>;
  /** Each image and the facts of its Dockerfile: base images, final user, ports, health check. */
  readonly images: Readonly<Record<string, SnapshotObject>>;
  /** Each synthesized workflow, as the YAML it renders (parsed). */
  readonly workflows: Readonly<Record<string, SnapshotObject>>;
  /** Each deployment: its checks, backup, migrations, paths. */
  readonly deploy: Readonly<Record<string, SnapshotObject>>;
  /** Synthesized scripts: their exit codes and how they trust SSH host keys. */
  readonly scripts: Readonly<Record<string, SnapshotObject>>;
  /** Sections contributed by other renderers (e.g. Kubernetes objects), by section id. */
  readonly sections: Readonly<Record<string, SnapshotSection>>;
}

/** 🔴 security-relevant, 🟠 needs an operator action or causes a restart, 🟢 safe. */
export type Risk = 'security' | 'attention' | 'safe';

/**
 * A risk a section declares for changes of one field of its objects, so the differ can
 * rate a renderer's changes without knowing the renderer. Data only: the rules travel in
 * the snapshot.
 */
export interface SnapshotRule {
  /** Dotted path of a field inside an object, e.g. `spec.type` or `hostNetwork`. */
  readonly field: string;
  readonly risk: Exclude<Risk, 'safe'>;
  /** Only when the new value equals this. @default any change */
  readonly when?: SnapshotValue;
  /** Why it matters, shown after the change, e.g. `reachable from outside the cluster`. */
  readonly reason: string;
  /** Only when an existing object's field changes, not for an object added with it (e.g. a volume claim that cannot change in place). @default false */
  readonly changesOnly?: boolean;
}

/**
 * A renderer's own part of the snapshot: named objects made of plain facts, compared field
 * by field. Adding, removing or changing an object is 🟢 unless a rule says otherwise.
 */
export interface SnapshotSection {
  /** Heading in the report, e.g. `Kubernetes objects`. */
  readonly title: string;
  /** Objects by stable name, e.g. `Deployment/api`. */
  readonly objects: Readonly<Record<string, SnapshotObject>>;
  /** @default no rules: every change is safe */
  readonly rules?: readonly SnapshotRule[];
  /** Risk of an added or removed object. @default safe */
  readonly addedRisk?: SnapshotRule;
  readonly removedRisk?: SnapshotRule;
}

/**
 * A construct that adds its own section to the snapshot. Any construct of the project may
 * implement it (a Kubernetes renderer, a backup schedule); the snapshot finds it in the tree:
 *
 * ```ts
 * export class StackManifests extends Component implements SnapshotContributor {
 *   public snapshotSection(): SnapshotSection {
 *     return {
 *       title: 'Kubernetes objects',
 *       objects: Object.fromEntries(this.objects.map((o) => [`${o.kind}/${o.name}`, o.facts])),
 *       rules: [{ field: 'type', when: 'LoadBalancer', risk: 'security', reason: 'reachable from outside the cluster' }],
 *     };
 *   }
 * }
 * ```
 */
export interface SnapshotContributor {
  /** Section id in the snapshot. @default the construct's path */
  readonly snapshotSectionId?: string;
  snapshotSection(): SnapshotSection;
}

export function isSnapshotContributor(x: unknown): x is SnapshotContributor {
  return typeof (x as Partial<SnapshotContributor> | undefined)?.snapshotSection === 'function';
}

/** Reads a snapshot file's text; undefined when it is not a snapshot this code understands. */
export function parseSnapshot(text: string): PipelineSnapshot | undefined {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!raw || typeof raw !== 'object' || typeof (raw as { format?: unknown }).format !== 'number') return undefined;
  const { '//': _marker, ...rest } = raw as Record<string, unknown>;
  const section = (key: string) => (rest[key] && typeof rest[key] === 'object' ? rest[key] : {});
  return {
    format: rest.format as number,
    stack: section('stack') as SnapshotObject,
    services: section('services') as PipelineSnapshot['services'],
    variables: section('variables') as PipelineSnapshot['variables'],
    images: section('images') as PipelineSnapshot['images'],
    workflows: section('workflows') as PipelineSnapshot['workflows'],
    deploy: section('deploy') as PipelineSnapshot['deploy'],
    scripts: section('scripts') as PipelineSnapshot['scripts'],
    sections: section('sections') as PipelineSnapshot['sections'],
  };
}
