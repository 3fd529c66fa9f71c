import { randomBytes } from 'node:crypto';
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Report, renderJson, renderMarkdown, reportStatus } from './diff-report';
import {
  UnknownRefError, defaultBase, fileAt, isGitRepository, resolveCommit, runTask, synthesizeAt, synthesizedFileStat,
} from './git-snapshots';
import { diffSnapshots } from './pipeline-diff';
import { PipelineSnapshot, SNAPSHOT_PATH, parseSnapshot } from './snapshot';

const USAGE = `Usage: npx projen pipeline-diff [--base <git ref>] [--format markdown|json] [--strict]
         [--base-label <name>] [--head-label <name>] [--no-synth]

Explains what a change of .projenrc.ts means for the pipeline: services, variables (with
the operator action each needs), images, workflows, deploy checks; each change rated
🔴 security-relevant, 🟠 operator action or restart, 🟢 safe.

  --base <ref>         compare with this commit (default: the merge base of HEAD and main)
  --base-label <name>  name the base in the report (default: the ref)
  --head-label <name>  name the working tree in the report (default: working tree)
  --format <f>         markdown (default) or json
  --strict             exit 1 when the base's model cannot be read (the report then
                       falls back to the file-level diff of the synthesized files)
  --no-synth           use the working tree's ${SNAPSHOT_PATH} as it is (no synth first)

The base's model is its committed ${SNAPSHOT_PATH}, else what its .projenrc.ts
synthesizes in a temporary git worktree.
In GitHub Actions it also appends the report to the job summary and sets the step
outputs \`status\` (changed, unchanged or fallback) and \`comment\` (the Markdown report).

Exit codes: 0 report printed; 1 no semantic diff and --strict; 2 wrong usage, unknown ref,
or the working tree does not synthesize (through \`npx projen\`, every failure exits 1).`;

/** Branches a pull request usually targets, for the default base. */
const DEFAULT_BASES = ['main', 'origin/main', 'master', 'origin/master'];
/** A PR comment holds at most 65 536 characters; the rest of the report stays in the job summary. */
const COMMENT_LIMIT = 60_000;

export interface CliIo {
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
}

class UsageError extends Error {}

/** Runs the command; returns its exit code. */
export function pipelineDiffCli(argv: readonly string[], io: CliIo): number {
  try {
    return run(argv, io);
  } catch (err) {
    if (err instanceof UsageError || err instanceof UnknownRefError) {
      io.err(`pipeline-diff: ${err.message}\n`);
      if (err instanceof UsageError) io.err(`${USAGE}\n`);
      return 2;
    }
    throw err;
  }
}

function run(argv: readonly string[], io: CliIo): number {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        'base': { type: 'string' },
        'base-label': { type: 'string' },
        'head-label': { type: 'string' },
        'format': { type: 'string', default: 'markdown' },
        'strict': { type: 'boolean', default: false },
        'no-synth': { type: 'boolean', default: false },
        'help': { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  if (values.help) {
    io.out(`${USAGE}\n`);
    return 0;
  }
  const format = String(values.format);
  if (!['markdown', 'json'].includes(format)) throw new UsageError(`unknown --format '${format}' (markdown or json)`);
  if (!isGitRepository(io.cwd)) throw new UsageError(`${io.cwd} is not in a git repository`);

  const base = baseOf(io.cwd, values.base as string | undefined);
  const label = (values['base-label'] as string | undefined) || base.ref;
  const headLabel = (values['head-label'] as string | undefined) || 'working tree';

  if (!values['no-synth']) {
    const failed = runTask(io.cwd, 'default');
    if (failed) {
      const report: Report = { base: { ref: label, commit: base.commit }, head: { ref: headLabel }, fallback: `the working tree's .projenrc.ts does not synthesize: ${failed}` };
      publish(report, format, io);
      io.err(`pipeline-diff: the working tree does not synthesize:\n${failed}\n`);
      return 2;
    }
  }
  const headText = existsSync(join(io.cwd, SNAPSHOT_PATH)) ? readFileSync(join(io.cwd, SNAPSHOT_PATH), 'utf8') : undefined;
  const head = headText === undefined ? undefined : parseSnapshot(headText);
  if (!head) {
    io.err(`pipeline-diff: the working tree has no readable ${SNAPSHOT_PATH}: declare \`new StackSnapshot(stack)\` in .projenrc.ts and run npx projen\n`);
    return 2;
  }

  const { snapshot, source, problem } = baseSnapshot(io.cwd, base.commit);
  const files = synthesizedFileStat(io.cwd, base.commit);
  const report: Report = {
    base: { ref: label, commit: base.commit, ...(source ? { snapshot: source } : {}) },
    head: { ref: headLabel },
    ...(snapshot ? { diff: diffSnapshots(snapshot, head) } : { fallback: `the model at ${label} cannot be read: ${problem}` }),
    files,
  };
  publish(report, format, io);
  if (!snapshot) {
    io.err(`pipeline-diff: no semantic diff: ${report.fallback}\n`);
    return values.strict ? 1 : 0;
  }
  return 0;
}

function baseOf(cwd: string, ref: string | undefined): { ref: string; commit: string } {
  if (ref !== undefined) {
    if (!ref.trim()) throw new UsageError('--base needs a git ref');
    return { ref, commit: resolveCommit(cwd, ref) };
  }
  const found = defaultBase(cwd, DEFAULT_BASES);
  if (!found) throw new UsageError(`no --base given and no ${DEFAULT_BASES.join(' / ')} to start from`);
  return found;
}

/** The base's committed snapshot, else the one its .projenrc.ts synthesizes, else why neither works. */
function baseSnapshot(cwd: string, commit: string): { snapshot?: PipelineSnapshot; source?: 'committed' | 'synthesized'; problem?: string } {
  const committed = fileAt(cwd, commit, SNAPSHOT_PATH);
  const parsed = committed === undefined ? undefined : parseSnapshot(committed);
  if (parsed) return { snapshot: parsed, source: 'committed' };
  const synthesized = synthesizeAt(cwd, commit);
  if ('problem' in synthesized) return { problem: synthesized.problem };
  const snapshot = parseSnapshot(synthesized.snapshot);
  return snapshot ? { snapshot, source: 'synthesized' } : { problem: `its ${SNAPSHOT_PATH} is not a snapshot this version understands` };
}

/** Prints the report; in GitHub Actions also the job summary and the step outputs. */
function publish(report: Report, format: string, io: CliIo): void {
  const markdown = renderMarkdown(report);
  io.out(format === 'json' ? renderJson(report) : markdown);
  if (io.env.GITHUB_STEP_SUMMARY) appendFileSync(io.env.GITHUB_STEP_SUMMARY, `${markdown}\n`);
  if (io.env.GITHUB_OUTPUT) {
    const comment = markdown.length > COMMENT_LIMIT
      ? `${markdown.slice(0, COMMENT_LIMIT)}\n\n… (truncated: the whole report is in the job summary)\n`
      : markdown;
    const delimiter = `EOF_${randomBytes(12).toString('hex')}`;
    appendFileSync(io.env.GITHUB_OUTPUT, `status=${reportStatus(report)}\ncomment<<${delimiter}\n${comment}\n${delimiter}\n`);
  }
}

if (require.main === module) {
  process.exitCode = pipelineDiffCli(process.argv.slice(2), {
    cwd: process.cwd(),
    env: process.env,
    out: (t) => process.stdout.write(t),
    err: (t) => process.stderr.write(t),
  });
}
