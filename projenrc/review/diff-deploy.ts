import {
  DiffContext, PipelineChange, asArray, changedFields, changedLeaves, code, isObject, show, transition, unionKeys,
} from './changes';
import { sshChanges } from './diff-ssh';
import type { Risk, SnapshotObject, SnapshotValue } from './snapshot';

type Change = Omit<PipelineChange, 'section' | 'subject'>;
interface Rating { readonly risk: Risk; readonly why?: string; readonly action?: string }

const LABELS: Record<string, string> = {
  compose: 'compose file',
  envFile: 'env file on the server',
  database: 'database backed up before migrating',
  migrate: 'migrations',
  deployPath: 'deploy directory',
  keepBackups: 'backups kept',
  waitTimeoutSeconds: 'health wait (s)',
};

/** Arrays of named objects compared element by element (checks by label). */
const ELEMENT_KEYS = ['label', 'name', 'id'];

/**
 * The deployment: checks added or removed (and their exit codes), what is backed up and
 * how many backups are kept, paths on the server; then every synthesized script's exit
 * codes and SSH host key trust.
 */
export function diffDeploy(ctx: DiffContext): PipelineChange[] {
  const out: PipelineChange[] = [];
  for (const id of unionKeys(ctx.base.deploy, ctx.head.deploy)) {
    const before = ctx.base.deploy[id];
    const after = ctx.head.deploy[id];
    const push = (c: Change) => out.push({ section: 'deploy', subject: id, ...c });
    if (!before) push({ change: 'added', summary: `new deployment of ${show(after.compose)}`, risk: 'safe' });
    else if (!after) push({ change: 'removed', summary: 'removed', risk: 'safe' });
    else deploymentChanges(before, after, ctx).forEach(push);
  }
  const labels = checkLabels(ctx);
  for (const path of unionKeys(ctx.base.scripts, ctx.head.scripts)) {
    const before = ctx.base.scripts[path] ?? {};
    const after = ctx.head.scripts[path];
    const push = (c: Change) => out.push({ section: 'deploy', subject: path, ...c });
    if (!after) {
      push({ change: 'removed', summary: 'removed', risk: 'safe' });
      continue;
    }
    exitCodeChanges(before.exitCodes, after.exitCodes, labels).forEach(push);
    sshChanges(before.ssh, after.ssh).forEach(push);
  }
  return out;
}

function deploymentChanges(before: SnapshotObject, after: SnapshotObject, ctx: DiffContext): Change[] {
  return changedFields(before, after, ctx.lenient).flatMap((f): Change[] => {
    const keyed = elementKey(f.before) ?? elementKey(f.after);
    if (keyed) return elementChanges(f.field, keyed, asArray(f.before), asArray(f.after));
    const label = LABELS[f.field] ?? code(f.field);
    return [{ change: 'changed', field: f.field, before: f.before, after: f.after, summary: `${label}: ${transition(shown(f.before), shown(f.after))}`, ...rate(f.field, f.before, f.after) }];
  });
}

function shown(v: SnapshotValue | undefined): SnapshotValue | undefined {
  if (isObject(v) && typeof v.service === 'string') {
    return Object.entries(v).map(([k, x]) => `${k} ${Array.isArray(x) ? x.join(' ') : String(x)}`).join(', ');
  }
  return v;
}

function rate(field: string, before: SnapshotValue | undefined, after: SnapshotValue | undefined): Rating {
  switch (field) {
    case 'database':
      return { risk: 'attention', why: 'what the deploy backs up before migrating changes' };
    case 'keepBackups':
      return typeof before === 'number' && typeof after === 'number' && after < before
        ? { risk: 'attention', why: `the next deploy deletes backups beyond the newest ${after}` }
        : { risk: 'safe' };
    case 'deployPath':
      return {
        risk: 'attention',
        why: 'the deploy looks for the stack in another directory',
        action: `On each server, move the deploy directory ${show(before)} to ${show(after)} (with its env file, \`.deploy/\` and \`backups/\`), or set the \`DEPLOY_PATH\` secret to the old one, before the next deploy.`,
      };
    case 'envFile':
      return { risk: 'attention', why: 'the deploy reads another env file', action: `On each server, rename ${show(before)} to ${show(after)} before the next deploy.` };
    default:
      // Whatever else the deployment learns to back up is about data, never incidental.
      return /backup/i.test(field) ? { risk: 'attention', why: 'changes what is backed up' } : { risk: 'safe' };
  }
}

