import { DiffContext, PipelineChange, asStrings, changedFields, code, codeList, maxRisk, show, transition, unionKeys } from './changes';
import { isRoot } from './diff-services';
import type { Risk, SnapshotValue } from './snapshot';

const LABELS: Record<string, string> = {
  published: 'published to the registry',
  dockerfile: 'Dockerfile',
  from: 'base image',
  user: 'final user',
  expose: 'exposed ports',
  healthCheck: 'health check',
  env: 'environment',
  entrypoint: 'entrypoint',
  cmd: 'command',
  buildSteps: 'build steps',
};

interface Rating { readonly risk: Risk; readonly why?: string }

/** Images and their Dockerfiles: base image, final user, exposed ports, health check, command, build steps. */
export function diffImages(ctx: DiffContext): PipelineChange[] {
  const out: PipelineChange[] = [];
  for (const name of unionKeys(ctx.base.images, ctx.head.images)) {
    const before = ctx.base.images[name];
    const after = ctx.head.images[name];
    const change = (c: Omit<PipelineChange, 'section' | 'subject'>) => out.push({ section: 'images', subject: name, ...c });
    if (!before) {
      const ratings = [rate('user', undefined, after.user, [])].filter((r) => r.risk !== 'safe');
      change({
        change: 'added',
        summary: `new image from ${show(after.from)}, user ${show(after.user)}${after.published === false ? ', not published' : ''}`,
        risk: maxRisk(ratings.map((r) => r.risk)),
        why: ratings.map((r) => r.why).join('; ') || undefined,
      });
      continue;
    }
    if (!after) {
      change({ change: 'removed', summary: 'removed', risk: 'safe' });
      continue;
    }
    const users = statefulUsers(name, ctx);
    for (const f of changedFields(before, after, ctx.lenient)) {
      const summary = f.field === 'buildSteps'
        ? `build steps changed (see ${code(String(after.dockerfile ?? `devops/Dockerfile.${name}`))})`
        : `${LABELS[f.field] ?? code(f.field)}: ${transition(f.before, f.after)}`;
      change({ change: 'changed', field: f.field, before: f.before, after: f.after, summary, ...rate(f.field, f.before, f.after, users) });
    }
  }
  return out;
}

/** Stateful production services that run the image: a new image restarts them. */
function statefulUsers(image: string, ctx: DiffContext): string[] {
  return Object.entries(ctx.head.services)
    .filter(([name, s]) => s.image === image && ctx.statefulServices.has(name))
    .map(([name]) => name);
}

function rate(field: string, before: SnapshotValue | undefined, after: SnapshotValue | undefined, statefulServices: string[]): Rating {
  if (field === 'user' && after !== undefined && isRoot(String(after))) {
    return { risk: 'security', why: 'the container runs as root: a process that breaks out of the app owns the container' };
  }
  if (['published', 'dockerfile'].includes(field) || !statefulServices.length) return { risk: 'safe' };
  const restarts = `recreates ${codeList(statefulServices)} on the next deploy`;
  if (field === 'from') {
    const major = (v: SnapshotValue | undefined) => asStrings(v).map((image) => image.match(/:(\d+)/)?.[1]);
    const majorChanged = JSON.stringify(major(before)) !== JSON.stringify(major(after));
    return {
      risk: 'attention',
      why: majorChanged ? `${restarts}; a new major version may not read the existing data (PostgreSQL needs pg_upgrade)` : restarts,
    };
  }
  return { risk: 'attention', why: restarts };
}
