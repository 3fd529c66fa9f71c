import { Period } from '@dialogstack/contract';
import { execFileSync } from 'node:child_process';
import { statsStatement } from '../../src/api/dist/stats/queries';
import { statsWindow } from '../../src/api/dist/stats/stats-window';

/**
 * The statement the api runs for `period`, timed by PostgreSQL itself through psql:
 * EXPLAIN (ANALYZE, TIMING OFF) of the prepared statement, after warm-up runs, as the
 * api's session runs it (jit off, generic plans: planned once per connection). Returns the
 * median "Execution Time" and "Planning Time" in milliseconds, separately; for a generic plan
 * the planning time is the cached plan's lookup. `planCacheMode: 'force_custom_plan'` measures
 * what planning every execution costs (the api before it prepared its statements).
 */
export function explainMs(
  databaseUrl: string, period: Period, limit = 10, runs = 7,
  planCacheMode: 'force_generic_plan' | 'force_custom_plan' = 'force_generic_plan',
): { medianMs: number; planningMs: number } {
  const statement = statsStatement(statsWindow(period, new Date()), limit);
  // Dates are timestamptz, day strings ('2026-03-10') date, numbers int.
  const types = statement.params.map((p) => (p instanceof Date ? 'timestamptz' : typeof p === 'string' ? 'date' : 'int'));
  const args = statement.params.map((p) => (p instanceof Date ? `'${p.toISOString()}'` : typeof p === 'string' ? `'${p}'` : String(p))).join(', ');
  const script = [
    'SET jit = off;',
    // As the api's sessions (src/api/src/database/database.ts).
    `SET plan_cache_mode = ${planCacheMode};`,
    `PREPARE stats(${types.join(', ')}) AS ${statement.sql};`,
    ...Array.from({ length: 3 }, () => `EXECUTE stats(${args}) \\g /dev/null`),
    ...Array.from({ length: runs }, () => `EXPLAIN (ANALYZE, TIMING OFF, SUMMARY ON) EXECUTE stats(${args});`),
  ].join('\n');
  const out = execFileSync('psql', [databaseUrl, '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-f', '-'], { input: script, encoding: 'utf8' });
  const times = [...out.matchAll(/Execution Time: ([\d.]+) ms/g)].map((m) => Number(m[1])).sort((a, b) => a - b);
  const planning = [...out.matchAll(/Planning Time: ([\d.]+) ms/g)].map((m) => Number(m[1])).sort((a, b) => a - b);
  return { medianMs: times[Math.floor(times.length / 2)], planningMs: planning[Math.floor(planning.length / 2)] };
}
