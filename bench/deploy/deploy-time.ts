/**
 * Deploys under load, through the edge proxy: requests to the api (stats, with the token) and
 * to the dashboard every 50 ms over HTTPS while (a) good deploys alternate between two
 * releases, (b) a release whose api never gets healthy is deployed and rolled back by itself,
 * (c) `deploy.sh --rollback` returns to the previous release. Per run: the deploy's duration,
 * failed requests (an error, a timeout or a non-2xx answer) and the p95 latency during the
 * deploy next to the p95 of the 10 s before it (idle).
 *
 *   npx tsx bench/deploy/deploy-time.ts [--runs 3] [--save dir]
 *
 * `--save dir` keeps each deploy's whole log (deploy.sh's output, commands included) as <run>.log.
 *
 * Same setup as e2e/deploy.e2e.test.ts: a real sshd on loopback, the local Docker engine,
 * a registry at E2E_REGISTRY (default 127.0.0.1:5000), images built and pushed first (the
 * deploys pull them: layers are cached, as on a server that deployed before).
 */
import { API_ROUTES } from '@dialogstack/contract';
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DeployTarget, REGISTRY, deriveRelease, forgetLocally, requireRegistry } from '../../e2e/support/deploy-target';
import { requireDocker } from '../../e2e/support/docker';
import { LoadResult, loadLoop, percentile } from '../../e2e/support/load';
import { publishImages } from '../../scripts/publish-images';
import { useStandInBaseImages } from '../../test/support/stand-in-base-images';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '3' }, save: { type: 'string' } } });
const INTERVAL_MS = 50;
const IDLE_MS = 10_000;

/** `<step> done in 1.2 s` lines of deploy.sh's log. */
function stepSeconds(log: string): Record<string, number> {
  return Object.fromEntries([...log.matchAll(/^\S+Z (\w+) +done in ([\d.]+) s$/gm)].map((m) => [m[1], Number(m[2])]));
}

const ms = (n: number) => `${Math.round(n)} ms`;
function latency(r: LoadResult, deployStartMs: number): { idle: number; during: number } {
  const idle = r.samples.filter((s) => s.atMs < deployStartMs).map((s) => s.ms);
  const during = r.samples.filter((s) => s.atMs >= deployStartMs).map((s) => s.ms);
  return { idle: percentile(idle, 95), during: percentile(during, 95) };
}

async function main(): Promise<void> {
  requireDocker();
  await requireRegistry();
  useStandInBaseImages(); // an engine with local stand-ins builds against them, as the tests do
  const id = `bench-${process.pid}`;
  const sha = execFileSync('git', ['rev-parse', 'HEAD'], { encoding: 'utf8' }).trim();
  publishImages({ registry: REGISTRY, ref: `refs/heads/bench/deploy-${process.pid}`, sha, defaultBranch: 'main', log: () => {} });
  const releases = [`branch-bench-deploy-${process.pid}`, `${id}-b`];
  const broken = `${id}-broken`;
  await deriveRelease(releases[0], releases[1]);
  await deriveRelease(releases[1], broken, { api: ['CMD ["sh", "-c", "PORT=4999 exec node src/api/dist/main.js"]'] });
  await forgetLocally([...releases, broken]);

  // One client at 20 requests a second is over the api's per-client limit: this measures availability.
  const target = await DeployTarget.create(`dialogstack-bench-deploy-${process.pid}`, { API_RATE_LIMIT_PER_MINUTE: '0' });
  const rows: string[] = [];
  async function measured(label: string, expected: number, run: () => Promise<{ code: number; output: string }>): Promise<void> {
    const edge = target.edge;
    const api = loadLoop(edge, edge.apiHost, API_ROUTES.stats, { intervalMs: INTERVAL_MS, headers: { authorization: `Bearer ${target.env.API_TOKEN}` } });
    const dashboard = loadLoop(edge, edge.dashboardHost, '/api/health', { intervalMs: INTERVAL_MS });
    const t0 = Date.now();
    await new Promise((resolve) => setTimeout(resolve, IDLE_MS));
    const started = Date.now();
    const r = await run();
    const seconds = (Date.now() - started) / 1000;
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const [a, d] = await Promise.all([api.stop(), dashboard.stop()]);
    if (r.code !== expected) throw new Error(`${label}: exit ${r.code}, expected ${expected}:\n${r.output.slice(-4000)}`);
    if (values.save) {
      mkdirSync(values.save, { recursive: true });
      writeFileSync(join(values.save, `${label.replace(/[^a-z0-9]+/gi, '-').replace(/^-|-$/g, '')}.log`), r.output);
    }
    const s = stepSeconds(r.output);
    const la = latency(a, started - t0);
    const ld = latency(d, started - t0);
    rows.push(`| ${label} | ${seconds.toFixed(1)} s | ${['pull', 'migrate', 'switch', 'check'].map((k) => (s[k] ?? 0).toFixed(1)).join(' / ')} `
      + `| ${a.failed} of ${a.requests} | ${d.failed} of ${d.requests} | ${ms(la.idle)} → ${ms(la.during)} | ${ms(ld.idle)} → ${ms(ld.during)} |`);
    console.error(rows[rows.length - 1]);
    // Where the time went: every step's duration and each service's switch, from deploy.sh's log.
    for (const line of r.output.split('\n').filter((l) => / done in | started in | healthy after | stopped in | took /.test(l))) console.error(`  ${line.trim()}`);
    for (const f of [...a.failures, ...d.failures].slice(0, 5)) console.error(`  failure at ${f.atMs} ms: ${f.why}`);
  }

  try {
    const first = await target.remoteDeploy('deploy', { IMAGE_TAG: releases[0] });
    if (first.code !== 0) throw new Error(`first deploy failed (exit ${first.code}):\n${first.output.slice(-4000)}`);
    for (let run = 1; run <= Number(values.runs); run++) {
      await measured(`(a) good deploy ${run}`, 0, () => target.remoteDeploy('deploy', { IMAGE_TAG: releases[run % 2] }));
    }
    await measured('(b) broken tag, automatic rollback', 6, () => target.remoteDeploy('deploy', { IMAGE_TAG: broken, DEPLOY_WAIT_TIMEOUT: '30' }));
    await measured('(c) deploy.sh --rollback', 0, () => target.serverScript('deploy.sh', [...target.serverFileArgs, '--rollback']));
    console.log('| run | duration (remote-deploy.sh) | pull / migrate / switch / check (s) | api failed | dashboard failed | api p95 idle → during | dashboard p95 idle → during |');
    console.log('|---|---|---|---|---|---|---|');
    for (const row of rows) console.log(row);
  } finally {
    await target.destroy();
  }
}

main().catch((err) => { console.error(err); process.exit(1); });
