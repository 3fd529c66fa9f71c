import { DiffContext, PipelineChange, added, asStrings, changedFields, code, codeList, show, transition, unionKeys } from './changes';
import type { Risk, SnapshotObject } from './snapshot';
import { SecretGenerator, generatorCommand } from '../env';

interface Rating { readonly risk: Risk; readonly why?: string; readonly action?: string }

/**
 * Variables added, removed and changed, each with what an operator has to do: a new
 * required variable must be in every server's env file before the deploy that needs it
 * (the production compose file refuses to start without it).
 */
export function diffVariables(ctx: DiffContext): PipelineChange[] {
  const out: PipelineChange[] = [];
  for (const name of unionKeys(ctx.base.variables, ctx.head.variables)) {
    const before = ctx.base.variables[name];
    const after = ctx.head.variables[name];
    const change = (c: Omit<PipelineChange, 'section' | 'subject'>) => out.push({ section: 'variables', subject: name, ...c });
    if (!before) {
      change({ change: 'added', summary: `new variable: ${traits(after)}`, ...rateNew(name, after, ctx) });
      continue;
    }
    if (!after) {
      change({
        change: 'removed',
        summary: `removed (was ${traits(before)})`,
        risk: 'safe',
        why: asStrings(before.renderings).includes('prod') ? `no service reads it any more; it may be deleted from ${code(ctx.envFiles.prod)} on the servers` : undefined,
      });
      continue;
    }
    for (const f of changedFields(before, after, ctx.lenient)) {
      change({ change: 'changed', field: f.field, before: f.before, after: f.after, summary: `${LABELS[f.field] ?? code(f.field)}: ${transition(f.before, f.after)}`, ...rateChange(name, f.field, before, after, ctx) });
    }
  }
  return out;
}

const LABELS: Record<string, string> = {
  required: 'required',
  secret: 'secret',
  default: 'default',
  generate: 'generated as',
  renderings: 'set in',
  usedBy: 'read by',
};

function traits(v: SnapshotObject): string {
  const parts = [v.required ? 'required' : 'optional'];
  if (v.secret) parts.push('secret');
  if (v.default !== undefined) parts.push(`default ${show(v.default)}`);
  const users = asStrings(v.usedBy);
  parts.push(users.length ? `read by ${codeList(users)}` : 'read by compose');
  const where = asStrings(v.renderings);
  if (where.length === 1) parts.push(`${where[0]} only`);
  return parts.join(', ');
}

const needsValue = (v: SnapshotObject) => v.required === true && v.default === undefined;

function rateNew(name: string, v: SnapshotObject, ctx: DiffContext): Rating {
  if (v.secret && v.default !== undefined) return secretDefault();
  if (needsValue(v)) return { risk: 'attention', why: whyRequired(v), action: setAction(name, v, ctx) };
  return { risk: 'safe' };
}

function rateChange(name: string, field: string, before: SnapshotObject, after: SnapshotObject, ctx: DiffContext): Rating {
  if (field === 'secret' && before.secret === true && after.secret !== true) {
    return { risk: 'security', why: 'no longer treated as a secret: templates and docs may show its value, and it may get a default' };
  }
  if (after.secret && after.default !== undefined && (field === 'default' || field === 'secret')) return secretDefault();
  if (field === 'usedBy' && after.secret) {
    const gained = added(asStrings(before.usedBy), asStrings(after.usedBy));
    if (gained.length) return { risk: 'security', why: `the secret becomes readable by ${codeList(gained)}` };
  }
  const nowNeeded = needsValue(after) && asStrings(after.renderings).some((r) => !needsValue(before) || !asStrings(before.renderings).includes(r));
  if (nowNeeded && ['required', 'default', 'renderings'].includes(field)) {
    return {
      risk: 'attention',
      why: field === 'default' ? `servers that relied on the default ${show(before.default)} must now set it` : whyRequired(after),
      action: setAction(name, after, ctx),
    };
  }
  if (field === 'default' && before.default !== undefined && after.default !== undefined && asStrings(after.renderings).includes('prod')) {
    return { risk: 'safe', why: `servers that do not set ${code(name)} switch to the new default on the next deploy` };
  }
  return { risk: 'safe' };
}

function secretDefault(): Rating {
  return { risk: 'security', why: 'a secret with a default value: every deployment that keeps the default shares it, and it is in git' };
}

function whyRequired(v: SnapshotObject): string {
  return asStrings(v.renderings).includes('prod')
    ? 'required without a default: the production compose file refuses to start without it'
    : 'required without a default: the service refuses to start without it';
}

/** Where the value must be set before the deploy that needs it, and how to make one. */
function setAction(name: string, v: SnapshotObject, ctx: DiffContext): string {
  const where = asStrings(v.renderings);
  const make = typeof v.generate === 'string' ? `; generate it with \`${generatorCommand(v.generate as SecretGenerator)}\`` : v.secret ? ' (a secret: never commit it)' : '';
  const steps: string[] = [];
  if (where.includes('prod')) {
    const servers = ctx.deployTargets.length ? `the server of each deploy target (${codeList(ctx.deployTargets)})` : 'every server';
    steps.push(`Before the next deploy, add ${code(name)} to ${code(ctx.envFiles.prod)} on ${servers}${make}.`);
  }
  if (where.includes('dev')) {
    steps.push(`Developers add ${code(name)} to their ${code(ctx.envFiles.dev)}${where.includes('prod') ? '' : make}${v.generate ? ' (`make env` fills it only in a new file)' : ''}.`);
  }
  return steps.join(' ');
}
