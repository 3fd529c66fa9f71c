import { API_ROUTES } from '@dialogstack/contract';
import { createTelegramEmulatorServer, listen, close, TelegramEmulator } from '@dialogstack/devtools';
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { publishImages } from '../scripts/publish-images';
import { IMAGE_PREFIX, REGISTRY, deriveRelease, requireRegistry } from './support/deploy-target';
import { REPO_ROOT, freePort, requireDocker, run, secret, waitFor } from './support/docker';
import { apiVia, edgeEnv, edgeOf } from './support/edge';
import { DEMO_ENV_FILE, writeFakesOverride } from './support/fakes';
import { ExecResult, FreshServer, execResult } from './support/fresh-server';
import { EXAMPLE_SERVER, GuideRunner, guideBlocks } from './support/guide-commands';
import { testStackEnv } from './support/stack-env';

const MANUAL = 'devops/doc/guides/manual-deploy.md';
const AUTO = 'devops/doc/guides/auto-deploy-setup.md';
const REGISTRY_GUIDE = 'devops/doc/guides/using-registry-images.md';
const BACKUPS = 'devops/doc/guides/backups.md';
const MONITORING = 'devops/doc/guides/monitoring.md';
const README = 'README.md';
const GUIDES = [README, MANUAL, AUTO, REGISTRY_GUIDE, BACKUPS, MONITORING];
const OFFSITE = { user: 'offsite', path: 'dialogstack' };

/**
 * The guides, followed as written by a new operator, on a fresh Debian 13 server (a container:
 * OpenSSH and root's key, nothing else): every fenced shell command of the README and the
 * guides runs here or is skipped with a reason, and the test fails on a command nobody
 * accounted for. The server becomes a deploy target with scripts/server-bootstrap.sh (run
 * twice: the second run changes nothing), receives the stack as the manual guide says, deploys
 * over SSH by hand and as the Deploy workflow does, backs up, restores, and shows its metrics
 * through an SSH tunnel. Its Docker engine is this machine's; its Telegram and LLM are fakes.
 */
