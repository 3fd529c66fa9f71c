/**
 * Lighthouse on the signed-in dashboard: the built standalone server in front of the real api
 * over a seeded database, audited by npm `lighthouse` in the machine's headless Chromium
 * (no network beyond 127.0.0.1). Prints every run's category scores and core metrics, then
 * min / median / max over the runs.
 *
 * The data is the demo's: the 90-day history `make demo` seeds (devtools `history`).
 *
 * Settings are Lighthouse's defaults for the form factor: mobile is a Moto G Power (412×823,
 * DPR 1.75) on "slow 4G" with simulated throttling (150 ms RTT, 1.6 Mbit/s down, 4× CPU
 * slowdown); desktop is 1350×940 with 40 ms RTT, 10 Mbit/s and no CPU slowdown. Simulated
 * throttling replays the observed trace with those costs, so a busy machine shows up in
 * the CPU-bound metrics (TBT above all): run several times and read the range.
 *
 * The 4× CPU slowdown is calibrated for a high-end desktop (benchmark index 1500–2000).
 * `--cpu-slowdown auto` follows Lighthouse's documented calibration (docs/throttling.md,
 * "Calibrating the CPU slowdown"): one unscored run measures the machine's benchmark index,
 * then the multiplier that targets a mid-tier phone is used: 4× from 1500, 2× from 800
 * (low-end desktop, high-end mobile), 1× below. Every run prints its benchmark index.
 *
 *   DATABASE_URL=postgres://postgres:postgres@127.0.0.1:5432/postgres \
 *     npx tsx bench/frontend/lighthouse.ts [--runs 5] [--period 7d] [--form-factor mobile|desktop] [--cpu-slowdown default|auto|<n>] [--no-build] [--save dir] [--against dir]
 *
 * `--save dir` keeps each run's full report (lighthouse-<n>.json, open it in the Lighthouse viewer) and the
 * trace it was computed from (lighthouse-<n>.trace.json, open it in Chromium's Performance panel).
 *
 * `--against dir` compares builds on the same machine at the same time: `dir` is a copy of another
 * build's `src/frontend/.next/standalone` (e.g. `cp -r src/frontend/.next/standalone /tmp/before`
 * before changing the code); its server runs beside this build's, on the same api and data, and the
 * runs alternate (before, this build, before, ...), since the machine's load moves the CPU-bound metrics.
 * Repeat it to compare more builds. Each build gets its own summary; `--save` names the other
 * builds' files against-<n>.* (against<k>-<n>.* with several).
 */
import { PERIODS, type Period } from '@dialogstack/contract';
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { basename, join } from 'node:path';
import { parseArgs } from 'node:util';
import { startDashboardStack } from './dashboard-stack';

const { values } = parseArgs({
  options: {
    'runs': { type: 'string', default: '5' },
    'period': { type: 'string', default: '7d' },
    'form-factor': { type: 'string', default: 'mobile' },
    'cpu-slowdown': { type: 'string', default: 'default' },
    'no-build': { type: 'boolean', default: false },
    'save': { type: 'string' },
    'against': { type: 'string', multiple: true },
  },
});

const CATEGORIES = ['performance', 'accessibility', 'best-practices'] as const;
const METRICS = [
  ['first-contentful-paint', 'FCP', 'ms'],
  ['largest-contentful-paint', 'LCP', 'ms'],
  ['total-blocking-time', 'TBT', 'ms'],
  ['cumulative-layout-shift', 'CLS', ''],
  ['speed-index', 'SI', 'ms'],
  ['interactive', 'TTI', 'ms'],
] as const;

interface Run {
  readonly scores: Record<string, number>;
  readonly metrics: Record<string, number>;
  readonly benchmarkIndex: number;
  /** Audits of the scored categories that did not pass, with their titles. */
  readonly failed: string[];
  readonly report: string;
  /** The unthrottled trace Lighthouse recorded (simulated throttling multiplies its main-thread tasks). */
  readonly trace: unknown;
  readonly threads: ThreadTimes;
  readonly cpuSlowdown: number;
}

/** Lighthouse's default network settings per form factor (core/config/constants.js), kept when the CPU multiplier changes. */
const THROTTLING = {
  mobile: { rttMs: 150, throughputKbps: 1638.4, requestLatencyMs: 562.5, downloadThroughputKbps: 1474.56, uploadThroughputKbps: 675 },
  desktop: { rttMs: 40, throughputKbps: 10_240, requestLatencyMs: 0, downloadThroughputKbps: 0, uploadThroughputKbps: 0 },
} as const;

const CHROME_FLAGS = ['--headless=new', '--no-sandbox', '--disable-background-networking', '--disable-gpu', '--no-first-run',
  '--disable-component-update', '--disable-sync', '--disable-default-apps', '--mute-audio'];

/** Lighthouse's suggested multiplier to emulate a mid-tier phone from a host's benchmark index (docs/throttling.md). */
export function calibratedSlowdown(benchmarkIndex: number): number {
  if (benchmarkIndex >= 1500) return 4;
  if (benchmarkIndex >= 800) return 2;
  return 1;
}

