import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Testing } from 'projen';
import { dialogstack } from '../../.projenrc';

let cached: Record<string, string> | undefined;

/** Every file `npx projen` writes, synthesized into a temp dir (memoised: synth takes ~1 s). */
export function synthesizedFiles(): Record<string, string> {
  if (!cached) {
    const project = dialogstack({ outdir: mkdtempSync(join(tmpdir(), 'dialogstack-synth-')) });
    const snapshot = Testing.synth(project, { parseJson: false });
    cached = Object.fromEntries(Object.entries(snapshot).map(([k, v]) => [k, String(v)]));
  }
  return cached;
}

export const REPO_ROOT = join(__dirname, '..', '..');
