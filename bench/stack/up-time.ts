/**
 * Time from `docker compose up --wait` to every service healthy, with images already built
 * (demo profile, fresh volume each run), and how long `down` takes.
 *
 *   npx tsx bench/stack/up-time.ts [--runs 3]
 */
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
  for (let i = 0; i < Number(values.runs); i++) {
    let t = Date.now();
    await stack.compose(['up', '--detach', '--wait', '--wait-timeout', '300']);
    ups.push((Date.now() - t) / 1000);
    t = Date.now();
    await stack.down();
    downs.push((Date.now() - t) / 1000);
  }
  const fmt = (xs: number[]) => xs.map((x) => `${x.toFixed(1)} s`).join(', ');
  console.log(`up --wait to all healthy (images built, fresh volume): ${fmt(ups)}`);
  console.log(`down (stop + remove, volume included): ${fmt(downs)}`);
}

main().catch((err) => { console.error(err); process.exit(1); });
