import {
  DiffContext, PipelineChange, added, asArray, changedLeaves, code, codeList, deepEqual, isObject, transition, unionKeys,
} from './changes';
import { sshChanges, sshFacts } from './diff-ssh';
import type { Risk, SnapshotObject, SnapshotValue } from './snapshot';

type Level = 'none' | 'read' | 'write';
const RANK: Record<Level, number> = { none: 0, read: 1, write: 2 };
/** Every scope `read-all` / `write-all` grants. */
const SCOPES = ['actions', 'attestations', 'checks', 'contents', 'deployments', 'discussions', 'id-token', 'issues', 'models', 'packages', 'pages', 'pull-requests', 'repository-projects', 'security-events', 'statuses'];
/** A job without permissions anywhere gets the repository's default token, which may be write-all. */
const REPOSITORY_DEFAULT = 'repository default';
/** Triggers that run with secrets and a write token on behalf of code from forks. */
const PRIVILEGED_TRIGGERS: Record<string, string> = {
  pull_request_target: 'runs with secrets and a write token for pull requests from forks; never check out their code there',
  workflow_run: 'runs with secrets and a write token after workflows that pull requests from forks can start',
};
/** Job keys rated on their own (permissions, environment) or per step. */
const JOB_KEYS_RATED = ['permissions', 'environment', 'steps'];

/**
 * Workflows, from the YAML they render: triggers, token permissions per job (widened or
 * narrowed), third-party actions added or re-pinned, environments, secrets referenced,
 * SSH host key trust, and the remaining job and step changes.
 */
export function diffWorkflows(ctx: DiffContext): PipelineChange[] {
  const out: PipelineChange[] = [];
  for (const path of unionKeys(ctx.base.workflows, ctx.head.workflows)) {
    const before = ctx.base.workflows[path];
    const after = ctx.head.workflows[path];
    const change = (c: Omit<PipelineChange, 'section' | 'subject'>) => out.push({ section: 'workflows', subject: path, ...c });
    if (!before) change({ change: 'added', summary: `new workflow ${code(String(after.name ?? path))}, on ${codeList(Object.keys(triggers(after)))}`, risk: 'safe' });
    if (!after) {
      change({ change: 'removed', summary: 'removed', risk: 'safe' });
      continue;
    }
    const a = before ?? {};
    for (const c of [
      // A new workflow's triggers are in its own line.
      ...(before ? triggerChanges(before, after) : []),
      ...permissionChanges(a, after),
      ...actionChanges(a, after),
      ...environmentChanges(a, after),
      ...secretChanges(a, after),
      ...sshChanges(sshFacts(runText(a)), sshFacts(runText(after))),
      ...(before ? otherChanges(before, after) : []),
    ]) change(c);
  }
  return out;
}

type Change = Omit<PipelineChange, 'section' | 'subject'>;

function jobsOf(wf: SnapshotObject): Record<string, SnapshotObject> {
  return isObject(wf.jobs) ? wf.jobs as Record<string, SnapshotObject> : {};
}

function triggers(wf: SnapshotObject): Record<string, SnapshotValue> {
  const on = wf.on;
  if (typeof on === 'string') return { [on]: null };
  if (Array.isArray(on)) return Object.fromEntries(on.map((e) => [String(e), null]));
  return isObject(on) ? { ...on } : {};
}

function triggerChanges(before: SnapshotObject, after: SnapshotObject): Change[] {
  const a = triggers(before);
  const b = triggers(after);
  return unionKeys(a, b).flatMap((event): Change[] => {
    if (!(event in a)) {
      const why = PRIVILEGED_TRIGGERS[event];
      return [{ change: 'changed', field: `on.${event}`, after: b[event], summary: `new trigger ${code(event)}`, risk: why ? 'security' : 'safe', why }];
    }
    if (!(event in b)) return [{ change: 'changed', field: `on.${event}`, before: a[event], summary: `trigger ${code(event)} removed`, risk: 'safe' }];
    return changedLeaves(a[event], b[event]).map((l) => ({
      change: 'changed',
      field: `on.${event}${l.field ? `.${l.field}` : ''}`,
      before: l.before,
      after: l.after,
      summary: `trigger ${code(event)}${l.field ? ` ${code(l.field)}` : ''}: ${transition(l.before, l.after)}`,
      risk: 'safe',
    }));
  });
}