describe('the guides, run on a fresh Debian server', () => {
  const id = String(process.pid);
  const A = `branch-e2e-guides-${id}`;
  const B = `e2e-guides-${id}-b`;
  const project = `dialogstack-guides-${id}`;
  let work: string;
  let server: FreshServer;
  let guide: GuideRunner;
  let emulator: { server: Server; telegram: TelegramEmulator; url: string } | undefined;
  const ports: Record<string, number> = {};
  const offsitePassword = secret(12);
  let backupName = '';
  let deployDumps: string[] = [];
  /** The commit the images were built from (HEAD may move while the test runs). */
  let sha = '';

  const operatorKey = () => join(guide.home, '.ssh', 'dialogstack_deploy');
  const asDeploy = () => ({ user: 'deploy', key: operatorKey(), dir: '~/dialogstack' });
  const expectOk = (r: ExecResult) => expect({ code: r.code, log: r.code === 0 ? '' : `${r.stdout}\n${r.stderr}`.slice(-6000) }).toEqual({ code: 0, log: '' });
  /** A command of the test (not of a guide) as deploy in the deploy directory, with the fakes' override. */
  const onServer = async (script: string) => {
    const r = await server.console(`cd ~/dialogstack && export COMPOSE_FILE=docker-compose.prod.yml:fakes.yml && ${script}`, 'deploy');
    expectOk(r);
    return r.stdout;
  };

  beforeAll(async () => {
    requireDocker();
    await requireRegistry();
    sha = execFileSync('git', ['rev-parse', 'HEAD'], { encoding: 'utf8' }).trim();
    publishImages({ registry: REGISTRY, ref: `refs/heads/e2e/guides-${id}`, sha, defaultBranch: 'main', log: () => {} });
    await deriveRelease(A, B);
    // The compose file refuses to render without its required settings, even to build.
    await run('docker', ['compose', '-f', 'docker-compose.yml', '--profile', 'demo', 'build', 'telegram'], { env: testStackEnv({ api: await freePort(), frontend: await freePort(), postgres: await freePort() }) });
    for (const name of ['http', 'https', 'prometheus', 'offsite', 'tunnel']) ports[name] = await freePort();
    work = mkdtempSync(join(tmpdir(), 'guides-'));
    mkdirSync(join(work, 'home', '.ssh'), { recursive: true, mode: 0o700 });
    server = await FreshServer.start(`dialogstack-guides-${id}`, join(work, 'home'));
    guide = new GuideRunner(guideBlocks(GUIDES), work, server, [
      // The example tags are two releases of this commit; the example registry is the local one.
      ['sha-1a2b3c4', A],
      ['sha-9f8e7d6', B],
      ['ghcr.io/dialogstack/dialogstack', IMAGE_PREFIX],
      // The container has no systemd and no kernel firewall of its own.
      ['./server-bootstrap.sh', './server-bootstrap.sh --dry-run-system'],
    ]);
  }, 60 * 60_000);

  afterAll(async () => {
    if (guide) console.log(`guides e2e:\n${guide.report().join('\n')}`);
    if (server) {
      // Test cleanup only: the guides never take the stack down or remove a volume.
      await server.console('cd ~/dialogstack && [ -f .env.production ] && docker compose --env-file .env.production down --volumes --remove-orphans --timeout 10', 'deploy');
      await server.remove();
    }
    if (emulator) await close(emulator.server);
    if (work) rmSync(work, { recursive: true, force: true });
  }, 300_000);

  it('manual-deploy §1: a key on my machine, then server-bootstrap.sh as root over SSH', async () => {
    expectOk(await guide.run(MANUAL, 'ssh-keygen -t ed25519 -f ~/.ssh/dialogstack_deploy'));
    const r = await guide.run(MANUAL, 'scp scripts/server-bootstrap.sh');
    expectOk(r);
    expect(r.stdout).toMatch(/changed +installed .*docker\.io/);
    expect(r.stdout).toMatch(/changed +user deploy\n/);
    expect(r.stdout).toMatch(/changed +deploy in group docker/);
    expect(r.stdout).toMatch(/would +systemctl restart dialogstack-firewall\.service/);
    expect(r.stdout).toMatch(/server-bootstrap: \d+ change\(s\)/);
    // The server's engine is this machine's, reached through the mounted socket.
    await server.adoptDockerSocketGroup();

    const keys = (await server.console('cat /home/deploy/.ssh/authorized_keys')).stdout;
    expect(keys).toBe(`restrict,pty,port-forwarding,permitopen="127.0.0.1:*" ${readFileSync(`${operatorKey()}.pub`, 'utf8').trim()}\n`);
    const modes = (await server.console('stat -c "%n %a %U" /home/deploy/.ssh /home/deploy/.ssh/authorized_keys /home/deploy/dialogstack')).stdout;
    expect(modes).toBe('/home/deploy/.ssh 700 deploy\n/home/deploy/.ssh/authorized_keys 600 deploy\n/home/deploy/dialogstack 750 deploy\n');
    const firewall = (await server.console('cat /etc/dialogstack/firewall.nft')).stdout;
    expect(firewall).toMatch(/tcp dport \{ [\d, ]+ \} accept/);
    expect(firewall).toMatch(/ct status dnat drop/);
    const origins = await server.console('unattended-upgrade --dry-run --debug 2>&1 | grep -i "allowed origins"');
    expect(origins.stdout).toMatch(/Debian-Security/);
    expect(origins.stdout).not.toMatch(/label=Debian(,|$)/m);
  });

  it('manual-deploy §1 again: the bootstrap changes nothing the second time', async () => {
    const again = await guide.run(MANUAL, 'scp scripts/server-bootstrap.sh');
    expectOk(again);
    expect(again.stdout).not.toMatch(/ changed /);
    expect(again.stdout).toMatch(/server-bootstrap: no changes: the server was already bootstrapped/);
  });

  it('manual-deploy §1: deploy logs in with my key and gets a terminal (an editor works)', async () => {
    const r = await guide.session(MANUAL, 'ssh -i ~/.ssh/dialogstack_deploy deploy@203.0.113.10', {});
    expectOk(r);
    const tty = await execTty(operatorKey(), guide);
    expect(tty).toMatch(/^\/dev\/pts\/\d+/);
  });

  it('manual-deploy §2: the configuration copied, .env.production made by deploy, mode 600', async () => {
    expectOk(await guide.run(MANUAL, 'server=deploy@203.0.113.10'));
    const settings = serverSettings();
    const r = await guide.session(MANUAL, 'ssh -i ~/.ssh/dialogstack_deploy deploy@203.0.113.10\ncd', {
      typed: { 'nano .env.production': editWith(settings) },
    });
    expectOk(r);
    expect(await onServer('stat -c "%a %U" .env.production')).toBe('600 deploy\n');
    // The test server's fakes for Telegram and the LLM, and an SFTP account as off-site target.
    writeFileSync(join(work, 'fakes.yml'), stringify(serverOverride()));
    expectOk(await execIn(guide, `scp -i ${operatorKey()} ${join(work, 'fakes.yml')} deploy@${EXAMPLE_SERVER}:dialogstack/`));
    guide.skip(MANUAL, 'echo "$GHCR_TOKEN" | docker login ghcr.io', 'needs a GitHub token; the local registry is public');
  });

  it('manual-deploy §4 and §5 (and the README): deploy by hand, then check', async () => {
    // The roles upgrade (§2) is for databases older than the owner role; this one starts with it.
    guide.skip(MANUAL, 'cd ~/dialogstack\n# 1. the owner', 'upgrades a database created before the owner role; src/db/test/roles.test.ts runs 10-roles.sh on one');
    const r = await guide.onServer(MANUAL, 'cd ~/dialogstack\nscripts/deploy.sh', asDeploy());
    expectOk(r);
    expect(r.stdout).toMatch(new RegExp(`live +${A} is live \\(previous: none\\)`));
    const check = await guide.onServer(MANUAL, 'scripts/deploy-check.sh', asDeploy());
    expectOk(check);
    expect(check.stdout).toMatch(/deploy-check: all \d+ checks passed/);
    // Only the proxy is published: the api answers through it, over HTTPS, on its public host.
    expect((await apiVia(edgeOf(serverSettings()), API_ROUTES.ready)).status).toBe(200);

    const readme = await guide.onServer(README, 'scripts/deploy.sh sha-1a2b3c4', asDeploy());
    expectOk(readme);
    expect(readme.stdout).toMatch(/deploy-check: all \d+ checks passed/);
  });

  it('backups.md §2: a backup now, the list, an export', async () => {
    const r = await guide.onServer(BACKUPS, 'scripts/backup.sh now', asDeploy(), {
      replace: [[/dialogstack-\d{8}T\d{6}Z\.dump > copy\.dump/, '"$(scripts/backup.sh list | head -n 1 | cut -f1)" > copy.dump']],
    });
    expectOk(r);
    backupName = r.stdout.split('\n')[0].trim();
    expect(backupName).toMatch(/^dialogstack-\d{8}T\d{6}Z\.dump$/);
    expect(r.stdout).toContain(`${backupName}\t`);
    expect(Number(await onServer('stat -c %s copy.dump'))).toBeGreaterThan(1000);
  });

  it('manual-deploy §6: deploy the previous tag, then restore a deploy dump and a scheduled backup', async () => {
    const r = await guide.onServer(MANUAL, 'tail .deploy/history', asDeploy());
    expectOk(r);
    expect(r.stdout).toMatch(new RegExp(`${A} deployed`));
    expect(r.stdout).toMatch(new RegExp(`live +${B} is live \\(previous: ${A}\\)`));
    // Every deploy over a running database dumped it first (the README's deploy too).
    deployDumps = (await onServer('ls backups')).trim().split('\n');
    expect(deployDumps.length).toBeGreaterThanOrEqual(2);
    for (const dump of deployDumps) expect(dump).toMatch(new RegExp(`^postgres-\\d{8}T\\d{6}Z-${A}\\.dump$`));

    // The scheduled backup: the newest in the list. Retention keeps the newest of each day, so the
    // first restore's own pre-restore backup has replaced this morning's earlier one (backupName).
    const restore = await guide.onServer(MANUAL, 'scripts/restore.sh backups/', asDeploy(), {
      replace: [...restoreReplacements().slice(0, 2), [/dialogstack-\d{8}T\d{6}Z\.dump/, () => '"$(scripts/backup.sh list | head -n 1 | cut -f1)"']],
    });
    expectOk(restore);
    expect(restore.stderr.match(/^\S+ restored +/gm)).toHaveLength(2);
    guide.skip(BACKUPS, 'scripts/restore.sh dialogstack-', 'the same two restores as manual-deploy.md §6, run there');

    // The releases: B (just deployed) is current, A previous; --rollback returns to A exactly.
    const releases = await guide.onServer(MANUAL, 'scripts/deploy.sh --releases', asDeploy());
    expectOk(releases);
    expect(releases.stdout).toMatch(new RegExp(`-${B} +live +current `));
    expect(releases.stdout).toMatch(new RegExp(`-${A} +live +previous `));
    expect(releases.stdout).toMatch(new RegExp(`live +${A} is live again \\(release \\S+-${A}\\)`));
    // Back to B for what follows.
    await onServer(`scripts/deploy.sh ${B}`);
  });

  it('backups.md §1 and §4: the env copy and the off-site copy, then both back on "my machine"', async () => {
    const keygen = await guide.run(BACKUPS, 'age-keygen -o dialogstack-backup.key', { cwd: work });
    expectOk(keygen);
    const recipient = /age1[0-9a-z]+/.exec(`${keygen.stdout}${keygen.stderr}`)![0];
    const obscured = (await run('rclone', ['obscure', offsitePassword])).trim();
    // The settings block, as the reader puts it into .env.production (their values, our SFTP account).
    guide.skip(BACKUPS, 'BACKUP_AGE_RECIPIENT=', 'lines for .env.production: written there below, with this test\'s values');
    await onServer(`printf '%s\\n' 'BACKUP_AGE_RECIPIENT=${recipient}' 'BACKUP_OFFSITE=:sftp,host=offsite,port=2022,user=${OFFSITE.user},pass=${obscured}:${OFFSITE.path}' >> .env.production`);
    // As the guide says: the next deploy applies it; here, a deploy of the running tag.
    await onServer('scripts/deploy.sh "$(cat .deploy/deployed-tag)"');
    const now = (await onServer('scripts/backup.sh now')).trim();

    const restoreDir = join(work, 'laptop');
    mkdirSync(restoreDir);
    copyFileSync(join(work, 'dialogstack-backup.key'), join(restoreDir, 'dialogstack-backup.key'));
    const base = now.replace(/\.dump$/, '');
    const r = await guide.run(BACKUPS, 'rclone copy', {
      cwd: restoreDir,
      replace: [
        [':s3,provider=AWS,…:my-bucket/dialogstack', `:sftp,host=127.0.0.1,port=${ports.offsite},user=${OFFSITE.user},pass=${obscured}:${OFFSITE.path}`],
        [/dialogstack-20261129T033000Z/g, base],
      ],
    });
    expectOk(r);
    const env = readFileSync(join(restoreDir, '.env.production'), 'utf8');
    const serverEnv = await onServer('cat .env.production');
    for (const name of ['POSTGRES_PASSWORD', 'API_TOKEN', 'SESSION_SECRET', 'COMPOSE_PROJECT_NAME']) {
      const value = new RegExp(`^${name}=(.*)$`, 'm').exec(serverEnv)![1];
      expect(env).toContain(`${name}='${value}'`);
    }
    expect(execFileSync('sha256sum', [join(restoreDir, 'dialogstack.dump')], { encoding: 'utf8' }).split(' ')[0])
      .toBe((await onServer(`scripts/backup.sh export ${now} | sha256sum`)).split(' ')[0]);
  });

  it('monitoring.md: the profile on, Prometheus through an SSH tunnel sees every service', async () => {
    guide.skip(MONITORING, 'COMPOSE_PROFILES=monitoring', 'a line for .env.production: written there below');
    await onServer(`printf 'COMPOSE_PROFILES=monitoring\\n' >> .env.production && scripts/deploy.sh ${B}`);
    const tunnel = guide.session(MONITORING, 'ssh -i ~/.ssh/dialogstack_deploy -L 9090:127.0.0.1:9090', {
      replace: [['-L 9090:127.0.0.1:9090', `-L ${ports.tunnel}:127.0.0.1:${ports.prometheus} -o ExitOnForwardFailure=yes`]],
      // What the reader does in their browser while the session is open.
      typed: { '# then open http://localhost:9090/alerts, or: curl -s localhost:9090/api/v1/targets': 'sleep 90' },
    });
    const up = await waitFor('every target up through the tunnel', async () => {
      const res = await fetch(`http://127.0.0.1:${ports.tunnel}/api/v1/targets`);
      const { data } = await res.json() as { data: { activeTargets: { labels: { job: string }; health: string }[] } };
      const jobs = data.activeTargets.filter((t) => t.health === 'up').map((t) => t.labels.job).sort();
      return jobs.length === 5 ? jobs : undefined;
    }, 80_000, 2000);
    expect(up).toEqual(['api', 'backup', 'bot', 'frontend', 'prometheus']);
    expectOk(await tunnel);
  });

  it('manual-deploy: the same deploy from my machine with remote-deploy.sh (what the workflow runs)', async () => {
    const r = await guide.run(MANUAL, 'ssh-keyscan -p 22 203.0.113.10', {
      replace: [
        [`ssh-keyscan -p 22 ${EXAMPLE_SERVER} > /tmp/known_hosts`, `ssh-keyscan -p ${server.port} ${server.host} > ${join(work, 'known_hosts')}`],
        [`SSH_HOST=${EXAMPLE_SERVER}`, `SSH_HOST=${server.host} SSH_PORT=${server.port}`],
        ['/tmp/known_hosts', join(work, 'known_hosts')],
      ],
      env: { COMPOSE_FILES: `${join(REPO_ROOT, 'docker-compose.prod.yml')}:${join(work, 'fakes.yml')}` },
    });
    expectOk(r);
    expect(r.stdout).toMatch(new RegExp(`live +${A} is live \\(previous: ${B}\\)`));
  });

  it('auto-deploy-setup §2-§5: the workflow\'s key, the pinned host key, the notification, a deploy', async () => {
    expectOk(await guide.run(AUTO, 'ssh-keygen -t ed25519 -N "" -f dialogstack_actions', { cwd: work }));
    const bootstrap = await guide.run(AUTO, 'scp scripts/server-bootstrap.sh dialogstack_actions.pub', {
      replace: [['dialogstack_actions.pub root@', `${join(work, 'dialogstack_actions.pub')} root@`]],
    });
    expectOk(bootstrap);
    expect(bootstrap.stdout).toMatch(/changed +\/home\/deploy\/\.ssh\/authorized_keys/);
    expect((await server.console('tail -n 1 /home/deploy/.ssh/authorized_keys')).stdout).toMatch(/^restrict ssh-ed25519 \S+ github actions deploy\n$/);

    const scanned = await guide.run(AUTO, 'ssh-keyscan -t ed25519 203.0.113.10', {
      cwd: work,
      replace: [[`ssh-keyscan -t ed25519 ${EXAMPLE_SERVER}`, `ssh-keyscan -t ed25519 -p ${server.port} ${server.host}`]],
    });
    expectOk(scanned);
    const onConsole = await server.console(guide.block(AUTO, 'ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub').text);
    guide.skip(AUTO, 'ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub', 'run just above through the server\'s "console" (docker exec)');
    const fingerprint = (out: string) => /SHA256:\S+/.exec(out)![0];
    expect(fingerprint(scanned.stdout)).toBe(fingerprint(onConsole.stdout));

    emulator = await startEmulator();
    const chat = emulator.telegram.sendUserMessage({ from: { id: 999, first_name: 'Ops' }, text: 'hi' });
    const notify = await guide.run(AUTO, 'TELEGRAM_NOTIFY_TOKEN=', {
      replace: [['TELEGRAM_NOTIFY_TOKEN=… TELEGRAM_NOTIFY_CHAT_ID=…', `TELEGRAM_NOTIFY_API_ROOT=${emulator.url} TELEGRAM_NOTIFY_TOKEN=${NOTIFY_TOKEN} TELEGRAM_NOTIFY_CHAT_ID=${chat.chatId}`]],
    });
    expectOk(notify);
    expect(emulator.telegram.sentTo(chat.chatId).map((m) => m.text)).toContain('hello from dialogstack');

    const deploy = await guide.run(AUTO, 'SSH_HOST=203.0.113.10', {
      replace: [
        [`SSH_HOST=${EXAMPLE_SERVER}`, `SSH_HOST=${server.host} SSH_PORT=${server.port}`],
        ['SSH_KNOWN_HOSTS_FILE=server.known_hosts', `SSH_KNOWN_HOSTS_FILE=${join(work, 'server.known_hosts')}`],
      ],
      env: { COMPOSE_FILES: `${join(REPO_ROOT, 'docker-compose.prod.yml')}:${join(work, 'fakes.yml')}` },
    });
    expectOk(deploy);
    expect(deploy.stdout).toMatch(new RegExp(`live +${A} is live`));
  });

  it('using-registry-images and the README: the published images pulled and inspected here', async () => {
    const workspace = join(work, 'checkout');
    mkdirSync(join(workspace, 'scripts'), { recursive: true });
    for (const f of ['Makefile', 'docker-compose.prod.yml', '.env.production.example', 'scripts/init-env.sh']) copyFileSync(join(REPO_ROOT, f), join(workspace, f));
    const settings = { ...serverSettings(), COMPOSE_PROJECT_NAME: `${project}-local` };
    const r = await guide.run(REGISTRY_GUIDE, 'scripts/init-env.sh .env.production.example .env.production', {
      cwd: workspace,
      replace: [
        [/^nano .*$/m, editWith(settings, '.env.production')],
        // Starting a second copy of the stack adds nothing the deploys above did not show.
        [/^make prod-up .*$/m, `make -n prod-up IMAGE_TAG=${A} | grep -q 'docker compose -f docker-compose.prod.yml --env-file .env.production up --detach --wait'`],
      ],
    });
    expectOk(r);
    const inspect = await guide.run(REGISTRY_GUIDE, 'docker pull ghcr.io/dialogstack/dialogstack/api:sha-1a2b3c4');
    expectOk(inspect);
    expect(inspect.stdout).toContain(`"org.opencontainers.image.revision":"${sha}"`);
    guide.skip(README, 'make demo', 'stack.e2e.test.ts and the dashboard e2e start the demo stack; make test is what runs this');
    guide.skip(README, 'make prod-pull IMAGE_TAG=sha-1a2b3c4 && make prod-up', 'the same make targets as using-registry-images.md, run just above');
    guide.skip(README, 'scp scripts/server-bootstrap.sh', 'the same two commands as manual-deploy.md §1, run there');
    guide.skip(README, 'make backup', 'e2e/operations.e2e.test.ts runs make backup, make backups and make restore on its stack');
    guide.skip(README, 'scripts/k8s-deploy.sh', 'needs a Kubernetes cluster; test/pipeline/k8s-scripts.test.ts runs it against a fake kubectl');
  });

  it('leaves no guide command unaccounted for', () => {
    expect(guide.unaccounted()).toEqual([]);
    expect(existsSync(join(guide.home, '.ssh', 'dialogstack_deploy'))).toBe(true);
  });

  // ---------------------------------------------------------------- helpers

  /** What the reader puts into .env.production on the test server. */
  function serverSettings(): Record<string, string> {
    const demo = Object.fromEntries(readFileSync(DEMO_ENV_FILE, 'utf8').split('\n')
      .filter((l) => /^[A-Z_]+=/.test(l)).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
    return {
      ...demo,
      IMAGE_PREFIX,
      COMPOSE_PROJECT_NAME: project,
      // The public host names, Caddy's own CA (no DNS here), and free ports instead of 80 and 443.
      ...edgeEnv({ http: ports.http, https: ports.https }),
      PROMETHEUS_PORT: String(ports.prometheus),
    };
  }

  /** The Telegram and LLM fakes, and an SFTP account (rclone in the backup image) published on loopback. */
  function serverOverride(): Record<string, unknown> {
    const fakes = parse(readFileSync(writeFakesOverride(), 'utf8')) as { services: Record<string, Record<string, unknown>> };
    for (const service of Object.values(fakes.services)) delete service.build;
    return {
      services: {
        ...fakes.services,
        offsite: {
          image: '${IMAGE_PREFIX}/backup:${IMAGE_TAG}',
          command: ['rclone', 'serve', 'sftp', '/backups', '--addr', ':2022', '--user', OFFSITE.user, '--pass', offsitePassword, '--config', '/dev/null'],
          environment: { XDG_CACHE_HOME: '/tmp' },
          ports: [`127.0.0.1:${ports.offsite}:2022`],
          volumes: ['offsite-data:/backups'],
          networks: ['dialogstack'],
          // `up --wait` needs a health check on every running service: the SFTP port accepts.
          healthcheck: { test: ['CMD', 'bash', '-c', 'exec 3<>/dev/tcp/127.0.0.1/2022'], interval: '2s', timeout: '2s', retries: 30 },
        },
      },
      volumes: { 'offsite-data': {} },
    };
  }

  function restoreReplacements(): [string | RegExp, () => string][] {
    return [
      ['scripts/restore.sh ', () => 'scripts/restore.sh --yes '],
      [/backups\/postgres-\d{8}T\d{6}Z-sha-9f8e7d6\.dump/, () => `backups/${deployDumps[0]}`],
      [/dialogstack-\d{8}T\d{6}Z\.dump/, () => backupName],
    ];
  }
});

const NOTIFY_TOKEN = '424242:notify-token-for-the-emulator';

/** A line that replaces `nano FILE`: the values set, as a person would type them. */
function editWith(values: Record<string, string>, file = '.env.production'): string {
  const names = Object.keys(values).join('|');
  const lines = Object.entries(values).map(([k, v]) => `${k}=${v}`).join('\\n');
  return `{ grep -vE '^(${names})=' ${file}; printf '${lines.replace(/'/g, '')}\\n'; } > ${file}.new && cat ${file}.new > ${file} && rm ${file}.new`;
}

/** A command of the test on "my machine", with the guides' SSH setup. */
function execIn(guide: GuideRunner, script: string): Promise<ExecResult> {
  return execResult('bash', ['-c', script], {
    env: { ...process.env, HOME: guide.home, PATH: `${join(guide.home, '..', 'bin')}:${process.env.PATH}` },
  });
}

async function execTty(key: string, guide: GuideRunner): Promise<string> {
  const r = await execIn(guide, `ssh -tt -i ${key} deploy@${EXAMPLE_SERVER} tty`);
  return r.stdout.trim();
}

async function startEmulator(): Promise<{ server: Server; telegram: TelegramEmulator; url: string }> {
  const telegram = new TelegramEmulator();
  const server = createTelegramEmulatorServer(telegram, { token: NOTIFY_TOKEN });
  const port = await listen(server, 0, '127.0.0.1');
  return { server, telegram, url: `http://127.0.0.1:${port}` };
}
