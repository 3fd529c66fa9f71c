import { API_ROUTES } from '@dialogstack/contract';
import { EmulatorClient } from '@dialogstack/devtools';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEPLOY_EXIT, DEPLOY_STATE, REMOTE_DEPLOY_EXIT } from '../projenrc';
import { publishImages } from '../scripts/publish-images';
import { ChatMessage, answersTo, chatLoop } from './support/chat';
import { DeployTarget, REGISTRY, RemoteRun, deriveRelease, forgetLocally, requireRegistry } from './support/deploy-target';
import { REPO_ROOT, requireDocker, waitFor } from './support/docker';
import { apiVia, dashboardVia, fetchVia } from './support/edge';
import { loadLoop } from './support/load';

const LONG_RUNNING = ['postgres', 'bot', 'api', 'frontend'];
const MARKER = { id: -4242, username: 'deploy-e2e-marker' };

/**
 * D2 + D3 proved here: the deploy workflow's SSH step (scripts/remote-deploy.sh with the
 * settings it takes from the environment's secrets) against a real OpenSSH server on
 * loopback with a pinned host key. The "server" runs the local Docker engine and pulls from
 * the local registry. Three releases: A (built from this commit), B (the same with another
 * image id) and C (B with an api that listens on the wrong port, so it never gets healthy).
 * A marker row in the database must survive every step.
 */