/** A job's token: scope → level, or REPOSITORY_DEFAULT when nothing says. */
function effectivePermissions(wf: SnapshotObject, job: SnapshotObject | undefined): Record<string, Level> | typeof REPOSITORY_DEFAULT | undefined {
  if (!job) return undefined;
  const p = job.permissions ?? wf.permissions;
  if (p === undefined) return REPOSITORY_DEFAULT;
  if (p === 'read-all' || p === 'write-all') return Object.fromEntries(SCOPES.map((s) => [s, p === 'read-all' ? 'read' : 'write']));
  if (!isObject(p)) return {};
  return Object.fromEntries(Object.entries(p).map(([scope, level]) => [scope, (['read', 'write'].includes(String(level)) ? level : 'none') as Level]));
}

function permissionChanges(before: SnapshotObject, after: SnapshotObject): Change[] {
  const out: Change[] = [];
  const jobsA = jobsOf(before);
  const jobsB = jobsOf(after);
  for (const job of unionKeys(jobsA, jobsB)) {
    if (!jobsB[job]) continue;
    const a = effectivePermissions(before, jobsA[job]);
    const b = effectivePermissions(after, jobsB[job])!;
    if (deepEqual(a, b)) continue;
    const field = `jobs.${job}.permissions`;
    if (b === REPOSITORY_DEFAULT) {
      out.push({ change: 'changed', field, before: a as SnapshotValue, after: b, summary: `job ${code(job)} gets the repository's default token permissions`, risk: 'security', why: 'the default token may be write-all; declare what the job needs' });
      continue;
    }
    const levelsA: Record<string, Level> = a === undefined || a === REPOSITORY_DEFAULT ? {} : a;
    for (const scope of unionKeys(levelsA, b)) {
      const from = levelsA[scope] ?? 'none';
      const to = b[scope] ?? 'none';
      if (from === to) continue;
      const widened = a !== REPOSITORY_DEFAULT && RANK[to] > RANK[from];
      out.push({
        change: 'changed',
        field: `${field}.${scope}`,
        before: from,
        after: to,
        summary: `job ${code(job)} ${widened ? 'gains' : 'drops to'} ${code(`${scope}: ${to}`)}${from !== 'none' ? ` (was ${code(from)})` : ''}`,
        risk: widened ? (to === 'write' || scope === 'id-token' ? 'security' : 'safe') : 'safe',
        why: widened && (to === 'write' || scope === 'id-token') ? 'permission widened' : widened ? undefined : 'permission narrowed',
      });
    }
  }
  return out;
}

/** `owner/repo[/path]` → refs it is used at, over every job and step. */
function actions(wf: SnapshotObject): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const job of Object.values(jobsOf(wf))) {
    const uses = [job.uses, ...asArray(job.steps).map((s) => (isObject(s) ? s.uses : undefined))];
    for (const u of uses) {
      if (typeof u !== 'string' || u.startsWith('./') || u.startsWith('docker://')) continue;
      const at = u.lastIndexOf('@');
      const name = at > 0 ? u.slice(0, at) : u;
      if (!out.has(name)) out.set(name, new Set());
      out.get(name)!.add(at > 0 ? u.slice(at + 1) : '');
    }
  }
  return out;
}

const isPinned = (ref: string) => /^[0-9a-f]{40}$/.test(ref);
const shortRef = (ref: string) => (isPinned(ref) ? ref.slice(0, 7) : ref || '(no ref)');

