import { API_ROUTES, statsResponseSchema } from '@dialogstack/contract';
import { EmulatorClient } from '@dialogstack/devtools';
import { execFile, execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { publishImages } from '../scripts/publish-images';
import { IMAGE_PREFIX, REGISTRY, requireRegistry } from './support/deploy-target';
import { requireDocker, run, waitFor } from './support/docker';
import { apiVia, dashboardVia } from './support/edge';
import { OpsStack, ScriptRun } from './support/ops-stack';

/** Scrape jobs Prometheus must see up: itself and every service with a metrics port. */
const JOBS = ['prometheus', 'bot', 'api', 'frontend', 'backup'];

/**
 * Day-2 operations on a production stack in a deploy directory, images from the registry:
 * metrics on their own ports scraped by the monitoring profile's Prometheus, and the restore
 * drill: seed → backup → destroy the database volume → restore → the same rows and the same
 * statistics, with the env file's encrypted copy and the off-site (SFTP) copy checked too.
 */
describe('operations: metrics, backups and the restore drill', () => {
  const id = String(process.pid);
  const tag = `branch-e2e-ops-${id}`;
  let stack: OpsStack;
  const timings: Record<string, number> = {};

  const expectOk = (r: ScriptRun) => expect({ code: r.code, log: r.code === 0 ? '' : `${r.stdout}\n${r.stderr}`.slice(-6000) }).toEqual({ code: 0, log: '' });
  const prometheus = async (path: string) => {
    const res = await fetch(`${stack.prometheusUrl}${path}`);
    expect(res.status).toBe(200);
    return (await res.json() as { data: unknown }).data;
  };
  const query = async (promql: string) => (await prometheus(`/api/v1/query?query=${encodeURIComponent(promql)}`)) as { result: { metric: Record<string, string>; value: [number, string] }[] };

  beforeAll(async () => {
    requireDocker();
    await requireRegistry();
    const sha = execFileSync('git', ['rev-parse', 'HEAD'], { encoding: 'utf8' }).trim();
    publishImages({ registry: REGISTRY, ref: `refs/heads/e2e/ops-${id}`, sha, defaultBranch: 'main', log: () => {} });
    stack = await OpsStack.create({ project: `dialogstack-ops-${id}`, imagePrefix: IMAGE_PREFIX, tag });
    const started = Date.now();
    try {
      await stack.compose.compose(['up', '--detach', '--wait', '--wait-timeout', '300'], 15 * 60_000);
    } catch (err) {
      throw new Error(`${(err as Error).message}\n--- logs ---\n${await stack.compose.logs()}`);
    }
    timings.stackUp = (Date.now() - started) / 1000;
  }, 60 * 60_000);

  afterAll(async () => {
    if (Object.keys(timings).length) console.log(`operations e2e timings (s): ${JSON.stringify(timings)}`);
    await stack?.destroy();
  }, 180_000);

  describe('metrics', () => {
    it('publishes no metrics port: only the proxy, and Prometheus (and the test\'s emulator) on loopback', async () => {
      const published = (await stack.compose.compose(['ps', '--format', '{{.Service}} {{.Ports}}'])).split('\n').filter((l) => l.includes('->'));
      const hostPorts = published.flatMap((l) => [...l.matchAll(/([\d.:[\]]+):(\d+)->(\d+)\/tcp/g)].map((m) => `${l.split(' ')[0]} ${m[1]}:${m[2]}->${m[3]}`));
      expect(hostPorts.filter((p) => p.endsWith('->9464'))).toEqual([]);
      expect(hostPorts.filter((p) => p.startsWith('prometheus ')).every((p) => p.includes('127.0.0.1:'))).toBe(true);
      expect(hostPorts.filter((p) => !p.startsWith('proxy ') && !p.includes('127.0.0.1:'))).toEqual([]);
      expect(hostPorts.filter((p) => /^(api|frontend|bot|postgres) /.test(p))).toEqual([]);
      expect((await apiVia(stack.edge, '/metrics')).status).toBe(404);
    });

    it('is scraped by Prometheus from every service, with the alert rules loaded', async () => {
      const health = await waitFor('every scrape target up', async () => {
        const { activeTargets } = await prometheus('/api/v1/targets') as { activeTargets: { labels: { job: string }; health: string; lastError: string }[] };
        const byJob = Object.fromEntries(activeTargets.map((t) => [t.labels.job, `${t.health}${t.lastError ? ` (${t.lastError})` : ''}`]));
        return JOBS.every((job) => byJob[job] === 'up') ? byJob : undefined;
      }, 120_000, 2000);
      expect(Object.keys(health).sort()).toEqual([...JOBS].sort());
      const { groups } = await prometheus('/api/v1/rules') as { groups: { rules: { name: string; health: string }[] }[] };
      expect(groups.flatMap((g) => g.rules.map((r) => `${r.name} ${r.health}`)).sort()).toEqual(['BackupTooOld ok', 'LlmFailing ok', 'TargetDown ok']);
    });

    it('counts a conversation in the bot and requests in the api and the dashboard', async () => {
      const emulator = new EmulatorClient(stack.emulatorUrl);
      const sent = await emulator.send({ from: { id: 4242, first_name: 'Metrics' }, text: 'how are you measured?' });
      expect((await emulator.replies(sent.chatId, sent.messageId, 30_000)).length).toBeGreaterThanOrEqual(1);
      await apiVia(stack.edge, API_ROUTES.stats, { headers: { authorization: `Bearer ${stack.env.API_TOKEN}` } });
      await dashboardVia(stack.edge, '/api/health');
      for (const [promql, what] of [
        ['bot_updates_total{type="message"}', 'the update'],
        ['bot_replies_total{outcome="sent"}', 'the reply'],
        ['bot_llm_request_duration_seconds_count{outcome="ok"}', 'the LLM call'],
        [`http_request_duration_seconds_count{job="api",route="${API_ROUTES.stats}",status="200"}`, 'the api request'],
        ['http_request_duration_seconds_count{job="frontend",route="/api/health",status="200"}', 'the dashboard request'],
        ['api_db_pool_connections{state="max"}', 'the pool size'],
      ]) {
        await waitFor(`${what} in Prometheus (${promql})`, async () => {
          const { result } = await query(promql);
          return result.some((r) => Number(r.value[1]) >= 1) || undefined;
        }, 90_000, 2000);
      }
    });
  });

  describe('the restore drill', () => {
    let before: Snapshot;
    let backupName: string;

    it('seeds the database and takes a backup (make backup)', async () => {
      // The writer only inserts and updates (issue 14): --replace deletes, as the owner.
      await stack.compose.compose(['run', '--rm', '--no-deps', '-e', `DATABASE_URL=${stack.ownerUrl}`, 'api',
        'node', 'src/api/dist/cli/seed.js', '--users', '300', '--messages', '30000', '--days', '60', '--replace'], 10 * 60_000);
      before = await snapshot(stack);
      expect(before.rows.messages).toBeGreaterThanOrEqual(30_000);

      const r = await stack.make(['backup']);
      expectOk(r);
      timings.backup = r.seconds;
      backupName = r.stdout.trim().split('\n').pop()!;
      expect(backupName).toMatch(/^dialogstack-\d{8}T\d{6}Z\.dump$/);
      const list = await stack.make(['backups']);
      expect(list.stdout).toMatch(new RegExp(`^${backupName}\\t\\d+\\t\\+env$`, 'm'));
    });

    it('keeps the env file in the backup, encrypted: the age identity opens it, and it holds the server\'s values', async () => {
      const encrypted = await stack.exec('backup', ['dialogstack-backup', 'cat', backupName.replace(/\.dump$/, '.env.age')]);
      expect(encrypted.subarray(0, 21).toString('latin1')).toBe('age-encryption.org/v1');
      expect(encrypted.toString('latin1')).not.toContain(stack.env.POSTGRES_PASSWORD);
      const env = (await stack.decrypt(`${IMAGE_PREFIX}/backup:${tag}`, encrypted)).toString('utf8');
      for (const name of ['POSTGRES_PASSWORD', 'DB_WRITER_PASSWORD', 'API_TOKEN', 'SESSION_SECRET', 'BACKUP_OFFSITE']) {
        expect(env).toContain(`${name}='${stack.env[name]}'`);
      }
    });

    it('copies the backup off-site (SFTP), encrypted, and the copy decrypts to the same dump', async () => {
      const files = await stack.compose.compose(['exec', '-T', 'offsite', 'ls', stack.offsiteDir]);
      const base = backupName.replace(/\.dump$/, '');
      expect(files.split('\n').filter((f) => f.startsWith(base)).sort()).toEqual([`${base}.dump.age`, `${base}.env.age`]);
      const offsite = await stack.exec('offsite', ['cat', `${stack.offsiteDir}/${base}.dump.age`]);
      const local = await stack.exec('backup', ['dialogstack-backup', 'cat', backupName]);
      const decrypted = await stack.decrypt(`${IMAGE_PREFIX}/backup:${tag}`, offsite);
      expect(sha256(decrypted)).toBe(sha256(local));
    });

    it('destroys the database volume, restores the backup (make restore) and has the same rows and statistics', async () => {
      await stack.compose.compose(['down', '--timeout', '20']);
      await run('docker', ['volume', 'rm', `${stack.env.COMPOSE_PROJECT_NAME}_postgres-data`]);

      const r = await stack.make(['restore', `FILE=${backupName}`, 'YES=1']);
      expectOk(r);
      timings.restore = r.seconds;
      for (const step of ['database', 'verify', 'backup', 'stop', 'restore', 'migrate', 'start', 'check', 'restored']) {
        expect(r.stderr).toMatch(new RegExp(`^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ ${step} `, 'm'));
      }
      // The fresh database had no tables: nothing to keep before replacing it.
      expect(r.stderr).toMatch(/backup +skipped: the database has no tables/);
      expect(await snapshot(stack)).toEqual(before);
    });

    it('restores a dump file from this machine too, keeping a pre-restore backup of what it replaces', async () => {
      // What an operator does to keep a copy elsewhere: scripts/backup.sh export NAME > file.
      const file = join(stack.dir, 'exported.dump');
      writeFileSync(file, await runBuffer(join(stack.dir, 'scripts', 'backup.sh'), ['export', backupName], stack.dir, { COMPOSE_FILE: 'docker-compose.prod.yml:ops.override.yml' }));
      expect(sha256(await stack.exec('backup', ['dialogstack-backup', 'cat', backupName]))).toBe(sha256(readFileSync(file)));
      await stack.psql('INSERT INTO users (id, username) VALUES (-77, \'written-after-the-backup\')');

      const r = await stack.script('restore.sh', ['--yes', file]);
      expectOk(r);
      timings.restoreFromFile = r.seconds;
      expect(await stack.psql('SELECT count(*) FROM users WHERE id = -77')).toBe('0');
      expect(await snapshot(stack)).toEqual(before);
      const list = await stack.script('backup.sh', ['list']);
      expect(list.stdout).toMatch(/^dialogstack-\d{8}T\d{6}Z-pre-restore\.dump\t\d+\t\+env$/m);
    });

    it('refuses a file that is not a backup before stopping anything', async () => {
      const file = join(stack.dir, 'not-a-dump.dump');
      writeFileSync(file, 'SELECT 1;\n');
      const r = await stack.script('restore.sh', ['--yes', file]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/not a pg_dump archive/);
      expect(r.stderr).not.toMatch(/ stop /);
      const states = Object.fromEntries((await stack.compose.ps()).map((s) => [s.Service, s.State]));
      expect({ bot: states.bot, api: states.api }).toEqual({ bot: 'running', api: 'running' });
    });

    it('refuses without --yes when nobody can confirm', async () => {
      const r = await stack.script('restore.sh', [backupName]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/add --yes to confirm/);
    });
  });
});

interface Snapshot {
  readonly rows: Record<string, number>;
  readonly stats: Record<string, unknown>;
}

/** Exact row counts of every table, and the api's statistics (all-time and 90 days) without their timestamps. */
async function snapshot(stack: OpsStack): Promise<Snapshot> {
  const tables = (await stack.psql("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1")).split('\n');
  const counts = (await stack.psql(tables.map((t) => `SELECT '${t}', count(*) FROM "${t}"`).join(' UNION ALL '))).split('\n');
  const rows = Object.fromEntries(counts.map((l) => l.split('|')).map(([t, n]) => [t, Number(n)]));
  const stats: Record<string, unknown> = {};
  for (const period of ['all', '90d']) {
    const res = await apiVia(stack.edge, `${API_ROUTES.stats}?period=${period}&limit=50`, { headers: { authorization: `Bearer ${stack.env.API_TOKEN}` } });
    const body = statsResponseSchema.parse(await res.json());
    // Days with messages: a UTC midnight between two snapshots adds an empty day, nothing else.
    stats[period] = {
      kpis: body.kpis, topUsers: body.topUsers, recentDialogs: body.recentDialogs, series: body.series.filter((p) => p.messages > 0),
    };
  }
  return { rows, stats };
}

function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

function runBuffer(cmd: string, args: string[], cwd?: string, env: Record<string, string> = {}): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { cwd, env: { ...process.env, ...env }, encoding: 'buffer', maxBuffer: 512 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${cmd} ${args.join(' ')} failed: ${err.message}\n${stderr.toString()}`));
      else resolve(stdout);
    });
  });
}