describe('deploy over SSH: remote-deploy.sh → deploy.sh on a server', () => {
  const id = String(process.pid);
  const A = `branch-e2e-deploy-${id}`;
  const B = `e2e-deploy-${id}-b`;
  const C = `e2e-deploy-${id}-c-broken`;
  let target: DeployTarget;

  const deploy = (tag: string, settings: Record<string, string> = {}) => target.remoteDeploy('deploy', { IMAGE_TAG: tag, ...settings });
  /** The run's exit code, with its log when it is not the expected one. */
  const outcome = (r: Pick<RemoteRun, 'code' | 'output'>, expected: number) => ({ code: r.code, log: r.code === expected ? '' : r.output.slice(-8000) });
  const deployedTag = () => readFileSync(join(target.deployPath, DEPLOY_STATE.deployedTag), 'utf8').trim();
  const backups = () => readdirSync(join(target.deployPath, DEPLOY_STATE.backups)).sort();

  /** The database's container: an app deploy never recreates it. */
  let postgresContainer = '';
  const postgresId = async () => (await target.stack.compose(['ps', '--quiet', 'postgres'])).trim();

  async function expectServing(tag: string): Promise<void> {
    const states = Object.fromEntries((await target.stack.ps()).map((s) => [s.Service, s as typeof s & { Image: string }]));
    for (const service of LONG_RUNNING) {
      const s = states[service];
      // The database keeps the image of the first deploy.
      expect({ service, state: s?.State, health: s?.Health, tag: s?.Image.split(':').pop() })
        .toEqual({ service, state: 'running', health: 'healthy', tag: service === 'postgres' ? A : tag });
    }
    expect({ state: states.proxy?.State, health: states.proxy?.Health }).toEqual({ state: 'running', health: 'healthy' });
    if (postgresContainer) expect(await postgresId()).toBe(postgresContainer);
    expect(states.migrate).toMatchObject({ State: 'exited', ExitCode: 0 });
    expect((await apiVia(target.edge, API_ROUTES.ready)).status).toBe(200);
    const stats = await apiVia(target.edge, API_ROUTES.stats, { headers: { authorization: `Bearer ${target.env.API_TOKEN}` } });
    expect(stats.status).toBe(200);
    expect((await dashboardVia(target.edge, '/api/health')).status).toBe(200);
  }

  async function expectMarkerKept(): Promise<void> {
    expect(await target.psql(`SELECT username FROM users WHERE id = ${MARKER.id}`)).toBe(MARKER.username);
  }

  beforeAll(async () => {
    requireDocker();
    await requireRegistry();
    const sha = execFileSync('git', ['rev-parse', 'HEAD'], { encoding: 'utf8' }).trim();
    publishImages({ registry: REGISTRY, ref: `refs/heads/e2e/deploy-${id}`, sha, defaultBranch: 'main', log: () => {} });
    await deriveRelease(A, B);
    // The api's PORT changed: it listens on 4999 while its health check asks 4000.
    await deriveRelease(B, C, { api: ['CMD ["sh", "-c", "PORT=4999 exec node src/api/dist/main.js"]'] });
    await forgetLocally([A, B, C]);
    target = await DeployTarget.create(`dialogstack-deploy-${id}`);
  }, 30 * 60_000);

  afterAll(async () => {
    await target?.destroy();
  }, 180_000);

  it('refuses a server whose host key is not the pinned one, before copying anything', async () => {
    const r = await deploy(A, { SSH_KNOWN_HOSTS: target.ssh.impostorKnownHosts });
    expect(outcome(r, REMOTE_DEPLOY_EXIT.SSH.code)).toEqual({ code: REMOTE_DEPLOY_EXIT.SSH.code, log: '' });
    expect(r.output).toMatch(/Host key verification failed/);
    expect(existsSync(join(target.deployPath, DEPLOY_STATE.dir))).toBe(false);
  });

  it('deploys release A: every service healthy, deploy-check green, the tag recorded', async () => {
    const r = await deploy(A);
    expect(outcome(r, 0)).toEqual({ code: 0, log: '' });
    // Every step is in the log, each with a timestamp; the first deploy has nothing to back up.
    for (const step of ['pull', 'backup', 'migrate', 'switch', 'check', 'live']) {
      expect(r.output).toMatch(new RegExp(`^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ ${step} `, 'm'));
    }
    expect(r.output).toMatch(/backup +skipped: postgres is not running yet/);
    expect(r.outputs).toMatchObject({ 'tag': A, 'exit-code': '0' });
    expect(r.summary).toMatch(/^### ✅ dialogstack .* -> e2e: deployed/m);
    expect(deployedTag()).toBe(A);
    await expectServing(A);

    await target.psql(`INSERT INTO users (id, username) VALUES (${MARKER.id}, '${MARKER.username}')`);
    postgresContainer = await postgresId();

    const check = await target.remoteDeploy('check');
    expect(outcome(check, 0)).toEqual({ code: 0, log: '' });
    expect(check.output).toMatch(/deploy-check: all \d+ checks passed/);
    expect(check.output).toMatch(/ok +bot health/);
    expect(check.output).toMatch(/ok +migrations +migrate exited 0/);
  });

  it('names a failing check and exits with its code', async () => {
    // What an operator runs on the server: a wrong token fails the authenticated call only.
    const r = await target.deployCheck(['--file', 'docker-compose.prod.yml', '--api-token', 'not-the-token']);
    expect(r.code).toBe(13);
    expect(r.output).toMatch(/FAIL +api stats with token +GET .* -> 401, expected 200/);
    expect(r.output).toMatch(/ok +api refuses no token/);
    expect(r.output).toMatch(/deploy-check: 1 of \d+ checks failed \(exit 13\)/);
  });

  it('deploys release B over A without downtime: no request fails, every message is answered, postgres keeps running', async () => {
    // A patient client of each public service, through the proxy (every 200 ms: stable on 2 cores).
    const edge = target.edge;
    const api = loadLoop(edge, edge.apiHost, API_ROUTES.stats, { intervalMs: 200, headers: { authorization: `Bearer ${target.env.API_TOKEN}` } });
    const dashboard = loadLoop(edge, edge.dashboardHost, '/api/health', { intervalMs: 200 });
    // People write to the long-polling bot while it is replaced (one message a second, a few users).
    const emulator = new EmulatorClient(target.emulatorUrl);
    const sent: { chatId: number; messageId: number }[] = [];
    let chatting = true;
    const chat = (async () => {
      for (let i = 0; chatting; i++) {
        sent.push(await emulator.send({ from: { id: 7100 + (i % 8), first_name: `Switch${i % 8}` }, text: `message ${i} during the switch` }));
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
    })();
    const r = await deploy(B);
    chatting = false;
    await chat;
    const [a, d] = await Promise.all([api.stop(), dashboard.stop()]);
    expect(outcome(r, 0)).toEqual({ code: 0, log: '' });
    expect(r.output).toMatch(/switch +api: new container healthy after/);
    expect({ api: a.failures, dashboard: d.failures }).toEqual({ api: [], dashboard: [] });
    expect(a.requests).toBeGreaterThan(20);
    // Each chat gets as many answers as it sent messages (Telegram kept what arrived between the two bots).
    expect(sent.length).toBeGreaterThan(5);
    const byChat = new Map<number, { first: number; count: number }>();
    for (const m of sent) byChat.set(m.chatId, { first: byChat.get(m.chatId)?.first ?? m.messageId, count: (byChat.get(m.chatId)?.count ?? 0) + 1 });
    for (const [chatId, { first, count }] of byChat) {
      await waitFor(`${count} answers in chat ${chatId}`, async () => ((await emulator.replies(chatId, first - 1, 0)).length >= count) || undefined, 90_000, 1000);
    }
    expect(deployedTag()).toBe(B);
    expect(backups()).toEqual([expect.stringMatching(new RegExp(`^postgres-\\d{8}T\\d{6}Z-${A}\\.dump$`))]);
    await expectServing(B);
    await expectMarkerKept();
  });

  it('rolls a broken release C with a changed compose file back to B: exits non-zero, B serves again with its own compose file, the data kept', async () => {
    // C also changes the compose file: the rollback must put B's back, not run B under C's.
    const changed = join(mkdtempSync(join(tmpdir(), 'compose-c-')), 'docker-compose.prod.yml');
    const original = readFileSync(join(REPO_ROOT, 'docker-compose.prod.yml'), 'utf8');
    writeFileSync(changed, `${original}x-e2e-release: ${C}\n`);
    const r = await deploy(C, { DEPLOY_WAIT_TIMEOUT: '60', COMPOSE_FILES: [changed, ...target.composeFilePaths.slice(1)].join(':') });
    expect(outcome(r, DEPLOY_EXIT.ROLLED_BACK.code)).toEqual({ code: DEPLOY_EXIT.ROLLED_BACK.code, log: '' });
    expect(r.output).toMatch(new RegExp(`rollback +${C} failed at switch; back to ${B}`));
    expect(r.output).toMatch(/switch +api: the new container is (unhealthy|not healthy)/);
    expect(r.output).toMatch(new RegExp(`rollback +${B} is serving again`));
    expect(r.outputs.message).toMatch(/^↩️ /);
    expect(deployedTag()).toBe(B);
    expect(readFileSync(join(target.deployPath, DEPLOY_STATE.history), 'utf8')).toMatch(new RegExp(`${C} failed at switch; rolled back to ${B}\\n$`));
    expect(readFileSync(join(target.deployPath, 'docker-compose.prod.yml'), 'utf8')).toBe(original);
    expect(backups()).toHaveLength(2);
    // Releases: B is current, A previous; C is kept as failed. Each names its images by digest.
    const releases = await target.serverScript('deploy.sh', ['--releases']);
    expect(releases.code).toBe(0);
    expect(releases.output).toMatch(new RegExp(`-${B} +live +current +.*api@[0-9a-f]{12}`));
    expect(releases.output).toMatch(new RegExp(`-${A} +live +previous `));
    expect(releases.output).toMatch(new RegExp(`-${C} +failed `));
    const current = join(target.deployPath, DEPLOY_STATE.releases, '..', 'current');
    expect(readFileSync(join(current, 'images'), 'utf8')).toMatch(new RegExp(`^api \\S+/api:${B} \\S+/api@sha256:[0-9a-f]{64}$`, 'm'));
    await expectServing(B);
    await expectMarkerKept();
  });

  it('rolls back by hand to the previous release (A), exactly and without downtime', async () => {
    const edge = target.edge;
    const api = loadLoop(edge, edge.apiHost, API_ROUTES.stats, { intervalMs: 200, headers: { authorization: `Bearer ${target.env.API_TOKEN}` } });
    const dashboard = loadLoop(edge, edge.dashboardHost, '/api/health', { intervalMs: 200 });
    const r = await target.serverScript('deploy.sh', [...target.serverFileArgs, '--rollback']);
    const [a, d] = await Promise.all([api.stop(), dashboard.stop()]);
    expect(outcome(r, 0)).toEqual({ code: 0, log: '' });
    expect(r.output).toMatch(new RegExp(`live +${A} is live again \\(release \\S+-${A}\\)`));
    expect({ api: a.failures, dashboard: d.failures }).toEqual({ api: [], dashboard: [] });
    expect(deployedTag()).toBe(A);
    const releases = await target.serverScript('deploy.sh', ['--releases']);
    expect(releases.output).toMatch(new RegExp(`-${A} +live +current `));
    expect(releases.output).toMatch(new RegExp(`-${B} +live +previous `));
    await expectServing(A);
    await expectMarkerKept();
  });

  it('refuses a second deploy while one is running, then finishes the first', async () => {
    const first = deploy(B);
    const owner = join(target.deployPath, DEPLOY_STATE.lockOwner);
    await waitFor('the first deploy to hold the lock', async () => existsSync(owner), 60_000, 100);
    const second = await deploy(A);
    expect(outcome(second, DEPLOY_EXIT.LOCKED.code)).toEqual({ code: DEPLOY_EXIT.LOCKED.code, log: '' });
    expect(second.output).toMatch(new RegExp(`refused: another deploy is running \\(${B}, pid \\d+`));
    const done = await first;
    expect(outcome(done, 0)).toEqual({ code: 0, log: '' });
    expect(deployedTag()).toBe(B);
    await expectServing(B);
    await expectMarkerKept();
  });

  it('deploys in webhook mode: old and new bots overlap behind the proxy, and every message is answered exactly once', async () => {
    // Telegram (the emulator, inside the stack's network) posts each update to the public URL
    // through the proxy over HTTPS and checks the certificate: Caddy's internal CA stands in
    // for the public one a real Telegram trusts.
    const emulator = new EmulatorClient(target.emulatorUrl);
    await emulator.trustCertificateAuthority(await target.proxyRootCertificate());
    const webhook = target.webhookSettings();
    target.writeEnvFile({ ...target.env, ...webhook });

    /** A deploy while people write (two messages a second, eight people), and what became of each message. */
    const deployWhileChatting = async (tag: string, label: string) => {
      const before = (await emulator.webhook()).deliveries.length;
      const chat = chatLoop(emulator, { users: 8, firstUserId: label === 'first' ? 7200 : 7300, intervalMs: 500, label: `webhook-${label}` });
      const r = await deploy(tag);
      const sent = await chat.stop();
      expect(outcome(r, 0)).toEqual({ code: 0, log: '' });
      expect(sent.length).toBeGreaterThan(10);
      const answers = await answersTo(emulator, sent, 90_000);
      const state = await waitFor('Telegram to have delivered every update', async () => {
        const w = await emulator.webhook();
        return w.pendingUpdates === 0 ? w : undefined;
      }, 30_000);
      return { r, sent, answers, deliveries: state.deliveries.slice(before), url: state.url };
    };
    /**
     * Each message answered once; each update posted to the webhook until the bot took it
     * (2xx), failures only before that. `allPosted`: none was fetched by a long poll instead.
     */
    const expectNothingLostOrDoubled = (run: Awaited<ReturnType<typeof deployWhileChatting>>, allPosted: boolean) => {
      expect([...run.answers].filter(([, n]) => n !== 1)).toEqual([]);
      const ids = new Set(run.sent.map((m: ChatMessage) => m.updateId));
      const mine = run.deliveries.filter((d) => ids.has(d.updateId));
      const taken = mine.filter((d) => d.status >= 200 && d.status < 300);
      const posted = allPosted ? [...ids] : [...new Set(mine.map((d) => d.updateId))];
      expect(taken.map((d) => d.updateId).sort((a, b) => a - b)).toEqual(posted.sort((a, b) => a - b));
      const failed = mine.filter((d) => d.status < 200 || d.status >= 300);
      const lateFailures = failed.filter((f) => !taken.some((t) => t.updateId === f.updateId && t.at >= f.at));
      expect(lateFailures).toEqual([]);
      const statuses = [...new Set(failed.map((f) => f.status))];
      return { messages: run.sent.length, posted: posted.length, posts: mine.length, retried: failed.length, statuses };
    };

    // Turning webhook mode on (long polling B → webhook A): the bot is rolled, the polling copy
    // next to the new webhook copy (it gets 409 from getUpdates once the webhook is set).
    const first = await deployWhileChatting(A, 'first');
    expect(first.url).toBe(webhook.TELEGRAM_WEBHOOK_URL);
    expect(first.r.output).toMatch(/switch +bot: new container healthy after/);
    const turnedOn = expectNothingLostOrDoubled(first, false);
    await expectServing(A);

    // Webhook A → webhook B: both copies take webhook calls while they overlap.
    const second = await deployWhileChatting(B, 'second');
    expect(second.r.output).toMatch(/side by side: .*\bbot\b/);
    expect(second.r.output).toMatch(/switch +bot: new container healthy after [\d.]+ s; draining the old one/);
    expect(second.r.output).toMatch(/switch +bot: old container stopped in/);
    const switched = expectNothingLostOrDoubled(second, true);
    // A copy starting or stopping refuses the proxy's connection, and the proxy retries the
    // (buffered) post on the other: 0 failed posts in every run so far. One is allowed for the
    // narrow race of a connection accepted just before the stopping copy closed its port.
    expect(switched.retried).toBeLessThanOrEqual(1);
    // eslint-disable-next-line no-console
    console.log(`webhook deploys: turning it on ${JSON.stringify(turnedOn)}; switching releases ${JSON.stringify(switched)}`);

    // The public webhook refuses a post without Telegram's secret.
    const forged = await fetchVia(target.edge, target.edge.apiHost, new URL(webhook.TELEGRAM_WEBHOOK_URL).pathname, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ update_id: 1, message: { message_id: 1, date: 1, chat: { id: 1, type: 'private' }, text: 'forged' } }),
    });
    expect(forged.status).toBe(403);
    expect(deployedTag()).toBe(B);
    await expectServing(B);
    await expectMarkerKept();
    // No late duplicate either (the bots' recovery sweeps run meanwhile).
    expect([...(await answersTo(emulator, second.sent, 10_000))].filter(([, n]) => n !== 1)).toEqual([]);
  });
});