function elementKey(v: SnapshotValue | undefined): string | undefined {
  const items = asArray(v);
  if (!items.length || !items.every(isObject)) return undefined;
  return ELEMENT_KEYS.find((k) => items.every((i) => typeof (i as SnapshotObject)[k] === 'string'));
}

/** Checks (and any list of named things) by name: added, removed, changed field by field. */
function elementChanges(field: string, key: string, before: readonly SnapshotValue[], after: readonly SnapshotValue[]): Change[] {
  const byKey = (items: readonly SnapshotValue[]) => new Map(items.filter(isObject).map((i) => [String(i[key]), i]));
  const a = byKey(before);
  const b = byKey(after);
  const isCheck = /checks$/i.test(field);
  const out: Change[] = [];
  for (const name of new Set([...b.keys(), ...a.keys()])) {
    const ea = a.get(name);
    const eb = b.get(name);
    const path = `${field}.${name}`;
    if (!ea) {
      out.push({ change: 'changed', field: path, after: eb, summary: isCheck ? `new check ${code(name)}: ${describeCheck(eb!)}` : `${code(field)}: new ${code(name)}`, risk: 'safe' });
    } else if (!eb) {
      out.push({
        change: 'changed',
        field: path,
        before: ea,
        summary: isCheck ? `check ${code(name)} removed (was ${describeCheck(ea)})` : `${code(field)}: ${code(name)} removed`,
        risk: isCheck ? 'attention' : 'safe',
        why: isCheck ? 'deploys no longer verify it: a failure there no longer rolls the deploy back' : undefined,
      });
    } else {
      for (const leaf of changedLeaves(ea, eb)) {
        const exitCode = leaf.field === 'exitCode';
        out.push({
          change: 'changed',
          field: `${path}.${leaf.field}`,
          before: leaf.before,
          after: leaf.after,
          summary: `${isCheck ? 'check' : code(field)} ${code(name)} ${exitCode ? 'exit code' : code(leaf.field)}: ${transition(leaf.before, leaf.after)}`,
          risk: exitCode ? 'attention' : 'safe',
          why: exitCode ? 'whatever reads deploy-check\'s exit codes (alerts, runbooks) must follow' : undefined,
        });
      }
    }
  }
  return out;
}

function describeCheck(c: SnapshotObject): string {
  const target = c.path !== undefined
    ? `${code(`GET ${c.path}`)} on ${code(String(c.service))}${c.expectStatus !== undefined ? ` → ${c.expectStatus}` : ''}`
    : `${code(String(c.service))}'s health check`;
  return `${target}, exit code ${c.exitCode}`;
}

/** Labels of every check: exit codes that name them are reported with the checks, not twice. */
function checkLabels(ctx: DiffContext): string[] {
  return [...Object.values(ctx.base.deploy), ...Object.values(ctx.head.deploy)]
    .flatMap((d) => Object.values(d).flatMap((v) => asArray(v)))
    .filter(isObject)
    .flatMap((c) => (typeof c.label === 'string' && 'exitCode' in c ? [c.label] : []));
}

function exitCodeChanges(before: SnapshotValue | undefined, after: SnapshotValue | undefined, checkLabelList: readonly string[]): Change[] {
  const a = isObject(before) ? before : {};
  const b = isObject(after) ? after : {};
  const derived = (meaning: SnapshotValue | undefined) => typeof meaning === 'string' && checkLabelList.some((l) => meaning.includes(l));
  return unionKeys(a, b).filter((c) => a[c] !== b[c] && !derived(a[c]) && !derived(b[c])).map((c): Change => {
    if (!(c in a)) return { change: 'changed', field: `exitCodes.${c}`, after: b[c], summary: `new exit code ${c}: ${String(b[c])}`, risk: 'safe' };
    if (!(c in b)) {
      return { change: 'changed', field: `exitCodes.${c}`, before: a[c], summary: `exit code ${c} (${String(a[c])}) no longer used`, risk: 'attention', why: 'whatever reads this exit code (alerts, runbooks) must follow' };
    }
    return { change: 'changed', field: `exitCodes.${c}`, before: a[c], after: b[c], summary: `exit code ${c}: ${transition(a[c], b[c])}`, risk: 'safe' };
  });
}
