import { API_ROUTES, statsResponseSchema } from '@dialogstack/contract';
import { ComposeProject, freePort, requireDocker, waitFor } from './support/docker';
import { testStackEnv } from './support/stack-env';

/**
 * D0: the synthesized Dockerfiles and docker-compose.yml really build and start. The whole
 * stack plus the demo fakes comes up healthy, the api and the dashboard answer from the
 * host, simulated users' messages reach the database through the real bot, and
 * `down` is quick because every container stops on SIGTERM.
 */
describe('docker compose stack (demo profile)', () => {
  let stack: ComposeProject;
  let env: Record<string, string>;
  let api: string;
  let frontend: string;

  beforeAll(async () => {
    requireDocker();
    const ports = { api: await freePort(), frontend: await freePort(), postgres: await freePort() };
    env = testStackEnv(ports);
    stack = new ComposeProject(`dialogstack-e2e-${process.pid}`, ['docker-compose.yml'], env, {
      profiles: ['demo'],
      envFiles: ['devops/demo.env'],
    });
    api = `http://127.0.0.1:${ports.api}`;
    frontend = `http://127.0.0.1:${ports.frontend}`;
    try {
      await stack.compose(['up', '--build', '--detach', '--wait', '--wait-timeout', '300']);
    } catch (err) {
      throw new Error(`${(err as Error).message}\n--- logs ---\n${await stack.logs()}`);
    }
  }, 20 * 60_000);

  afterAll(async () => {
    await stack?.down();
  }, 120_000);

  it('runs every long-running service healthy and migrate completed with exit 0', async () => {
    const states = await stack.ps();
    const byService = Object.fromEntries(states.map((s) => [s.Service, s]));
    for (const service of ['postgres', 'bot', 'api', 'frontend', 'telegram', 'llm', 'traffic']) {
      expect({ service, state: byService[service]?.State, health: byService[service]?.Health })
        .toEqual({ service, state: 'running', health: 'healthy' });
    }
    expect(byService.migrate).toMatchObject({ State: 'exited', ExitCode: 0 });
    expect(byService.history).toMatchObject({ State: 'exited', ExitCode: 0 });
  });

  it('runs the application containers as non-root users', async () => {
    for (const service of ['bot', 'api', 'frontend', 'postgres']) {
      const uid = (await stack.compose(['exec', '-T', service, 'id', '-u'])).trim();
      expect({ service, uid }).not.toEqual({ service, uid: '0' });
    }
  });

  it('serves api health and readiness on the host port', async () => {
    expect((await fetch(`${api}${API_ROUTES.health}`)).status).toBe(200);
    expect((await fetch(`${api}${API_ROUTES.ready}`)).status).toBe(200);
    expect((await fetch(`${api}${API_ROUTES.stats}`)).status).toBe(401);
  });

  it('serves the dashboard on the host port and asks for sign-in', async () => {
    expect((await fetch(`${frontend}/api/health`)).status).toBe(200);
    const page = await fetch(`${frontend}/`, { redirect: 'follow' });
    expect(page.status).toBe(200);
    expect(await page.text()).toMatch(/password/i);
  });

  /** One number from SQL, as the writer role (the history's and the bot's). */
  async function sqlCount(sql: string): Promise<number> {
    const out = await stack.compose(['exec', '-T', 'postgres', 'sh', '-c',
      `PGPASSWORD="$DB_WRITER_PASSWORD" psql -h 127.0.0.1 -U "$DB_WRITER_USER" -d "$POSTGRES_DB" -Atc "${sql}"`]);
    return Number(out.trim());
  }

  it('stores the simulated users\' dialogs through the real bot, visible in the statistics', async () => {
    // Live questions have the emulator's (positive) Telegram ids; the seeded history's are negative.
    await waitFor('answers to the traffic generator\'s questions', async () => {
      const answered = await sqlCount('SELECT count(*) FROM messages a JOIN messages q ON q.id = a.reply_to_id WHERE q.telegram_message_id > 0');
      return answered >= 2 || undefined;
    }, 90_000, 2000);
    const res = await fetch(`${api}${API_ROUTES.stats}?period=24h`, { headers: { authorization: `Bearer ${env.API_TOKEN}` } });
    const body = statsResponseSchema.parse(await res.json());
    expect(body.recentDialogs.length).toBeGreaterThanOrEqual(1);
    expect(body.kpis.activeUsers.value).toBeGreaterThanOrEqual(1);
  });

  async function stats(period: string) {
    const res = await fetch(`${api}${API_ROUTES.stats}?period=${period}`, { headers: { authorization: `Bearer ${env.API_TOKEN}` } });
    return statsResponseSchema.parse(await res.json());
  }

  it('opens on a past: 180 days of the simulated users\' history, with trends in every period', async () => {
    const quarter = await stats('90d');
    expect(quarter.series).toHaveLength(90);
    expect(quarter.series.filter((p) => p.messages > 0).length).toBeGreaterThanOrEqual(80);
    expect(quarter.kpis.totalUsers.value).toBeGreaterThanOrEqual(40);
    for (const period of ['24h', '7d', '30d', '90d']) {
      const { kpis } = await stats(period);
      expect({ period, trend: kpis.messages.changePct !== null }).toEqual({ period, trend: true });
    }
  });

  it('writes the history once: running it again adds nothing', async () => {
    const before = (await stats('all')).series;
    const out = await stack.compose(['run', '--rm', '--no-deps', '-T', 'history']);
    expect(out).toMatch(/"msg":"skipped".*"reason":"already-seeded"/);
    // Live traffic only adds to today (and yesterday, should the test cross midnight UTC).
    const after = (await stats('all')).series;
    expect(after.slice(0, before.length - 2)).toEqual(before.slice(0, before.length - 2));
  });

  it('gives the api only read access to the database', async () => {
    const sql = "SELECT has_table_privilege(current_user, 'messages', 'INSERT')";
    const out = await stack.compose(['exec', '-T', 'postgres', 'sh', '-c',
      `PGPASSWORD="$DB_READER_PASSWORD" psql -h 127.0.0.1 -U "$DB_READER_USER" -d "$POSTGRES_DB" -Atc "${sql}"`]);
    expect(out.trim()).toBe('f');
  });

  it('gives the bot rows only: its role cannot DROP, ALTER or TRUNCATE; the owner (migrate) owns the tables', async () => {
    const asWriter = (sql: string) => stack.compose(['exec', '-T', 'postgres', 'sh', '-c',
      `PGPASSWORD="$DB_WRITER_PASSWORD" psql -h 127.0.0.1 -U "$DB_WRITER_USER" -d "$POSTGRES_DB" -v ON_ERROR_STOP=1 -Atc "${sql}"`])
      .then(() => 'ok', (err: Error) => (/must be owner|permission denied/.exec(err.message)?.[0] ?? err.message));
    expect({
      select: await asWriter('SELECT count(*) FROM messages'),
      drop: await asWriter('DROP TABLE messages'),
      alter: await asWriter('ALTER TABLE messages ADD COLUMN x int'),
      truncate: await asWriter('TRUNCATE messages'),
    }).toEqual({ select: 'ok', drop: 'must be owner', alter: 'must be owner', truncate: 'permission denied' });
    const owner = await stack.compose(['exec', '-T', 'postgres', 'sh', '-c',
      'psql -U "$POSTGRES_USER" -d "$POSTGRES_DB" -Atc "SELECT pg_get_userbyid(relowner) FROM pg_class WHERE relname = \'messages\'"']);
    expect(owner.trim()).toBe('dialogstack_owner');
  });

  it('stops every container promptly on down (SIGTERM reaches the app)', async () => {
    const started = Date.now();
    await stack.compose(['stop', '--timeout', '20']);
    expect(Date.now() - started).toBeLessThan(15_000);
    const states = await stack.ps();
    for (const s of states.filter((x) => x.Service !== 'migrate')) {
      // 0 or 143 (SIGTERM) are clean; 137 would mean compose had to SIGKILL.
      expect({ service: s.Service, exit: s.ExitCode }).not.toEqual({ service: s.Service, exit: 137 });
    }
  });
});
