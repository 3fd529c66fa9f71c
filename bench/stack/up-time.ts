/**
 * Time from `docker compose up --wait` to every service healthy, with images already built
 * (demo profile, fresh volume each run), and how long `down` takes. For the last run it also
 * prints each service's timeline (started, first healthy check, exit) from Docker's events, to show which
 * link of the dependency chain the time goes to.
 *
 *   npx tsx bench/stack/up-time.ts [--runs 3]
 */
import { spawn } from 'node:child_process';
import { parseArgs } from 'node:util';
import { ComposeProject, freePort } from '../../e2e/support/docker';
import { DEMO_ENV_FILE } from '../../e2e/support/fakes';
import { testStackEnv } from '../../e2e/support/stack-env';
import { useStandInBaseImages } from '../../test/support/stand-in-base-images';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '3' } } });

async function main() {
  useStandInBaseImages(); // an engine with local stand-ins builds against them, as the tests do
  const ports = { api: await freePort(), frontend: await freePort(), postgres: await freePort() };
  const stack = new ComposeProject('dialogstack-bench-up', ['docker-compose.yml'], testStackEnv(ports),
    { profiles: ['demo'], envFiles: [DEMO_ENV_FILE] });
  await stack.compose(['build']);
  const ups: number[] = [];
  const downs: number[] = [];
  const seeds: (number | undefined)[] = [];
  let timeline: string[] = [];
  for (let i = 0; i < Number(values.runs); i++) {
    const events = watchEvents(stack.name);
    let t = Date.now();
    await stack.compose(['up', '--detach', '--wait', '--wait-timeout', '300']);
    ups.push((Date.now() - t) / 1000);
    timeline = events.stop(t);
    seeds.push(await seedMs(stack));
    t = Date.now();
    await stack.down();
    downs.push((Date.now() - t) / 1000);
  }
  const fmt = (xs: number[]) => xs.map((x) => `${x.toFixed(1)} s`).join(', ');
  console.log(`up --wait to all healthy (images built, fresh volume): ${fmt(ups)}`);
  console.log(`down (stop + remove, volume included): ${fmt(downs)}`);
  console.log(`the history seed's own transaction (its log): ${seeds.map((x) => (x === undefined ? '?' : `${(x / 1000).toFixed(1)} s`)).join(', ')}`);
  console.log('last run, from `up`:');
  timeline.forEach((line) => console.log(`  ${line}`));
}

/** The demo history's "seeded" log line says how long its transaction took (ms). */
async function seedMs(stack: ComposeProject): Promise<number | undefined> {
  const logs = await stack.compose(['logs', '--no-color', '--no-log-prefix', 'history']).catch(() => '');
  const ms = /"msg":"seeded".*?"ms":(\d+)/.exec(logs)?.[1];
  return ms === undefined ? undefined : Number(ms);
}

/**
 * Docker's events for the project while `up` runs (start, health_status, die): the health log
 * inside `docker inspect` keeps only the last five checks, so it cannot say when a check first passed.
 */
function watchEvents(project: string): { stop(since: number): string[] } {
  const child = spawn('docker', ['events', '--filter', `label=com.docker.compose.project=${project}`, '--format', '{{json .}}']);
  let out = '';
  child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
  return {
    stop(since: number): string[] {
      child.kill();
      const firsts = new Map<string, number>();
      for (const line of out.split('\n').filter(Boolean)) {
        const e = JSON.parse(line) as { status?: string; Actor?: { Attributes?: Record<string, string> }; timeNano?: number };
        const service = e.Actor?.Attributes?.['com.docker.compose.service'];
        const what = e.status === 'health_status: healthy' ? 'healthy' : e.status === 'start' || e.status === 'die' ? e.status : undefined;
        if (!service || !what || !e.timeNano) continue;
        const key = `${service}\t${what}`;
        if (!firsts.has(key)) firsts.set(key, e.timeNano / 1e6);
      }
      return [...firsts].sort((a, b) => a[1] - b[1])
        .map(([key, ms]) => { const [service, what] = key.split('\t'); return `${((ms - since) / 1000).toFixed(1).padStart(5)} s  ${service} ${what}`; });
    },
  };
}

main().catch((err) => { console.error(err); process.exit(1); });
