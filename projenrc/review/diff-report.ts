import { PipelineChange, RISK_ICON, code, maxRisk } from './changes';
import { PipelineDiff, isUnchanged } from './pipeline-diff';
import type { Risk } from './snapshot';

/** One synthesized file in `git diff --numstat` terms. */
export interface FileChange {
  readonly path: string;
  readonly insertions: number;
  readonly deletions: number;
}

/** The plain file-level diff of the synthesized files: `git diff --stat` text and its numbers. */
export interface FileStat {
  readonly stat: string;
  readonly files: readonly FileChange[];
}

/** Everything a report says: what was compared, the semantic diff or why there is none, the files. */
export interface Report {
  readonly base: { readonly ref: string; readonly commit?: string; readonly snapshot?: 'committed' | 'synthesized' };
  readonly head: { readonly ref: string };
  /** Undefined when the base's model could not be read: then `fallback` says why. */
  readonly diff?: PipelineDiff;
  readonly fallback?: string;
  /** @default not shown */
  readonly files?: FileStat;
}

export type ReportStatus = 'changed' | 'unchanged' | 'fallback';

export function reportStatus(r: Report): ReportStatus {
  if (!r.diff) return 'fallback';
  return isUnchanged(r.diff) ? 'unchanged' : 'changed';
}

const RISK_WORDS: Record<Risk, string> = {
  security: 'security-relevant',
  attention: 'operator action or restart',
  safe: 'safe',
};

/** The report as Markdown: a PR comment, a job summary, or terminal output. */
export function renderMarkdown(r: Report): string {
  const lines = ['## Pipeline diff', ''];
  const compared = `${code(r.base.ref)}${r.base.commit ? ` (${r.base.commit.slice(0, 7)}${r.base.snapshot ? `, ${r.base.snapshot} snapshot` : ''})` : ''} → ${r.head.ref}`;
  if (!r.diff) {
    lines.push(`⚠️ **No semantic diff**: ${r.fallback ?? 'the base has no model'}. The file-level diff of the synthesized files follows.`, '', compared, '');
    lines.push(...fileBlock(r.files, false));
    return finish(lines);
  }
  const d = r.diff;
  if (isUnchanged(d)) {
    const formOnly = r.files?.files.length ? ' The synthesized files below changed in form only.' : '';
    lines.push(`**No pipeline change**: the model is the same.${formOnly}`, '', compared, '');
  } else {
    const counts = (['security', 'attention', 'safe'] as const).map((risk) => `${RISK_ICON[risk]} ${d.summary[risk]} ${RISK_WORDS[risk]}`);
    lines.push(`**${counts.join(' · ')}**`, '', compared, '');
  }
  for (const note of d.notes) lines.push(`> ${note}`, '');
  if (d.actions.length) {
    lines.push('### Operator actions', '', ...d.actions.map((a) => `- [ ] ${a}`), '');
  }
  for (const section of d.sections) {
    lines.push(`### ${section.title}`, '');
    for (const [subject, changes] of bySubject(section.changes)) {
      if (changes.length === 1) {
        lines.push(`- ${RISK_ICON[changes[0].risk]} **${subject}** ${line(changes[0])}`);
      } else {
        lines.push(`- ${RISK_ICON[maxRisk(changes.map((c) => c.risk))]} **${subject}**`);
        for (const c of changes) lines.push(`  - ${RISK_ICON[c.risk]} ${line(c)}`);
      }
    }
    lines.push('');
  }
  if (r.files?.files.length) lines.push(...fileBlock(r.files, true));
  return finish(lines);
}

/** The report as JSON, for tools: every change with its section, subject, field, values and risk. */
export function renderJson(r: Report): string {
  const d = r.diff;
  return `${JSON.stringify({
    base: r.base,
    head: r.head,
    status: reportStatus(r),
    summary: d?.summary ?? null,
    actions: d?.actions ?? [],
    notes: d?.notes ?? [],
    sections: d?.sections ?? [],
    ...(r.fallback ? { fallback: r.fallback } : {}),
    ...(r.files ? { files: r.files.files } : {}),
  }, null, 2)}\n`;
}

/** One line of a change: its words, then why (italic). */
function line(c: PipelineChange): string {
  return `${c.summary}${c.why ? ` — _${c.why}_` : ''}`;
}

function bySubject(changes: readonly PipelineChange[]): Map<string, PipelineChange[]> {
  const out = new Map<string, PipelineChange[]>();
  for (const c of changes) out.set(c.subject, [...(out.get(c.subject) ?? []), c]);
  return out;
}

/** The diffstat: folded below a semantic diff, open when it is all there is. */
function fileBlock(files: FileStat | undefined, folded: boolean): string[] {
  if (!files?.files.length) return ['No synthesized file changed.'];
  const plus = files.files.reduce((n, f) => n + f.insertions, 0);
  const minus = files.files.reduce((n, f) => n + f.deletions, 0);
  const title = `Synthesized files: ${files.files.length} changed, +${plus} −${minus}`;
  const block = ['```text', files.stat.trimEnd(), '```'];
  return folded
    ? ['<details><summary>' + title + '</summary>', '', ...block, '', '</details>']
    : [`**${title}**`, '', ...block];
}

function finish(lines: string[]): string {
  while (lines[lines.length - 1] === '') lines.pop();
  return `${lines.join('\n')}\n`;
}