function actionChanges(before: SnapshotObject, after: SnapshotObject): Change[] {
  const a = actions(before);
  const b = actions(after);
  const out: Change[] = [];
  for (const name of new Set([...b.keys(), ...a.keys()])) {
    const refsA = [...(a.get(name) ?? [])];
    const refsB = [...(b.get(name) ?? [])];
    if (deepEqual(refsA.sort(), refsB.sort())) continue;
    const unpinned = refsB.filter((r) => !isPinned(r));
    const rating = unpinned.length
      ? { risk: 'security' as Risk, why: `${codeList(unpinned.map((r) => `${name}@${r}`))} is not pinned to a commit: the tag or branch can be moved to other code` }
      : { risk: 'safe' as Risk };
    const field = `uses.${name}`;
    if (!refsA.length) out.push({ change: 'changed', field, after: refsB, summary: `new action ${code(name)} at ${codeList(refsB.map(shortRef))}`, ...rating });
    else if (!refsB.length) out.push({ change: 'changed', field, before: refsA, summary: `action ${code(name)} no longer used`, risk: 'safe' });
    else out.push({ change: 'changed', field, before: refsA, after: refsB, summary: `action ${code(name)} re-pinned: ${codeList(refsA.map(shortRef))} → ${codeList(refsB.map(shortRef))}`, ...rating });
  }
  return out;
}

/** Names of the environments a job runs in: a literal, or the choices of the input its expression reads. */
export function jobEnvironments(wf: SnapshotObject, job: SnapshotObject): string[] {
  const env = isObject(job.environment) ? job.environment.name : job.environment;
  if (typeof env !== 'string' || !env) return [];
  const input = env.match(/^\$\{\{\s*(?:github\.event\.)?inputs\.([\w-]+)\s*\}\}$/)?.[1];
  if (!input) return [env];
  const dispatch = triggers(wf).workflow_dispatch;
  const spec = isObject(dispatch) && isObject(dispatch.inputs) ? dispatch.inputs[input] : undefined;
  return isObject(spec) && Array.isArray(spec.options) ? spec.options.map(String) : [env];
}

function environmentChanges(before: SnapshotObject, after: SnapshotObject): Change[] {
  const out: Change[] = [];
  const jobsA = jobsOf(before);
  const jobsB = jobsOf(after);
  for (const job of unionKeys(jobsA, jobsB)) {
    if (!jobsB[job]) continue;
    const a = jobsA[job] ? jobEnvironments(before, jobsA[job]) : [];
    const b = jobEnvironments(after, jobsB[job]);
    if (deepEqual(a, b)) continue;
    const field = `jobs.${job}.environment`;
    if (!b.length) {
      out.push({ change: 'changed', field, before: a, summary: `job ${code(job)} no longer runs in an environment (was ${codeList(a)})`, risk: 'security', why: 'the environments\' protection rules (required reviewers, branch rules) no longer apply' });
      continue;
    }
    const fresh = added(a, b);
    const secrets = secretsOf(jobsB[job]);
    out.push({
      change: 'changed',
      field,
      before: a,
      after: b,
      summary: a.length ? `job ${code(job)} environments: ${codeList(a)} → ${codeList(b)}` : `job ${code(job)} runs in environment ${codeList(b)}`,
      risk: fresh.length && a.length ? 'attention' : 'safe',
      why: fresh.length && a.length ? `new deploy target ${codeList(fresh)}` : undefined,
      action: fresh.length && a.length
        ? `Create the GitHub environment ${codeList(fresh)} (Settings → Environments)${secrets.length ? ` with the secrets ${codeList(secrets)}` : ''} and prepare its server before deploying there.`
        : undefined,
    });
  }
  return out;
}

