import {
  DiffContext, FieldChange, PipelineChange, added, asArray, asStrings, changedFields, code, codeList, deepEqual, isObject,
  maxRisk, transition, unionKeys,
} from './changes';
import type { Risk, SnapshotObject, SnapshotValue } from './snapshot';

/** Labels of the model's service fields; any other field is shown by its name. */
const LABELS: Record<string, string> = {
  image: 'image',
  command: 'command',
  port: 'container port',
  healthCheck: 'health check',
  readinessCheck: 'readiness check',
  publicRoute: 'public route',
  dependsOn: 'depends on',
  volumes: 'volumes',
  oneShot: 'one-shot',
  restart: 'restart policy',
  profiles: 'profiles',
  renderings: 'renderings',
  resources: 'resources (prod limits)',
  stopGracePeriodSeconds: 'stop grace period (s)',
};

interface Rating { readonly risk: Risk; readonly why?: string; readonly action?: string }
const SAFE: Rating = { risk: 'safe' };

/**
 * Services added, removed and changed: the model's facts (image, command, ports, health
 * check, dependencies, environment, volumes, resources, profiles, …) and what the compose
 * renderings add (published host ports, capabilities, privileges).
 */
export function diffServices(ctx: DiffContext): PipelineChange[] {
  const out: PipelineChange[] = [];
  for (const name of unionKeys(ctx.base.services, ctx.head.services)) {
    const before = ctx.base.services[name];
    const after = ctx.head.services[name];
    const change = (c: Omit<PipelineChange, 'section' | 'subject'>) => out.push({ section: 'services', subject: name, ...c });
    if (!before) {
      const ratings = fieldChanges({}, after, false).map((f) => rate(name, f, ctx, true));
      const risky = ratings.filter((r) => r.risk !== 'safe');
      change({
        change: 'added',
        summary: `new service: ${describe(after)}`,
        risk: maxRisk(risky.map((r) => r.risk)),
        why: risky.map((r) => r.why).filter(Boolean).join('; ') || undefined,
        action: risky.map((r) => r.action).filter(Boolean).join(' ') || undefined,
      });
      continue;
    }
    if (!after) {
      const deployed = inProduction(before);
      change({
        change: 'removed',
        summary: `removed (was ${describe(before)})`,
        risk: deployed ? 'attention' : 'safe',
        why: deployed ? 'the deploy does not remove orphaned containers' : undefined,
        action: deployed
          ? `After the next deploy, remove the ${code(name)} container on each server (\`docker compose … up -d --remove-orphans\` in the deploy directory)${asArray(before.volumes).length ? '; its volumes and their data stay until you remove them' : ''}.`
          : undefined,
      });
      continue;
    }
    for (const f of fieldChanges(before, after, ctx.lenient).filter((c) => !followsRename(c, ctx))) {
      const r = rate(name, f, ctx, false);
      change({ change: 'changed', field: f.field, before: f.before, after: f.after, summary: `${label(f.field)}: ${transition(shown(f.field, f.before), shown(f.field, f.after))}`, ...r });
    }
  }
  return out;
}

/** A compose value that only changed with the stack's name (its network): reported once, with the stack. */
function followsRename(f: FieldChange, ctx: DiffContext): boolean {
  const from = ctx.base.stack.name;
  const to = ctx.head.stack.name;
  if (!f.field.startsWith('compose.') || typeof from !== 'string' || typeof to !== 'string' || from === to) return false;
  const inJson = (name: string) => JSON.stringify(name).slice(1, -1);
  return JSON.stringify(f.before ?? null).split(inJson(from)).join(inJson(to)) === JSON.stringify(f.after ?? null);
}