async function audit(url: string, cookie: string, formFactor: 'mobile' | 'desktop', cpuSlowdown: number | undefined): Promise<Run> {
  const { launch } = await import('chrome-launcher');
  const { default: lighthouse, desktopConfig, defaultConfig } = await import('lighthouse');
  const base = formFactor === 'desktop' ? desktopConfig : defaultConfig;
  const config = cpuSlowdown === undefined ? base : {
    ...base,
    settings: { ...base.settings, throttling: { ...THROTTLING[formFactor], cpuSlowdownMultiplier: cpuSlowdown } },
  };
  const chrome = await launch({ chromePath: '/usr/bin/chromium', chromeFlags: CHROME_FLAGS, logLevel: 'silent' });
  try {
    const result = await lighthouse(url, {
      port: chrome.port,
      output: 'json',
      logLevel: 'error',
      onlyCategories: [...CATEGORIES],
      extraHeaders: { Cookie: cookie },
    }, config);
    if (!result) throw new Error('lighthouse returned no result');
    const { lhr } = result;
    if (lhr.runtimeError) throw new Error(`lighthouse: ${lhr.runtimeError.code} ${lhr.runtimeError.message}`);
    const scores = Object.fromEntries(CATEGORIES.map((c) => [c, Math.round((lhr.categories[c]?.score ?? 0) * 100)]));
    const metrics = Object.fromEntries(METRICS.map(([id]) => [id, lhr.audits[id]?.numericValue ?? NaN]));
    const failed = CATEGORIES.flatMap((c) => (lhr.categories[c]?.auditRefs ?? [])
      .filter((ref) => ref.weight > 0 && (lhr.audits[ref.id]?.score ?? 1) < 0.9)
      .map((ref) => `${c}: ${ref.id} (${lhr.audits[ref.id]?.displayValue ?? lhr.audits[ref.id]?.score})`));
    return {
      scores,
      metrics,
      benchmarkIndex: lhr.environment.benchmarkIndex,
      failed,
      report: JSON.stringify(lhr),
      trace: result.artifacts.Trace,
      threads: threadTimes(result.artifacts.Trace.traceEvents),
      cpuSlowdown: lhr.configSettings.throttling.cpuSlowdownMultiplier ?? NaN,
    };
  } finally {
    chrome.kill();
  }
}

interface ThreadTimes {
  /** The page's main thread: its tasks' wall time and CPU time (ms). Wall well above CPU: the machine was busy. */
  readonly mainWall: number;
  readonly mainCpu: number;
  /** CPU the page's renderer spent compiling scripts off the main thread (script streaming, ms). */
  readonly backgroundCompileCpu: number;
}

interface TraceEvent { name: string; ph: string; pid: number; tid: number; dur?: number; tdur?: number; args?: { name?: string } }

/**
 * Simulated throttling scales the observed main-thread tasks, so their wall time is what
 * the CPU-bound metrics see; the CPU time beside it tells the page's work from the machine's load.
 */
function threadTimes(events: readonly TraceEvent[]): ThreadTimes {
  const mains = new Set(events.filter((e) => e.ph === 'M' && e.name === 'thread_name' && e.args?.name === 'CrRendererMain').map((e) => `${e.pid}:${e.tid}`));
  const tasks = new Map<string, number>();
  for (const e of events) if (e.name === 'RunTask' && mains.has(`${e.pid}:${e.tid}`)) tasks.set(`${e.pid}:${e.tid}`, (tasks.get(`${e.pid}:${e.tid}`) ?? 0) + 1);
  // The page's renderer: the main thread that ran the most tasks.
  const page = [...tasks.entries()].sort((a, b) => b[1] - a[1])[0]?.[0];
  let mainWall = 0; let mainCpu = 0; let backgroundCompileCpu = 0;
  for (const e of events) {
    if (e.ph !== 'X' || page === undefined || String(e.pid) !== page.split(':')[0]) continue;
    if (`${e.pid}:${e.tid}` === page && e.name === 'RunTask') {
      mainWall += (e.dur ?? 0) / 1000;
      mainCpu += (e.tdur ?? 0) / 1000;
    } else if (`${e.pid}:${e.tid}` !== page && e.name === 'v8.parseOnBackground') {
      backgroundCompileCpu += (e.tdur ?? 0) / 1000;
    }
  }
  return { mainWall, mainCpu, backgroundCompileCpu };
}

/**
 * Lighthouse sometimes loses the trace on a loaded machine (NO_NAVSTART, NO_FCP): such a run
 * measured nothing, so it is repeated (twice at most) instead of ending the benchmark.
 */
async function auditWithRetry(...args: Parameters<typeof audit>): Promise<Run> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await audit(...args);
    } catch (err) {
      if (attempt >= 3 || !/^lighthouse: NO_/.test((err as Error).message)) throw err;
      console.log(`       ${(err as Error).message.split(' ').slice(0, 2).join(' ')}: repeating the run`);
    }
  }
}

