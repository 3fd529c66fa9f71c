/**
 * A good deploy, measured: how long a tag change takes with the images already built and
 * pushed, and how many requests to the api and the dashboard fail while it runs (a load
 * loop hits both every 50 ms). The failures are the baseline for zero-downtime work.
 *
 *   npx tsx bench/deploy/deploy-time.ts [--runs 4]
 *
 * Same setup as e2e/deploy.e2e.test.ts: a real sshd on loopback, the local Docker engine,
 * a registry at E2E_REGISTRY (default 127.0.0.1:5000). Deploys alternate between two
 * releases (same content, different image ids) after one unmeasured first deploy.
 */
import { API_ROUTES } from '@dialogstack/contract';
import { execFileSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { DeployTarget, REGISTRY, deriveRelease, forgetLocally, requireRegistry } from '../../e2e/support/deploy-target';
import { requireDocker } from '../../e2e/support/docker';
import { loadLoop } from '../../e2e/support/load';
import { publishImages } from '../../scripts/publish-images';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '4' } } });
const INTERVAL_MS = 50;

/** `<step> done in 1.2 s` lines of deploy.sh's log. */
function stepSeconds(log: string): Record<string, number> {
  return Object.fromEntries([...log.matchAll(/^\S+Z (\w+) +done in ([\d.]+) s$/gm)].map((m) => [m[1], Number(m[2])]));
}

async function main(): Promise<void> {
  requireDocker();
  await requireRegistry();
  const id = `bench-${process.pid}`;
  const sha = execFileSync('git', ['rev-parse', 'HEAD'], { encoding: 'utf8' }).trim();
  publishImages({ registry: REGISTRY, ref: `refs/heads/bench/deploy-${process.pid}`, sha, defaultBranch: 'main', log: () => {} });
  const releases = [`branch-bench-deploy-${process.pid}`, `${id}-b`];
  await deriveRelease(releases[0], releases[1]);
  await forgetLocally(releases);

  const target = await DeployTarget.create(`dialogstack-bench-deploy-${process.pid}`);
  try {
    const first = await target.remoteDeploy('deploy', { IMAGE_TAG: releases[0] });
    if (first.code !== 0) throw new Error(`first deploy failed (exit ${first.code}):\n${first.output.slice(-4000)}`);

    const rows: string[] = [];
    for (let run = 1; run <= Number(values.runs); run++) {
      const tag = releases[run % 2];
      const edge = target.edge;
      const api = loadLoop(edge, edge.apiHost, API_ROUTES.stats, { intervalMs: INTERVAL_MS, headers: { authorization: `Bearer ${target.env.API_TOKEN}` } });
      const dashboard = loadLoop(edge, edge.dashboardHost, '/', { intervalMs: INTERVAL_MS });
      const settle = () => new Promise((resolve) => setTimeout(resolve, 1000));
      await settle();
      const r = await target.remoteDeploy('deploy', { IMAGE_TAG: tag });
      await settle();
      const [a, d] = await Promise.all([api.stop(), dashboard.stop()]);
      if (r.code !== 0) throw new Error(`deploy ${run} failed (exit ${r.code}):\n${r.output.slice(-4000)}`);
      const s = stepSeconds(r.output);
      const server = Number(r.output.match(/ live +.* took ([\d.]+) s$/m)?.[1]);
      rows.push(`| ${run} | ${r.seconds.toFixed(1)} s | ${server.toFixed(1)} s | ${['pull', 'backup', 'migrate', 'switch', 'check'].map((k) => (s[k] ?? 0).toFixed(1)).join(' / ')} `
        + `| ${a.failed} of ${a.requests} (${(a.longestOutageMs / 1000).toFixed(1)} s) | ${d.failed} of ${d.requests} (${(d.longestOutageMs / 1000).toFixed(1)} s) |`);
      console.error(`run ${run}: ${rows[rows.length - 1]}`);
    }
    console.log('| run | deploy (remote-deploy.sh) | on the server | pull / backup / migrate / switch / check (s) | api stats failed (longest outage) | dashboard failed (longest outage) |');
    console.log('|---|---|---|---|---|---|');
    for (const row of rows) console.log(row);
  } finally {
    await target.destroy();
  }
}

main().catch((err) => { console.error(err); process.exit(1); });
