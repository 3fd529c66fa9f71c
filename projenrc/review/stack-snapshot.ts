import { createHash } from 'node:crypto';
import { Construct, IConstruct } from 'constructs';
import { FileBase, IResolver, ObjectFile } from 'projen';
import { GitHub } from 'projen/lib/github';
import { sshFacts } from './diff-ssh';
import {
  PipelineSnapshot, SNAPSHOT_FORMAT, SNAPSHOT_PATH, SnapshotContributor, SnapshotObject, SnapshotSection, SnapshotValue, isSnapshotContributor,
} from './snapshot';
import { StackCompose } from '../compose/stack-compose';
import { Deployment } from '../deploy/deployment';
import { Dockerfile, Instruction } from '../docker/dockerfile';
import type { EnvVar } from '../env';
import { EnvTemplate } from '../env-template';
import { httpCheckTarget, type ResolvedHealthCheck } from '../health-check';
import type { Image } from '../image';
import { ShellScript } from '../scripts/shell-script';
import type { Service } from '../service';
import type { Stack } from '../stack';

/**
 * Writes the pipeline snapshot (`.projen/stack.json`, see snapshot.ts) on every synth. It
 * walks the model generically: every service, variable, image, deployment and workflow of
 * the project, each handle's own fields (a field the model gains tomorrow is in the
 * snapshot without a change here), plus the sections other renderers contribute. Handles
 * are written as references: a service or image by name, a variable as `${NAME}`, a file
 * by path.
 */
export class StackSnapshot extends FileBase {
  /**
   * @param filePath @default '.projen/stack.json' (where `npx projen pipeline-diff` looks)
   */
  constructor(private readonly stack: Stack, filePath: string = SNAPSHOT_PATH) {
    super(stack, filePath, { committed: true, marker: true, readonly: true });
  }

  /** The snapshot of the model as it is now (call after the renderers' preSynthesize). */
  public snapshot(): PipelineSnapshot {
    const project = this.stack.project;
    const all = project.node.findAll();
    const composes = all.filter((c): c is StackCompose => c instanceof StackCompose && c.node.scope === this.stack);
    const rendered = new Map(composes.map((c) => [c.rendering, composeServices(c)]));
    return {
      format: SNAPSHOT_FORMAT,
      stack: {
        ...fieldsOf(this.stack, ['imageScope']),
        imagePrefix: this.stack.imagePrefix,
        envFiles: all.filter((c): c is EnvTemplate => c instanceof EnvTemplate).map((t) => t.envFile),
      },
      services: Object.fromEntries(this.stack.services.map((s) => [s.name, serviceFacts(s, rendered)])),
      variables: Object.fromEntries(this.stack.variables.map((v) => [v.name, variableFacts(v, this.stack.services)])),
      images: Object.fromEntries(this.stack.images.map((i) => [i.name, imageFacts(i)])),
      workflows: Object.fromEntries((GitHub.of(project)?.workflows ?? [])
        .flatMap((wf) => (wf.file ? [[wf.file.path, renderedObject(wf.file)]] : []))),
      deploy: Object.fromEntries(all.filter((c): c is Deployment => c instanceof Deployment)
        .map((d) => [d.node.id, fieldsOf(d, ['stack'])])),
      scripts: Object.fromEntries(all.filter((c): c is ShellScript => c instanceof ShellScript)
        .flatMap((s) => {
          const facts = scriptFacts(renderedText(s) ?? '');
          return Object.keys(facts).length ? [[s.path, facts]] : [];
        })),
      sections: Object.fromEntries(all.filter((c): c is IConstruct & SnapshotContributor => isSnapshotContributor(c))
        .map((c) => [c.snapshotSectionId ?? c.node.path, toSnapshotValue(c.snapshotSection()) as unknown as SnapshotSection])),
    };
  }

  protected synthesizeContent(_resolver: IResolver): string | undefined {
    return `${JSON.stringify({ '//': this.marker, ...this.snapshot() }, null, 2)}\n`;
  }
}

/** Fields the snapshot states elsewhere or that only document. */
const SERVICE_OMIT = ['name', 'description', 'publish', 'healthCheck', 'readinessCheck'];
// uid and writablePaths only shape the Kubernetes pods: the manifests' own facts report them.
const IMAGE_OMIT = ['name', 'description', 'port', 'healthCheckSpec', 'healthCheck', 'readinessCheckSpec', 'uid', 'writablePaths', 'dockerfile'];
const VARIABLE_OMIT = ['name', 'description', 'example'];
/** Compose keys that render a model field of the service (already compared there). */
const COMPOSE_FROM_MODEL = ['image', 'build', 'command', 'profiles', 'restart', 'depends_on', 'environment', 'volumes', 'healthcheck', 'deploy', 'stop_grace_period'];