const fmt = (value: number, unit: string) => (unit === 'ms' ? `${Math.round(value)} ms` : value.toFixed(3));
function spread(samples: number[], unit: string): string {
  const sorted = [...samples].sort((a, b) => a - b);
  const median = sorted[Math.floor((sorted.length - 1) / 2)];
  return `${fmt(sorted[0], unit)} / ${fmt(median, unit)} / ${fmt(sorted[sorted.length - 1], unit)}`;
}

async function main() {
  const runs = Number(values.runs);
  const period = values.period as Period;
  if (!PERIODS.includes(period)) throw new Error(`--period must be one of ${PERIODS.join(', ')}`);
  const formFactor = values['form-factor'];
  if (formFactor !== 'mobile' && formFactor !== 'desktop') throw new Error('--form-factor must be mobile or desktop');

  const against = values.against ?? [];
  const stack = await startDashboardStack({ history: { days: 90, users: 40 } }, { build: !values['no-build'], against });
  // With --against, runs alternate between the other builds and this one, so all see the same machine.
  const builds = [
    ...stack.againstUrls.map((base, i) => ({ name: basename(against[i]), prefix: `against${against.length > 1 ? i + 1 : ''}`, base, results: [] as Run[] })),
    { name: against.length > 0 ? 'this build' : '', prefix: 'lighthouse', base: stack.frontendUrl, results: [] as Run[] },
  ];
  try {
    const path = `/?period=${period}`;
    // undefined: Lighthouse's default for the form factor (4× mobile, 1× desktop).
    let cpuSlowdown: number | undefined;
    const option = values['cpu-slowdown'];
    if (option === 'auto' && formFactor === 'mobile') {
      const calibration = await auditWithRetry(stack.frontendUrl + path, stack.sessionCookie, formFactor, undefined);
      cpuSlowdown = calibratedSlowdown(calibration.benchmarkIndex);
      console.log(`calibration run: benchmarkIndex ${Math.round(calibration.benchmarkIndex)} → CPU slowdown ${cpuSlowdown}×`);
    } else if (option !== 'default' && option !== 'auto') {
      cpuSlowdown = Number(option);
      if (!(cpuSlowdown >= 1)) throw new Error('--cpu-slowdown must be default, auto or a number from 1');
    }
    const slowdownText = cpuSlowdown === undefined ? 'Lighthouse\'s default CPU slowdown' : `${cpuSlowdown}× CPU slowdown`;
    console.log(`lighthouse ${formFactor}, simulated throttling, ${slowdownText}, ${runs} runs of ${path}${against.length > 0 ? `, alternating with the build${against.length > 1 ? 's' : ''} in ${against.join(', ')}` : ''}\n`);
    for (let i = 1; i <= runs; i++) {
      for (const build of builds) {
        const run = await auditWithRetry(build.base + path, stack.sessionCookie, formFactor, cpuSlowdown);
        build.results.push(run);
        if (values.save) {
          mkdirSync(values.save, { recursive: true });
          writeFileSync(join(values.save, `${build.prefix}-${i}.json`), run.report);
          writeFileSync(join(values.save, `${build.prefix}-${i}.trace.json`), JSON.stringify(run.trace));
        }
        console.log(`run ${i}${build.name ? ` (${build.name})` : ''}: ${CATEGORIES.map((c) => `${c} ${run.scores[c]}`).join(', ')} | `
          + `${METRICS.map(([id, label, unit]) => `${label} ${fmt(run.metrics[id], unit)}`).join(', ')} | benchmarkIndex ${Math.round(run.benchmarkIndex)}, CPU ${run.cpuSlowdown}×, load ${loadavg()[0].toFixed(1)} | `
          + `main thread ${Math.round(run.threads.mainWall)} ms (CPU ${Math.round(run.threads.mainCpu)} ms), background compile CPU ${Math.round(run.threads.backgroundCompileCpu)} ms`);
        for (const line of run.failed) console.log(`       below 90: ${line}`);
      }
    }
  } finally {
    await stack.close();
  }
  for (const { name, results } of builds) {
    console.log(`\nmin / median / max${name ? ` (${name})` : ''}`);
    for (const c of CATEGORIES) console.log(`  ${c.padEnd(24)} ${spread(results.map((r) => r.scores[c]), 'score').replace(/\.000/g, '')}`);
    for (const [id, label, unit] of METRICS) console.log(`  ${label.padEnd(24)} ${spread(results.map((r) => r.metrics[id]), unit)}`);
    console.log(`  ${'benchmarkIndex'.padEnd(24)} ${spread(results.map((r) => r.benchmarkIndex), 'ms').replace(/ ms/g, '')}`);
    console.log(`  ${'main thread wall'.padEnd(24)} ${spread(results.map((r) => r.threads.mainWall), 'ms')}`);
    console.log(`  ${'main thread CPU'.padEnd(24)} ${spread(results.map((r) => r.threads.mainCpu), 'ms')}`);
    console.log(`  ${'background compile CPU'.padEnd(24)} ${spread(results.map((r) => r.threads.backgroundCompileCpu), 'ms')}`);
    console.log(`  performance ≥ 90 in ${results.filter((r) => r.scores.performance >= 90).length} of ${results.length} runs`);
  }
}

main().catch((err) => { console.error(err); process.exit(1); });
