/**
 * `npx projen` wall time of this repository next to a stock projen TypeScript project
 * (created with `projen new typescript`, ts-node runner) measured in the same run.
 *
 *   npx tsx bench/synth/synth-time.ts [--runs 5]
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const ROOT = join(__dirname, '..', '..');
const { values } = parseArgs({ options: { runs: { type: 'string', default: '5' } } });
const runs = Number(values.runs);

function time(cwd: string): number {
  const started = process.hrtime.bigint();
  const r = spawnSync('npx', ['projen'], { cwd, encoding: 'utf8', env: { ...process.env, CI: '' } });
  if (r.status !== 0) throw new Error(`npx projen failed in ${cwd}: ${r.stderr}`);
  return Number(process.hrtime.bigint() - started) / 1e6;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function measure(label: string, cwd: string): number {
  time(cwd); // warm the file cache
  const samples = Array.from({ length: runs }, () => time(cwd));
  const m = median(samples);
  console.log(`${label.padEnd(34)} median ${m.toFixed(0)} ms  (runs: ${samples.map((s) => s.toFixed(0)).join(', ')})`);
  return m;
}

const stock = mkdtempSync(join(tmpdir(), 'stock-projen-'));
const projenVersion = JSON.parse(execFileSync('npm', ['ls', 'projen', '--json', '--depth=0'], { cwd: ROOT, encoding: 'utf8' }))
  .dependencies.projen.version as string;
console.log(`creating a stock projen ${projenVersion} TypeScript project in ${stock} ...`);
execFileSync('npx', ['--yes', `projen@${projenVersion}`, 'new', 'typescript', '--no-git', '--projenrc-ts'], { cwd: stock, stdio: 'ignore' });
if (!existsSync(join(stock, 'node_modules', 'ts-node'))) throw new Error('stock project has no ts-node');

const ours = measure('dialogstack (swc hook)', ROOT);
const theirs = measure('stock TypeScript project (ts-node)', stock);
console.log(`ratio: ${(100 * ours / theirs).toFixed(0)}% of stock (target: at most 40%)`);