/** Field changes, with `env` split per variable and `compose` per rendering and key. */
function fieldChanges(before: SnapshotObject, after: SnapshotObject, lenient: boolean): FieldChange[] {
  return changedFields(before, after, lenient).flatMap((f) => {
    if (f.field === 'env' && (isObject(f.before) || isObject(f.after))) {
      const a = isObject(f.before) ? f.before : {};
      const b = isObject(f.after) ? f.after : {};
      return changedFields(a, b, false).map((e) => ({ ...e, field: `env.${e.field}` }));
    }
    if (f.field === 'compose' && (isObject(f.before) || isObject(f.after))) {
      const a = isObject(f.before) ? f.before : {};
      const b = isObject(f.after) ? f.after : {};
      return unionKeys(a, b).flatMap((rendering) => {
        const ra = isObject(a[rendering]) ? a[rendering] as SnapshotObject : {};
        const rb = isObject(b[rendering]) ? b[rendering] as SnapshotObject : {};
        return changedFields(ra, rb, lenient).map((c) => ({ ...c, field: `compose.${rendering}.${c.field}` }));
      });
    }
    return [f];
  });
}

function label(field: string): string {
  if (field.startsWith('env.')) return `env ${code(field.slice(4))}`;
  const compose = field.match(/^compose\.([^.]+)\.(.+)$/);
  if (compose) return compose[2] === 'ports' ? `published ports (${compose[1]})` : `${code(compose[2])} (${compose[1]} compose)`;
  return LABELS[field] ?? code(field);
}

/** Values in the words a reviewer reads them. */
function shown(field: string, v: SnapshotValue | undefined): SnapshotValue | undefined {
  if (v === undefined) return v;
  if (field === 'dependsOn') return asArray(v).map((d) => (isObject(d) ? `${d.service} (${d.condition})` : String(d)));
  if (field === 'volumes') return asArray(v).map((m) => (isObject(m) ? `${m.volume}:${m.target}` : String(m)));
  if (field === 'resources' && isObject(v)) return `${v.memoryMb} MB, ${v.cpus} CPU`;
  if (field === 'command' && Array.isArray(v)) return v.join(' ');
  if (field === 'publicRoute' && isObject(v)) return `https://${v.host}${v.pathPrefix ?? '/'}${v.urlVariable ? ` (URL in ${v.urlVariable})` : ''}`;
  return v;
}

function describe(s: SnapshotObject): string {
  const parts = [`image ${code(String(s.image))}`];
  if (s.port !== undefined) parts.push(`port ${s.port}`);
  if (s.oneShot) parts.push('one-shot');
  const published = Object.entries(isObject(s.compose) ? s.compose : {})
    .flatMap(([r, c]) => (isObject(c) && asArray(c.ports).length ? [`${r}: ${asStrings(c.ports).join(', ')}`] : []));
  if (published.length) parts.push(`published ${published.map(code).join(', ')}`);
  if (asArray(s.profiles).length) parts.push(`profiles ${codeList(asStrings(s.profiles))}`);
  return parts.join(', ');
}

function inProduction(s: SnapshotObject): boolean {
  return asStrings(s.renderings).includes('prod') && !asArray(s.profiles).length;
}

/** The rating of one field change; `isNew` when the service itself is new. */
function rate(service: string, f: FieldChange, ctx: DiffContext, isNew: boolean): Rating {
  const compose = f.field.match(/^compose\.([^.]+)\.(.+)$/);
  const own = compose ? composeRating(service, compose[1], compose[2], f.before, f.after) : modelRating(f, isNew);
  if (own.risk !== 'safe' || isNew) return own;
  // Every change of a stateful production service recreates its container.
  if (ctx.statefulServices.has(service) && !['profiles', 'renderings'].includes(f.field)) {
    return { risk: 'attention', why: `recreates ${code(service)} on the next deploy (it keeps data in a volume; app deploys otherwise leave it running)` };
  }
  return own;
}

function modelRating(f: FieldChange, isNew: boolean): Rating {
  if (f.field === 'volumes') {
    // By volume name: the name holds the data, the target is where the container sees it.
    const mounts = (v: SnapshotValue | undefined) => new Map(asArray(v).filter(isObject).map((m) => [String(m.volume), String(m.target)]));
    const a = mounts(f.before);
    const b = mounts(f.after);
    const why = [
      ...[...b].filter(([name]) => !a.has(name)).map(([name, target]) => `new volume ${code(name)} at ${code(target)} starts empty`),
      ...[...b].filter(([name, target]) => a.has(name) && a.get(name) !== target)
        .map(([name, target]) => `volume ${code(name)} moves from ${code(a.get(name)!)} to ${code(target)}: the data is found only where the process looks for it`),
      ...(isNew ? [] : [...a].filter(([name]) => !b.has(name)).map(([name]) => `volume ${code(name)} is no longer mounted (its data stays on the server)`)),
    ].join('; ');
    return why ? { risk: 'attention', why } : SAFE;
  }
  if (f.field === 'renderings' && !isNew) {
    const lostProd = asStrings(f.before).includes('prod') && !asStrings(f.after).includes('prod');
    if (lostProd) return { risk: 'attention', why: 'no longer in the production compose file; the deploy does not remove orphaned containers', action: 'After the next deploy, remove its container on each server (`docker compose … up -d --remove-orphans`).' };
  }
  return SAFE;
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|\[?::1\]?|localhost)$/;

