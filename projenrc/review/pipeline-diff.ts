import { DiffContext, PipelineChange, RISK_ORDER, asArray, asStrings, changedFields, code, transition } from './changes';
import { diffDeploy } from './diff-deploy';
import { diffImages } from './diff-images';
import { diffSections, sectionTitles } from './diff-sections';
import { diffServices } from './diff-services';
import { diffVariables } from './diff-variables';
import { diffWorkflows, jobEnvironments } from './diff-workflows';
import type { PipelineSnapshot, Risk } from './snapshot';

export interface DiffSection {
  readonly id: string;
  readonly title: string;
  readonly changes: readonly PipelineChange[];
}

/** The change in meaning between two snapshots. */
export interface PipelineDiff {
  /** Sections with at least one change, in reading order. */
  readonly sections: readonly DiffSection[];
  /** Changes per risk. */
  readonly summary: Readonly<Record<Risk, number>>;
  /** What operators must do, once each, in order of appearance. */
  readonly actions: readonly string[];
  /** Caveats about the comparison itself (e.g. snapshot formats differ). */
  readonly notes: readonly string[];
}

const TITLES: Record<string, string> = {
  stack: 'Stack',
  services: 'Services',
  variables: 'Variables',
  images: 'Images and Dockerfiles',
  workflows: 'Workflows',
  deploy: 'Deploy',
};

/** Compares the model at two commits; pure (no git, no files). */
export function diffSnapshots(base: PipelineSnapshot, head: PipelineSnapshot): PipelineDiff {
  const ctx = context(base, head);
  const changes = [
    ...diffStack(ctx),
    ...diffServices(ctx),
    ...diffVariables(ctx),
    ...diffImages(ctx),
    ...diffWorkflows(ctx),
    ...diffDeploy(ctx),
    ...diffSections(ctx),
  ];
  const titles = { ...TITLES, ...sectionTitles(ctx) };
  const ids = [...new Set(changes.map((c) => c.section))];
  return {
    sections: ids.map((id) => ({ id, title: titles[id] ?? id, changes: changes.filter((c) => c.section === id) })),
    summary: Object.fromEntries(RISK_ORDER.map((r) => [r, changes.filter((c) => c.risk === r).length])) as Record<Risk, number>,
    actions: [...new Set(changes.flatMap((c) => (c.action ? [c.action] : [])))],
    notes: ctx.lenient
      ? [`The snapshots have different formats (base ${base.format}, head ${head.format}): fields only one of them knows are not compared.`]
      : [],
  };
}

export function isUnchanged(diff: PipelineDiff): boolean {
  return diff.sections.length === 0;
}

function context(base: PipelineSnapshot, head: PipelineSnapshot): DiffContext {
  const targets = new Set<string>();
  for (const wf of Object.values(head.workflows)) {
    const jobs = wf.jobs && typeof wf.jobs === 'object' && !Array.isArray(wf.jobs) ? Object.values(wf.jobs) : [];
    for (const job of jobs) if (job && typeof job === 'object' && !Array.isArray(job)) jobEnvironments(wf, job as never).forEach((e) => targets.add(e));
  }
  const prod = Object.values(head.deploy).map((d) => d.envFile).find((f): f is string => typeof f === 'string') ?? '.env.production';
  const dev = asStrings(head.stack.envFiles).find((f) => f !== prod) ?? '.env';
  const stateful = Object.entries(head.services)
    .filter(([, s]) => asArray(s.volumes).length > 0 && asStrings(s.renderings).includes('prod') && !asArray(s.profiles).length)
    .map(([name]) => name);
  return {
    base,
    head,
    lenient: base.format !== head.format,
    deployTargets: [...targets],
    envFiles: { prod, dev },
    statefulServices: new Set(stateful),
  };
}

/** The stack's own facts: its name is the compose project; its prefix is where servers pull from. */
function diffStack(ctx: DiffContext): PipelineChange[] {
  return changedFields(ctx.base.stack, ctx.head.stack, ctx.lenient).map((f): PipelineChange => {
    const base = { section: 'stack', subject: 'stack', change: 'changed' as const, field: f.field, before: f.before, after: f.after };
    switch (f.field) {
      case 'name':
        return {
          ...base,
          summary: `name (compose project): ${transition(f.before, f.after)}`,
          risk: 'attention',
          why: 'a deploy under the new project name starts a second stack beside the running one',
          action: `Before the next deploy, set \`COMPOSE_PROJECT_NAME=${String(f.before)}\` in ${code(ctx.envFiles.prod)} on each server, or stop the old stack after it.`,
        };
      case 'imagePrefix':
        return { ...base, summary: `image prefix: ${transition(f.before, f.after)}`, risk: 'attention', why: 'servers pull the images from another registry path (log them in if the packages are private)' };
      default:
        return { ...base, summary: `${code(f.field)}: ${transition(f.before, f.after)}`, risk: 'safe' };
    }
  });
}
