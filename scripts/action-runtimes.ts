/**
 * Checks, or rewrites, the runtime recorded with each action pin in
 * projenrc/github/actions.ts against `runs.using` of the action's action.yml at the pinned
 * commit. The update bot runs `--write` after it moves a pin (a new major may change the
 * runtime); CI runs `--check`, so the record the pipeline tests rely on cannot go stale.
 *
 *   npx tsx scripts/action-runtimes.ts --check | --write [--file projenrc/github/actions.ts]
 *
 * ACTION_SOURCE_URL (default https://raw.githubusercontent.com) serves <owner>/<repo>/<sha>/[<path>/]action.yml.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { parse } from 'yaml';
import { ACTION_PIN_PATTERN } from '../projenrc/github/actions';

export interface RecordedPin {
  readonly repository: string;
  readonly version: string;
  readonly sha: string;
  readonly runtime: string;
  /** The whole `action(...)` call as written. */
  readonly text: string;
}

export interface RuntimeFinding extends RecordedPin {
  readonly actual: string;
}

/** The pins of a source file, read with the very pattern Renovate's custom manager uses. */
export function recordedPins(source: string): RecordedPin[] {
  return [...source.matchAll(new RegExp(ACTION_PIN_PATTERN, 'g'))].map((m) => ({
    repository: m.groups!.depName,
    version: m.groups!.currentValue,
    sha: m.groups!.currentDigest,
    runtime: m[0].match(/'([a-z0-9]+)'\)$/)![1],
    text: m[0],
  }));
}

/** `runs.using` of the action at the pinned commit (action.yml, else action.yaml). */
export async function actualRuntime(pin: Pick<RecordedPin, 'repository' | 'sha'>, baseUrl: string): Promise<string> {
  const [owner, repo, ...path] = pin.repository.split('/');
  for (const name of ['action.yml', 'action.yaml']) {
    const url = `${baseUrl.replace(/\/$/, '')}/${owner}/${repo}/${pin.sha}/${[...path, name].join('/')}`;
    const res = await fetch(url, { signal: AbortSignal.timeout(20_000) });
    if (res.status === 404) continue;
    if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
    const using = (parse(await res.text()) as { runs?: { using?: unknown } } | null)?.runs?.using;
    if (typeof using !== 'string') throw new Error(`${url}: no runs.using`);
    return using.toLowerCase();
  }
  throw new Error(`${pin.repository}@${pin.sha}: no action.yml or action.yaml`);
}

/** Every pin whose recorded runtime differs from its action.yml. */
export async function staleRuntimes(source: string, baseUrl: string): Promise<RuntimeFinding[]> {
  const pins = recordedPins(source);
  const actual = await Promise.all(pins.map((p) => actualRuntime(p, baseUrl)));
  return pins.map((p, i) => ({ ...p, actual: actual[i] })).filter((p) => p.actual !== p.runtime);
}

/** The source with each finding's runtime replaced by the actual one. */
export function withRuntimes(source: string, findings: readonly RuntimeFinding[]): string {
  return findings.reduce((text, f) => text.replace(f.text, f.text.replace(/'[a-z0-9]+'\)$/, `'${f.actual}')`)), source);
}

if (require.main === module) {
  const { values } = parseArgs({
    options: {
      check: { type: 'boolean', default: false },
      write: { type: 'boolean', default: false },
      file: { type: 'string', default: join(__dirname, '..', 'projenrc', 'github', 'actions.ts') },
    },
  });
  if (values.check === values.write) {
    console.error('usage: action-runtimes.ts --check | --write [--file projenrc/github/actions.ts]');
    process.exit(2);
  }
  const file = values.file!;
  const source = readFileSync(file, 'utf8');
  const baseUrl = process.env.ACTION_SOURCE_URL ?? 'https://raw.githubusercontent.com';
  staleRuntimes(source, baseUrl).then((findings) => {
    const pins = recordedPins(source).length;
    if (!findings.length) {
      console.log(`${pins} action pins: every recorded runtime matches its action.yml`);
      return;
    }
    for (const f of findings) console.log(`${f.repository} ${f.version}: recorded ${f.runtime}, action.yml says ${f.actual}`);
    if (values.write) {
      writeFileSync(file, withRuntimes(source, findings));
      console.log(`updated ${findings.length} runtime(s) in ${file}`);
    } else {
      process.exitCode = 1;
    }
  }).catch((err: Error) => {
    console.error(err.message);
    process.exitCode = 3;
  });
}