/** `127.0.0.1:${API_PORT:-4000}` → { ip: '127.0.0.1', port: '4000' }; no ip: every interface. */
function hostBinding(hostSide: string): { ip?: string; port: string } {
  const m = hostSide.match(/^(\d{1,3}(?:\.\d{1,3}){3}|\[[0-9a-fA-F:]+\]|localhost):(.+)$/);
  const ip = m?.[1];
  const portPart = m ? m[2] : hostSide;
  const def = portPart.match(/^\$\{[A-Z0-9_]+:?-([^}]*)\}$/);
  return { ip, port: def ? def[1] : portPart };
}

function isPublic(hostSide: string): boolean {
  const { ip } = hostBinding(hostSide);
  return !ip || !LOOPBACK.test(ip.replace(/^\[|\]$/g, ''));
}

/** What a compose rendering adds beyond the model: where ports listen, what the container may do. */
function composeRating(service: string, rendering: string, key: string, before: SnapshotValue | undefined, after: SnapshotValue | undefined): Rating {
  const where = rendering === 'prod' ? 'every interface of the server: reachable from the internet unless a firewall blocks it' : 'every interface of the developer\'s machine';
  switch (key) {
    case 'ports': {
      const a = asStrings(before);
      const b = asStrings(after);
      // More bindings on every interface than before (a new default port on one that already was is not new exposure).
      if (b.filter(isPublic).length > a.filter(isPublic).length) {
        return { risk: 'security', why: `${codeList(b.filter(isPublic))} listens on ${where}` };
      }
      const portsA = a.map((p) => hostBinding(p).port);
      const portsB = b.map((p) => hostBinding(p).port);
      if (!deepEqual(portsA, portsB) && rendering === 'prod') {
        return {
          risk: 'attention',
          why: portsB.length ? `host port ${portsA.join(', ') || 'none'} → ${portsB.join(', ')}` : 'no longer reachable from the host',
          action: portsB.length ? `Before the next deploy, update what reaches ${code(service)} on host port ${portsA.join(', ')} (firewall rules, proxies, clients).` : undefined,
        };
      }
      return SAFE;
    }
    case 'cap_drop': {
      const lost = added(asStrings(after), asStrings(before));
      return lost.length ? { risk: 'security', why: `keeps Linux capabilities it dropped before (${codeList(lost)})` } : SAFE;
    }
    case 'cap_add':
      return added(asStrings(before), asStrings(after)).length ? { risk: 'security', why: 'gains Linux capabilities' } : SAFE;
    case 'security_opt': {
      const lost = added(asStrings(after), asStrings(before));
      return lost.length ? { risk: 'security', why: `loses ${codeList(lost)}${lost.some((o) => o.startsWith('no-new-privileges')) ? ': processes may gain privileges (setuid) again' : ''}` } : SAFE;
    }
    case 'privileged':
      return after === true ? { risk: 'security', why: 'a privileged container controls the host' } : SAFE;
    case 'user':
      return after !== undefined && isRoot(String(after)) ? { risk: 'security', why: 'runs as root' } : SAFE;
    case 'read_only':
      return before === true && after !== true ? { risk: 'security', why: 'its filesystem becomes writable' } : SAFE;
    case 'network_mode':
    case 'pid':
    case 'ipc':
      return after === 'host' ? { risk: 'security', why: `shares the host's ${key === 'network_mode' ? 'network' : key} namespace` } : SAFE;
    default:
      return SAFE;
  }
}

export function isRoot(user: string): boolean {
  return ['root', '0'].includes(user.split(':')[0]);
}
