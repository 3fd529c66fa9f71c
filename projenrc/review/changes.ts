import type { PipelineSnapshot, Risk, SnapshotObject, SnapshotValue } from './snapshot';

/** One change in meaning, rated. Sections are lists of these, grouped by subject. */
export interface PipelineChange {
  /** `services`, `variables`, `images`, `workflows`, `deploy`, `stack` or a contributed section's id. */
  readonly section: string;
  /** What changed: a service, variable, image, workflow path, deployment, script or object name. */
  readonly subject: string;
  readonly change: 'added' | 'removed' | 'changed';
  /** The field that changed (dotted), for `changed`. */
  readonly field?: string;
  readonly before?: SnapshotValue;
  readonly after?: SnapshotValue;
  /** The change in words (Markdown inline). */
  readonly summary: string;
  readonly risk: Risk;
  /** Why it is rated so (shown after the change). */
  readonly why?: string;
  /** What an operator must do, and when. */
  readonly action?: string;
}

/** What every section differ knows besides its two sections. */
export interface DiffContext {
  readonly base: PipelineSnapshot;
  readonly head: PipelineSnapshot;
  /** Snapshot formats differ: a field only one side has is a format change, not a change. */
  readonly lenient: boolean;
  /** GitHub environments the pipeline deploys to (from the workflows), e.g. production, staging. */
  readonly deployTargets: readonly string[];
  /** The production env file on each server and the developers' env file. */
  readonly envFiles: { readonly prod: string; readonly dev: string };
  /** Production services that keep data in volumes: restarting them is never incidental. */
  readonly statefulServices: ReadonlySet<string>;
}

export const RISK_ORDER: readonly Risk[] = ['security', 'attention', 'safe'];
export const RISK_ICON: Record<Risk, string> = { security: '🔴', attention: '🟠', safe: '🟢' };

export function maxRisk(risks: readonly Risk[]): Risk {
  return RISK_ORDER.find((r) => risks.includes(r)) ?? 'safe';
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a as object);
  const kb = Object.keys(b as object);
  return ka.length === kb.length && ka.every((k) => deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

export function isObject(v: unknown): v is SnapshotObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Keys of both objects, the head's order first (so reports follow the declaration). */
export function unionKeys(base: object | undefined, head: object | undefined): string[] {
  return [...new Set([...Object.keys(head ?? {}), ...Object.keys(base ?? {})])];
}

/** A field that differs between two versions of one object. Absent fields are `undefined`. */
export interface FieldChange {
  readonly field: string;
  readonly before?: SnapshotValue;
  readonly after?: SnapshotValue;
}

/**
 * The top-level fields of two versions of an object that differ. With `lenient`, a field
 * only one side has is skipped (the snapshot formats differ, not the pipeline).
 */
export function changedFields(base: SnapshotObject, head: SnapshotObject, lenient: boolean): FieldChange[] {
  return unionKeys(base, head)
    .filter((k) => !deepEqual(base[k], head[k]))
    .filter((k) => !lenient || (k in base && k in head))
    .map((k) => ({ field: k, before: base[k], after: head[k] }));
}

/**
 * Leaf paths that differ (objects descended into; arrays compared whole), e.g.
 * `with.push`. Used where any nesting is possible: workflow steps, contributed objects.
 */
export function changedLeaves(base: SnapshotValue | undefined, head: SnapshotValue | undefined, prefix = ''): FieldChange[] {
  if (deepEqual(base, head)) return [];
  if (isObject(base) && isObject(head)) {
    return unionKeys(base, head).flatMap((k) => changedLeaves(base[k], head[k], prefix ? `${prefix}.${k}` : k));
  }
  return [{ field: prefix, before: base, after: head }];
}

/** The value at a dotted path. */
export function valueAt(obj: SnapshotValue | undefined, path: string): SnapshotValue | undefined {
  let v: SnapshotValue | undefined = obj;
  for (const part of path.split('.')) v = isObject(v) ? v[part] : undefined;
  return v;
}

const MAX_SHOWN = 120;

/** A value as Markdown inline code: `4000`, `a`, `b`, none, — (absent). */
export function show(v: SnapshotValue | undefined): string {
  if (v === undefined) return '—';
  if (Array.isArray(v)) return v.length ? v.map((x) => show(x)).join(', ') : 'none';
  const text = typeof v === 'string' ? v : JSON.stringify(v);
  return code(text.length > MAX_SHOWN ? `${text.slice(0, MAX_SHOWN - 1)}…` : text);
}

/** Inline code that survives backticks in the text. */
export function code(text: string): string {
  const fence = text.includes('`') ? '``' : '`';
  const pad = text.startsWith('`') || text.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${text.replace(/\n/g, '⏎')}${pad}${fence}`;
}

/** `a` → `b`, or "set to `b`" / "removed (was `a`)" when one side is absent. */
export function transition(before: SnapshotValue | undefined, after: SnapshotValue | undefined): string {
  if (before === undefined) return `set to ${show(after)}`;
  if (after === undefined) return `removed (was ${show(before)})`;
  return `${show(before)} → ${show(after)}`;
}

/** Items of `after` not in `before` (by value). */
export function added<T>(before: readonly T[], after: readonly T[]): T[] {
  return after.filter((x) => !before.some((y) => deepEqual(x, y)));
}

export function asArray(v: SnapshotValue | undefined): readonly SnapshotValue[] {
  return Array.isArray(v) ? v : v === undefined || v === null ? [] : [v];
}

export function asStrings(v: SnapshotValue | undefined): string[] {
  return asArray(v).map(String);
}

/** `production`, `staging` */
export function codeList(items: readonly string[]): string {
  return items.map(code).join(', ');
}