function serviceFacts(s: Service, rendered: Map<string, Record<string, Record<string, unknown>>>): SnapshotObject {
  const compose: Record<string, SnapshotValue> = {};
  for (const [rendering, services] of rendered) {
    const c = services[s.name];
    if (!c) continue;
    const extra = Object.fromEntries(Object.entries(c).filter(([k]) => !COMPOSE_FROM_MODEL.includes(k)));
    // The container side is the service's port; what matters here is where the host listens.
    if (Array.isArray(extra.ports)) extra.ports = extra.ports.map((p) => hostSide(String(p)));
    compose[rendering] = toSnapshotValue(extra) as SnapshotObject;
  }
  return {
    ...fieldsOf(s, SERVICE_OMIT),
    ...(s.healthCheck ? { healthCheck: healthSummary(s.healthCheck) } : {}),
    // Readiness is the health check unless declared apart: only a separate one is a fact of its own.
    ...(s.readinessCheck && s.readinessCheck !== s.healthCheck ? { readinessCheck: healthSummary(s.readinessCheck) } : {}),
    compose,
  };
}

function variableFacts(v: EnvVar, services: readonly Service[]): SnapshotObject {
  return { ...fieldsOf(v, VARIABLE_OMIT), usedBy: services.filter((s) => s.uses(v)).map((s) => s.name) };
}

function imageFacts(image: Image): SnapshotObject {
  return { ...fieldsOf(image, IMAGE_OMIT), ...dockerfileFacts(image.dockerfile) };
}

/** What the Dockerfile says about the image that runs: bases, user, ports, health check, command. */
function dockerfileFacts(df: Dockerfile): SnapshotObject {
  // A stage built FROM an earlier stage is part of this build; the others start from a base image.
  const external = df.stages.filter((s, i) => !df.stages.slice(0, i).some((earlier) => earlier.name === s.from));
  const final = df.stages[df.stages.length - 1];
  const last = <K extends Instruction['kind']>(kind: K) =>
    final?.instructions.filter((i): i is Extract<Instruction, { kind: K }> => i.kind === kind).pop();
  const hc = last('HEALTHCHECK')?.check;
  const env = Object.assign({}, ...(final?.instructions ?? []).filter((i): i is Extract<Instruction, { kind: 'ENV' }> => i.kind === 'ENV').map((i) => i.vars));
  const reported = new Set<Instruction['kind']>(['COMMENT', 'USER', 'EXPOSE', 'HEALTHCHECK', 'CMD', 'ENTRYPOINT', 'ENV']);
  // Everything else the build does, as one fingerprint: "the build steps changed".
  const steps = df.stages.map((s) => ({
    name: s.name,
    from: external.includes(s) ? '<base>' : s.from,
    instructions: s.instructions.filter((i) => i.kind !== 'COMMENT' && !(s === final && reported.has(i.kind))),
  }));
  return toSnapshotValue({
    dockerfile: df.path,
    from: [...new Set(external.map((s) => s.from))],
    user: last('USER')?.user ?? 'root',
    expose: (final?.instructions ?? []).filter((i): i is Extract<Instruction, { kind: 'EXPOSE' }> => i.kind === 'EXPOSE').map((i) => i.port),
    healthCheck: hc && healthSummary({ ...hc, command: hc.test }),
    env: Object.keys(env).length ? env : undefined,
    entrypoint: last('ENTRYPOINT')?.args,
    cmd: last('CMD')?.args,
    buildSteps: `sha256:${createHash('sha256').update(JSON.stringify(steps)).digest('hex').slice(0, 12)}`,
  }) as SnapshotObject;
}

/** `GET :4000/health every 5s, timeout 3s, 20 retries, start period 10s`: one readable fact. */
function healthSummary(hc: Pick<ResolvedHealthCheck, 'command' | 'intervalSeconds' | 'timeoutSeconds' | 'retries' | 'startPeriodSeconds'>): string {
  const http = httpCheckTarget(hc.command);
  const probe = http ? `GET :${http.port}${http.path}` : hc.command.join(' ');
  return `${probe} every ${hc.intervalSeconds}s, timeout ${hc.timeoutSeconds}s, ${hc.retries} retries, start period ${hc.startPeriodSeconds}s`;
}

