/**
 * The fault drill as a benchmark: builds and starts the stack (docker-compose.yml with the
 * demo fakes) under steady simulated traffic, runs every fault (or those named), and prints
 * the figures as the README's table. Needs a Docker engine with compose v2.
 *
 *   npx tsx bench/faults/run.ts [fault ...]      faults: bot-killed postgres-restarted
 *       api-cut-from-database llm-errors llm-timeouts telegram-429-storm
 *
 * The raw figures go to artifacts/fault-drill.json. The machine is shared: run it several
 * times and report ranges.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT, requireDocker } from '../../e2e/support/docker';
import { DRILL_BOT_SETTINGS, DRILL_TRAFFIC, DrillStack, FAULTS, FaultName, reportTable, runDrill } from '../../e2e/support/fault-drill';

async function main(names: string[]): Promise<void> {
  const unknown = names.filter((n) => !FAULTS.includes(n as FaultName));
  if (unknown.length > 0) throw new Error(`unknown fault(s): ${unknown.join(', ')}; known: ${FAULTS.join(', ')}`);
  const faults = names.length > 0 ? names as FaultName[] : [...FAULTS];
  requireDocker();
  const started = Date.now();
  const stack = await DrillStack.start(`dialogstack-drill-bench-${process.pid}`);
  try {
    console.log(`stack up in ${((Date.now() - started) / 1000).toFixed(0)} s; ${cpus().length} CPUs (${cpus()[0]?.model}); `
      + `traffic ${JSON.stringify(DRILL_TRAFFIC)}; bot ${JSON.stringify(DRILL_BOT_SETTINGS)}`);
    const reports = await runDrill(stack, faults, (line) => console.log(`  ${line}`));
    console.log(`\n${reportTable(reports)}`);
    const dir = join(REPO_ROOT, 'artifacts');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'fault-drill.json'), `${JSON.stringify(reports, null, 2)}\n`);
  } finally {
    await stack.stop();
  }
}

main(process.argv.slice(2)).catch((err: Error) => {
  console.error(`fault drill failed: ${err.message}`);
  process.exit(1);
});