/** Secrets a job reads (`secrets.NAME`), GITHUB_TOKEN aside: GitHub provides it. */
function secretsOf(job: SnapshotObject): string[] {
  const names = [...JSON.stringify(job).matchAll(/secrets\.([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => m[1]);
  return [...new Set(names)].filter((n) => n !== 'GITHUB_TOKEN');
}

function secretChanges(before: SnapshotObject, after: SnapshotObject): Change[] {
  const where = (wf: SnapshotObject) => {
    const out = new Map<string, Set<string>>();
    for (const job of Object.values(jobsOf(wf))) {
      for (const s of secretsOf(job)) {
        if (!out.has(s)) out.set(s, new Set());
        jobEnvironments(wf, job).forEach((e) => out.get(s)!.add(e));
      }
    }
    return out;
  };
  const a = where(before);
  const b = where(after);
  const out: Change[] = [];
  for (const [name, envs] of b) {
    if (a.has(name)) continue;
    const target = envs.size ? `the GitHub environment${envs.size > 1 ? 's' : ''} ${codeList([...envs])}` : 'the repository\'s Actions secrets';
    out.push({
      change: 'changed',
      field: `secrets.${name}`,
      after: name,
      summary: `reads new secret ${code(name)}`,
      risk: 'attention',
      why: 'runs fail or misbehave until it is set',
      action: `Add the secret ${code(name)} to ${target} before the next run.`,
    });
  }
  for (const name of a.keys()) {
    if (!b.has(name)) out.push({ change: 'changed', field: `secrets.${name}`, before: name, summary: `no longer reads secret ${code(name)}`, risk: 'safe', why: 'it may be deleted' });
  }
  return out;
}

/** Every `run:` block, where SSH options live in a workflow. */
function runText(wf: SnapshotObject): string {
  return Object.values(jobsOf(wf)).flatMap((j) => asArray(j.steps)).map((s) => (isObject(s) && typeof s.run === 'string' ? s.run : '')).join('\n');
}

/** Remaining differences: workflow settings, jobs added or removed, job settings and steps. */
function otherChanges(before: SnapshotObject, after: SnapshotObject): Change[] {
  const out: Change[] = [];
  for (const key of unionKeys(before, after)) {
    if (key === 'on' || key === 'jobs' || key === 'permissions' || deepEqual(before[key], after[key])) continue;
    out.push({ change: 'changed', field: key, before: before[key], after: after[key], summary: `${code(key)}: ${transition(before[key], after[key])}`, risk: 'safe' });
  }
  const jobsA = jobsOf(before);
  const jobsB = jobsOf(after);
  for (const job of unionKeys(jobsA, jobsB)) {
    const a = jobsA[job];
    const b = jobsB[job];
    if (!a) {
      out.push({ change: 'changed', field: `jobs.${job}`, summary: `new job ${code(job)} (${asArray(b.steps).length} step${asArray(b.steps).length === 1 ? '' : 's'})`, risk: 'safe' });
      continue;
    }
    if (!b) {
      out.push({ change: 'changed', field: `jobs.${job}`, summary: `job ${code(job)} removed`, risk: 'safe' });
      continue;
    }
    for (const key of unionKeys(a, b)) {
      if (JOB_KEYS_RATED.includes(key) || deepEqual(a[key], b[key])) continue;
      out.push({ change: 'changed', field: `jobs.${job}.${key}`, before: a[key], after: b[key], summary: `job ${code(job)} ${code(key)}: ${transition(a[key], b[key])}`, risk: 'safe' });
    }
    out.push(...stepChanges(job, asArray(a.steps), asArray(b.steps)));
  }
  return out;
}

function stepChanges(job: string, before: readonly SnapshotValue[], after: readonly SnapshotValue[]): Change[] {
  const key = (s: SnapshotValue, i: number) => (isObject(s) ? String(s.id ?? s.name ?? s.uses ?? i) : String(i));
  const name = (s: SnapshotValue, k: string) => (isObject(s) && typeof s.name === 'string' ? s.name : k);
  const a = new Map(before.map((s, i) => [key(s, i), s]));
  const b = new Map(after.map((s, i) => [key(s, i), s]));
  const out: Change[] = [];
  for (const k of new Set([...b.keys(), ...a.keys()])) {
    const sa = a.get(k);
    const sb = b.get(k);
    const field = `jobs.${job}.steps.${k}`;
    if (!sa) {out.push({ change: 'changed', field, after: sb, summary: `job ${code(job)}: new step ${code(name(sb!, k))}`, risk: 'safe' });} else if (!sb) {out.push({ change: 'changed', field, before: sa, summary: `job ${code(job)}: step ${code(name(sa, k))} removed`, risk: 'safe' });} else {
      // `uses` refs are rated as actions above.
      const leaves = changedLeaves(sa, sb).filter((l) => l.field !== 'uses');
      if (!leaves.length) continue;
      const what = leaves.map((l) => (typeof l.before === 'string' && l.before.length > 60) || (typeof l.after === 'string' && l.after.length > 60)
        ? `${code(l.field)} changed`
        : `${code(l.field)} ${transition(l.before, l.after)}`);
      out.push({ change: 'changed', field, before: sa, after: sb, summary: `job ${code(job)}: step ${code(name(sb, k))}: ${what.join('; ')}`, risk: 'safe' });
    }
  }
  return out;
}