/** `127.0.0.1:${API_PORT:-4000}:4000` → `127.0.0.1:${API_PORT:-4000}` */
function hostSide(mapping: string): string {
  const m = mapping.match(/^(.*):(\d+(?:-\d+)?)(\/\w+)?$/);
  return m ? m[1] : mapping;
}

/** The services of a compose rendering as it renders them (after the renderers' preSynthesize). */
function composeServices(c: StackCompose): Record<string, Record<string, unknown>> {
  return Object.fromEntries([...c.file.serviceDefinitions].map(([name, s]) => [name, { ...s }]));
}

/** Exit codes (from the `exit_codes_help` text every generated script carries) and SSH host key trust. */
function scriptFacts(text: string): SnapshotObject {
  const facts: Record<string, SnapshotValue> = {};
  const help = text.match(/^exit_codes_help\(\) \{\n {2}cat <<'TEXT'\n([\s\S]*?)\nTEXT$/m);
  if (help) {
    facts.exitCodes = Object.fromEntries(help[1].split('\n')
      .map((l) => l.match(/^\s*(\d+)\s+(.+)$/))
      .filter((m): m is RegExpMatchArray => !!m)
      .map((m) => [m[1], m[2]]));
  }
  const ssh = sshFacts(text);
  if (ssh) facts.ssh = ssh;
  return facts;
}

const RESOLVER: IResolver = { resolve: (value: unknown) => resolveLazy(value) };

/**
 * The text a file synthesizes, without writing it: the snapshot is written while the other
 * files are, in no guaranteed order, so it renders the ones it reads itself.
 */
function renderedText(file: FileBase): string | undefined {
  const render = (file as unknown as { synthesizeContent(r: IResolver): string | undefined }).synthesizeContent;
  return render.call(file, RESOLVER);
}

/** An object file's content as data (its YAML or JSON rendering skipped: the snapshot needs the object). */
function renderedObject(file: ObjectFile): SnapshotObject {
  const render = (ObjectFile.prototype as unknown as { synthesizeContent(r: IResolver): string | undefined }).synthesizeContent;
  return JSON.parse(render.call(file, RESOLVER) ?? '{}') as SnapshotObject;
}

/** projen's value resolution, reduced to what files need: lazy values called, `toJSON` honoured, undefined dropped. */
function resolveLazy(value: unknown): any {
  if (value === null || value === undefined) return value;
  if (typeof value === 'function') return resolveLazy(value());
  if (typeof value !== 'object') return value;
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return resolveLazy((value as { toJSON(): unknown }).toJSON());
  if (Array.isArray(value)) return value.map(resolveLazy).filter((v) => v !== undefined && v !== null);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    const r = resolveLazy(v);
    if (r !== undefined) out[k] = r;
  }
  return out;
}

/** A handle's own fields as snapshot values (construct plumbing and private `_fields` left out). */
function fieldsOf(obj: object, omit: readonly string[]): Record<string, SnapshotValue> {
  const out: Record<string, SnapshotValue> = {};
  for (const [key, value] of Object.entries(obj)) {
    if (omit.includes(key) || key === 'node' || key === 'project' || key.startsWith('_')) continue;
    const v = toSnapshotValue(value);
    if (v !== undefined) out[key] = v;
  }
  return out;
}

function isEnvVar(x: object): x is EnvVar {
  const v = x as Partial<EnvVar>;
  return typeof v.name === 'string' && typeof v.required === 'boolean' && typeof v.secret === 'boolean' && Array.isArray(v.renderings);
}

/** A reference to another construct: a file by its path, a named handle by its name. */
function reference(c: IConstruct): string {
  if (c instanceof FileBase) return c.path;
  const named = c as { name?: unknown; file?: unknown };
  if (typeof named.name === 'string') return named.name;
  if (named.file instanceof FileBase) return named.file.path;
  return c.node.id;
}

/** Any model value as plain JSON: handles become references, functions and undefined disappear. */
export function toSnapshotValue(value: unknown): SnapshotValue | undefined {
  if (value === undefined || typeof value === 'function' || typeof value === 'symbol') return undefined;
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : String(value);
  if (typeof value === 'bigint') return String(value);
  if (Array.isArray(value)) return value.map((v) => toSnapshotValue(v) ?? null);
  if (value instanceof Set) return toSnapshotValue([...value]);
  if (value instanceof Map) return toSnapshotValue(Object.fromEntries(value));
  if (Construct.isConstruct(value)) return reference(value);
  if (isEnvVar(value as object)) return `\${${(value as EnvVar).name}}`;
  return fieldsOf(value as object, []);
}
