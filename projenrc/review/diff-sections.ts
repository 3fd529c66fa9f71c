import { DiffContext, PipelineChange, changedLeaves, code, deepEqual, transition, unionKeys, valueAt } from './changes';
import type { Risk, SnapshotRule, SnapshotSection, SnapshotValue } from './snapshot';

/**
 * Sections contributed by other renderers (e.g. Kubernetes objects): objects added,
 * removed and changed field by field, rated by the rules the section declares (the head's,
 * or the base's for a section the head no longer has).
 */
export function diffSections(ctx: DiffContext): PipelineChange[] {
  const out: PipelineChange[] = [];
  for (const id of unionKeys(ctx.base.sections, ctx.head.sections)) {
    const before: SnapshotSection = ctx.base.sections[id] ?? { title: id, objects: {} };
    const after: SnapshotSection = ctx.head.sections[id] ?? { ...before, objects: {} };
    const rules = after.rules ?? before.rules ?? [];
    for (const name of unionKeys(before.objects, after.objects)) {
      const a = before.objects[name];
      const b = after.objects[name];
      const push = (c: Omit<PipelineChange, 'section' | 'subject'>) => out.push({ section: id, subject: name, ...c });
      if (!a) {
        const matched = [after.addedRisk, ...rules.filter((r) => !r.changesOnly && ruleMatches(r, undefined, valueAt(b, r.field)))]
          .filter((r): r is SnapshotRule => !!r);
        push({ change: 'added', summary: 'added', ...strongest(matched) });
      } else if (!b) {
        push({ change: 'removed', summary: 'removed', ...strongest(after.removedRisk ? [after.removedRisk] : []) });
      } else {
        for (const leaf of changedLeaves(a, b)) {
          const matched = rules.filter((r) => (leaf.field === r.field || leaf.field.startsWith(`${r.field}.`) || r.field.startsWith(`${leaf.field}.`))
            && ruleMatches(r, valueAt(a, r.field), valueAt(b, r.field)));
          push({ change: 'changed', field: leaf.field, before: leaf.before, after: leaf.after, summary: `${code(leaf.field)}: ${transition(leaf.before, leaf.after)}`, ...strongest(matched) });
        }
      }
    }
  }
  return out;
}

/** The section titles, for headings. */
export function sectionTitles(ctx: DiffContext): Record<string, string> {
  return Object.fromEntries(unionKeys(ctx.base.sections, ctx.head.sections)
    .map((id) => [id, (ctx.head.sections[id] ?? ctx.base.sections[id]).title]));
}

function ruleMatches(rule: SnapshotRule, before: SnapshotValue | undefined, after: SnapshotValue | undefined): boolean {
  if (deepEqual(before, after)) return false;
  return rule.when === undefined || deepEqual(after, rule.when);
}

function strongest(rules: readonly SnapshotRule[]): { risk: Risk; why?: string } {
  const top = rules.find((r) => r.risk === 'security') ?? rules.find((r) => r.risk === 'attention');
  return top ? { risk: top.risk, why: rules.filter((r) => r.risk === top.risk).map((r) => r.reason).join('; ') } : { risk: 'safe' };
}
