import { spawn } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Project } from 'projen';
import { parse } from 'yaml';
import { dialogstack } from '../../.projenrc';
import {
  AlertRulesFile, Backup, Deployment, Dockerfile, EnvTemplate, Monitoring, RESTORE_EXIT, Stack, StackCompose, databaseUsers, envVar,
  httpHealthCheck, publicPorts,
} from '../../projenrc';
import { REPO_ROOT, synthesizedFiles } from '../support/synth';

/**
 * Day-2 operations without Docker: the Makefile's tag, the restore sequence (against a fake
 * `docker` that records every call), the backup runner's retention, the bootstrap's
 * arguments, and what the model derives for them. The e2e tests run them for real
 * (operations, guides).
 */
interface Result { code: number; stdout: string; stderr: string }

function exec(cmd: string, args: string[], opts: { cwd: string; env?: Record<string, string>; input?: string }): Promise<Result> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, {
      cwd: opts.cwd,
      env: { PATH: process.env.PATH!, HOME: process.env.HOME ?? '/root', ...opts.env },
      stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d) => { stdout += d; });
    child.stderr!.on('data', (d) => { stderr += d; });
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin?.end(opts.input);
  });
}

/**
 * A deploy directory whose `docker` is a fake: it appends each call (with IMAGE_TAG) to
 * calls.log and answers the few questions the scripts ask. FAKE_FAIL=<word> makes the call
 * containing that word fail.
 */
function fakeServer(): { dir: string; env: Record<string, string>; calls: () => string[] } {
  const dir = mkdtempSync(join(tmpdir(), 'ops-fake-'));
  const bin = join(dir, '.bin');
  mkdirSync(bin);
  mkdirSync(join(dir, 'scripts'));
  for (const s of ['backup.sh', 'restore.sh']) copyFileSync(join(REPO_ROOT, 'scripts', s), join(dir, 'scripts', s));
  writeFileSync(join(dir, 'scripts', 'deploy-check.sh'), '#!/bin/sh\necho "deploy-check $*" >> "$FAKE_LOG"\n');
  chmodSync(join(dir, 'scripts', 'deploy-check.sh'), 0o755);
  writeFileSync(join(dir, 'docker-compose.prod.yml'), 'services: {}\n');
  writeFileSync(join(dir, '.env.production'), 'IMAGE_TAG=latest\nPOSTGRES_DB=dialogstack\n', { mode: 0o600 });
  writeFileSync(join(bin, 'docker'), `#!/usr/bin/env bash
args="$*"
echo "IMAGE_TAG=\${IMAGE_TAG:-} $args" | sed 's/--file docker-compose.prod.yml --env-file .env.production //' >> "$FAKE_LOG"
if [ -n "\${FAKE_FAIL:-}" ] && [[ $args == *"$FAKE_FAIL"* ]]; then echo "fake failure: $FAKE_FAIL" >&2; exit 1; fi
# Like compose run/exec without a TTY: the container reads whatever stdin the script has.
container=' (exec|run) ' streamed='(verify|restore) -$'
if [[ $args =~ $container ]] && ! [[ $args =~ $streamed ]]; then cat >/dev/null; fi
case $args in
  *"ps --status running"*) [ -n "\${FAKE_BACKUP_RUNNING:-}" ] && echo 1234 ;;
  *"ps --all --format"*) echo "postgres|running|healthy|0" ;;
  *"dialogstack-backup list"*) printf 'dialogstack-20261129T033000Z.dump\\t2048\\t+env\\n' ;;
  *"dialogstack-backup now"*) echo "dialogstack-20261130T101010Z\${FAKE_LABEL:-}.dump" ;;
  *"dialogstack-backup verify -"*|*"dialogstack-backup restore -"*) cat >/dev/null ;;
esac
exit 0
`);
  chmodSync(join(bin, 'docker'), 0o755);
  const log = join(dir, 'calls.log');
  writeFileSync(log, '');
  return {
    dir,
    env: { PATH: `${bin}:${process.env.PATH}`, FAKE_LOG: log },
    calls: () => readFileSync(log, 'utf8').split('\n').filter(Boolean),
  };
}

describe('make prod-*: the tag', () => {
  it('comes from the env file unless IMAGE_TAG is given on the command line', async () => {
    const fake = fakeServer();
    copyFileSync(join(REPO_ROOT, 'Makefile'), join(fake.dir, 'Makefile'));
    await exec('make', ['prod-pull'], { cwd: fake.dir, env: fake.env });
    await exec('make', ['prod-up', 'IMAGE_TAG=sha-1234567'], { cwd: fake.dir, env: fake.env });
    // compose reads IMAGE_TAG from --env-file when the environment does not set it.
    expect(fake.calls()).toEqual([
      'IMAGE_TAG= compose -f docker-compose.prod.yml --env-file .env.production pull postgres migrate bot api frontend backup',
      'IMAGE_TAG=sha-1234567 compose -f docker-compose.prod.yml --env-file .env.production up --detach --wait',
    ]);
  });

  it('make restore without FILE says how to use it and changes nothing', async () => {
    const fake = fakeServer();
    copyFileSync(join(REPO_ROOT, 'Makefile'), join(fake.dir, 'Makefile'));
    const r = await exec('make', ['restore'], { cwd: fake.dir, env: fake.env });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/usage: make restore FILE=/);
    expect(fake.calls()).toEqual([]);
  });
});

describe('restore.sh', () => {
  const stepsOf = (calls: string[]) => calls.map((c) => c
    .replace(/^IMAGE_TAG=(\S*) /, '[$1] ')
    .replace(/--project-name \S+ /, ''));

  it('verifies, backs up, stops the writers, restores, migrates, starts and checks, at the running tag', async () => {
    const fake = fakeServer();
    mkdirSync(join(fake.dir, '.deploy'));
    writeFileSync(join(fake.dir, '.deploy', 'deployed-tag'), 'sha-7654321\n');
    const r = await exec('scripts/restore.sh', ['--yes', 'dialogstack-20261129T033000Z.dump'], { cwd: fake.dir, env: fake.env });
    expect({ code: r.code, err: r.code ? r.stderr : '' }).toEqual({ code: 0, err: '' });
    const at = '[sha-7654321]';
    expect(stepsOf(fake.calls())).toEqual([
      '[] compose version',
      `${at} compose up --detach --wait --wait-timeout 180 postgres`,
      `${at} compose ps --all --format {{.Service}}|{{.State}}|{{.Health}}|{{.ExitCode}} postgres`,
      `${at} compose ps --status running --quiet backup`,
      `${at} compose run --rm --no-deps -T backup dialogstack-backup list`,
      `${at} compose run --rm --no-deps -T backup dialogstack-backup verify dialogstack-20261129T033000Z.dump`,
      `${at} compose ps --status running --quiet backup`,
      `${at} compose run --rm --no-deps -T backup dialogstack-backup now --label pre-restore --if-not-empty`,
      `${at} compose stop bot api backup`,
      `${at} compose run --rm --no-deps -T backup dialogstack-backup restore dialogstack-20261129T033000Z.dump`,
      `${at} compose run --rm --no-deps --no-TTY migrate`,
      `${at} compose up --detach --wait --wait-timeout 180`,
      `${at} compose ps --all --format {{.Service}}|{{.State}}|{{.Health}}|{{.ExitCode}}`,
      'deploy-check --file docker-compose.prod.yml --env-file .env.production --expect-tag sha-7654321',
    ]);
    expect(r.stderr).toMatch(/restored +dialogstack-20261129T033000Z\.dump in \d+ s \(the database before it: dialogstack-20261130T101010Z\.dump\)/);
  });

  it('streams a file of this machine into the backup container', async () => {
    const fake = fakeServer();
    writeFileSync(join(fake.dir, 'old.dump'), 'PGDMP…');
    const r = await exec('scripts/restore.sh', ['--yes', 'old.dump'], { cwd: fake.dir, env: fake.env });
    expect(r.code).toBe(0);
    const calls = stepsOf(fake.calls()).join('\n');
    expect(calls).toMatch(/\[latest\] compose run --rm --no-deps -T backup dialogstack-backup verify -\n/);
    expect(calls).toMatch(/\[latest\] compose run --rm --no-deps -T backup dialogstack-backup restore -\n/);
    expect(calls).not.toMatch(/dialogstack-backup list/);
  });

  it('stops nothing when the archive does not verify', async () => {
    const fake = fakeServer();
    const r = await exec('scripts/restore.sh', ['--yes', 'dialogstack-20261129T033000Z.dump'], { cwd: fake.dir, env: { ...fake.env, FAKE_FAIL: 'verify' } });
    expect(r.code).toBe(RESTORE_EXIT.USAGE.code);
    expect(r.stderr).toMatch(/verify +FAILED: dialogstack-20261129T033000Z\.dump cannot be restored \(see above\); nothing changed/);
    expect(fake.calls().join('\n')).not.toMatch(/ stop /);
  });

  it('keeps the writers stopped and says what to do when the restore fails', async () => {
    const fake = fakeServer();
    const r = await exec('scripts/restore.sh', ['--yes', 'dialogstack-20261129T033000Z.dump'], { cwd: fake.dir, env: { ...fake.env, FAKE_FAIL: 'dialogstack-backup restore' } });
    expect(r.code).toBe(RESTORE_EXIT.RESTORE.code);
    expect(r.stderr).toMatch(/restore +FAILED: the database was not restored; bot api are stopped\. The database before: dialogstack-20261130T101010Z\.dump/);
    expect(fake.calls().join('\n')).not.toMatch(/migrate|up --detach --wait --wait-timeout 180\n/);
  });

  it('refuses without --yes when nobody can confirm, and names an unknown backup', async () => {
    const fake = fakeServer();
    const unconfirmed = await exec('scripts/restore.sh', ['dialogstack-20261129T033000Z.dump'], { cwd: fake.dir, env: fake.env });
    expect(unconfirmed.code).toBe(2);
    expect(unconfirmed.stderr).toMatch(/this replaces the database; add --yes to confirm/);
    const unknown = await exec('scripts/restore.sh', ['--yes', 'nope.dump'], { cwd: fake.dir, env: fake.env });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/no file nope\.dump here and no backup of that name in the volume/);
    expect(fake.calls().join('\n')).not.toMatch(/ stop /);
  });

  it('waits for no deploy: a held deploy lock refuses it (75)', async () => {
    const fake = fakeServer();
    mkdirSync(join(fake.dir, '.deploy'));
    const holder = spawn('flock', [join(fake.dir, '.deploy', 'lock'), 'sleep', '5']);
    await new Promise((r) => setTimeout(r, 300));
    const r = await exec('scripts/restore.sh', ['--yes', 'dialogstack-20261129T033000Z.dump'], { cwd: fake.dir, env: fake.env });
    holder.kill();
    expect(r.code).toBe(RESTORE_EXIT.LOCKED.code);
    expect(r.stderr).toMatch(/refused: a deploy or restore is running/);
  });
});

describe('backup.sh', () => {
  it('backs up in the running backup container, else in a one-off one', async () => {
    const fake = fakeServer();
    const running = await exec('scripts/backup.sh', [], { cwd: fake.dir, env: { ...fake.env, FAKE_BACKUP_RUNNING: '1' } });
    expect(running.stdout).toBe('dialogstack-20261130T101010Z.dump\n');
    const idle = await exec('scripts/backup.sh', ['now', '--label', 'before-upgrade'], { cwd: fake.dir, env: fake.env });
    expect(idle.code).toBe(0);
    const calls = fake.calls().join('\n');
    expect(calls).toMatch(/compose exec -T backup dialogstack-backup now$/m);
    expect(calls).toMatch(/compose run --rm --no-deps -T backup dialogstack-backup now --label before-upgrade$/m);
  });

  it('leaves stdin alone: commands pasted or piped after it still run (backup.sh, then restore.sh)', async () => {
    const fake = fakeServer();
    const r = await exec('bash', ['-s'], {
      cwd: fake.dir,
      env: { ...fake.env, FAKE_BACKUP_RUNNING: '1' },
      input: 'scripts/backup.sh now\nscripts/backup.sh list\nscripts/restore.sh --yes dialogstack-20261129T033000Z.dump\necho still-here\n',
    });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('dialogstack-20261130T101010Z.dump\ndialogstack-20261129T033000Z.dump\t2048\t+env\nstill-here\n');
  });

  it('refuses an unknown command', async () => {
    const fake = fakeServer();
    const r = await exec('scripts/backup.sh', ['delete-everything'], { cwd: fake.dir, env: fake.env });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown command: delete-everything/);
  });
});

describe('the backup runner', () => {
  const runner = join(REPO_ROOT, 'devops', 'backup', 'dialogstack-backup');

  /** keep_set from the runner, fed backup names (newest first): the ones it keeps. */
  async function keep(names: string[], daily: number, weekly: number): Promise<string[]> {
    const fn = readFileSync(runner, 'utf8').match(/^keep_set\(\) \{[\s\S]*?^\}/m)![0];
    const script = `${fn}\nSTACK_NAME=dialogstack; keep_daily=${daily}; keep_weekly=${weekly}\nkeep_set`;
    const r = await exec('bash', ['-c', script], { cwd: tmpdir(), input: `${names.join('\n')}\n` });
    return r.stdout.split('\n').filter(Boolean);
  }

  it('keeps the newest backup of each of the last N days and of each of the last M weeks', async () => {
    // Two a day from Monday 2026-11-02 to Sunday 2026-11-29 (ISO weeks 45-48), newest first.
    const names: string[] = [];
    for (let day = 29; day >= 2; day--) {
      for (const time of ['T200000Z', 'T033000Z']) names.push(`dialogstack-202611${String(day).padStart(2, '0')}${time}`);
    }
    const kept = await keep(names, 3, 3);
    expect(kept).toEqual([
      'dialogstack-20261129T200000Z', // newest of the 29th: also of week 48
      'dialogstack-20261128T200000Z',
      'dialogstack-20261127T200000Z',
      'dialogstack-20261122T200000Z', // newest of week 47
      'dialogstack-20261115T200000Z', // newest of week 46
    ]);
  });

  it('never prunes a labelled backup', async () => {
    expect(await keep(['dialogstack-20261129T033000Z', 'dialogstack-20261128T100000Z-pre-restore', 'dialogstack-20261101T033000Z'], 1, 0))
      .toEqual(['dialogstack-20261129T033000Z', 'dialogstack-20261128T100000Z-pre-restore']);
  });

  it('writes its state and metrics safely from two processes at once (backup.sh now beside the schedule)', async () => {
    const source = readFileSync(runner, 'utf8');
    const fn = (name: string) => source.match(new RegExp(`^${name}\\(\\) \\{[\\s\\S]*?^\\}`, 'm'))![0];
    const dir = mkdtempSync(join(tmpdir(), 'backup-runner-'));
    const script = [
      'set -euo pipefail',
      fn('state'), fn('backups_newest_first'), fn('write_metrics'),
      `STATE_DIR=${dir}/state RUN_DIR=${dir}/run BACKUP_DIR=${dir}/backups STACK_NAME=dialogstack offsite=`,
      'mkdir -p "$STATE_DIR" "$RUN_DIR/www" "$BACKUP_DIR"',
      'writer() { for _ in $(seq 60); do state failures "$1"; write_metrics; done; }',
      'writer 1 & a=$!; writer 2 & b=$!',
      'wait "$a"; wait "$b"',
      'ls "$RUN_DIR/www" "$STATE_DIR"',
    ].join('\n');
    const r = await exec('bash', ['-c', script], { cwd: dir });
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
    // Only the finished files remain: no temporary file left behind by either writer.
    expect(r.stdout.split('\n').filter((l) => l && !l.endsWith(':'))).toEqual(['metrics', 'failures']);
    expect(readFileSync(join(dir, 'run', 'www', 'metrics'), 'utf8')).toMatch(/^backup_failures_total [12]$/m);
  }, 120_000);

  it('is shellcheck-clean', async () => {
    const r = await exec('shellcheck', ['--shell', 'bash', '--severity', 'style', runner], { cwd: REPO_ROOT });
    expect(r.stdout).toBe('');
  });

  it('reads every production variable, so its env copy is the whole env file', () => {
    const compose = parse(synthesizedFiles()['docker-compose.prod.yml']);
    const template = synthesizedFiles()['.env.production.example'];
    const declared = [...template.matchAll(/^([A-Z_][A-Z0-9_]*)=/gm)].map((m) => m[1]).sort();
    const carried = Object.keys(compose.services.backup.environment).filter((k) => declared.includes(k)).sort();
    expect(carried).toEqual(declared);
    const copied = /^ENV_COPY_VARIABLES=\((.*)\)$/m.exec(readFileSync(runner, 'utf8'))![1].split(' ').sort();
    expect(copied).toEqual(declared);
  });
});

describe('server-bootstrap.sh', () => {
  const bootstrap = join(REPO_ROOT, 'scripts', 'server-bootstrap.sh');

  it('refuses bad arguments before touching anything', async () => {
    for (const [args, message] of [
      [['--allow-port', '70000'], /'70000' is not a TCP port/],
      [['--docker-source', 'snap'], /--docker-source must be auto, distro or docker/],
      [['--user', 'Root User'], /--user: 'Root User' is not a user name/],
      [['--frobnicate'], /unknown option: --frobnicate/],
    ] as const) {
      const r = await exec(bootstrap, [...args], { cwd: tmpdir() });
      expect({ args, code: r.code, message: message.test(r.stderr) }).toEqual({ args, code: 2, message: true });
    }
  });

  it('opens SSH and exactly the ports production publishes on every interface', async () => {
    const r = await exec(bootstrap, ['--help'], { cwd: tmpdir() });
    expect(r.code).toBe(0);
    const prod = parse(synthesizedFiles()['docker-compose.prod.yml']);
    const published = Object.values<{ ports?: string[] }>(prod.services).flatMap((s) => s.ports ?? [])
      .filter((p) => !p.startsWith('127.0.0.1:') && !p.endsWith('/udp')).map((p) => Number(/:-(\d+)\}/.exec(p)![1])).sort((a, b) => a - b);
    expect(r.stdout).toContain(`(${published.join(' ')}) only`);
    expect(readFileSync(bootstrap, 'utf8')).toContain(`PUBLIC_TCP_PORTS=(${published.join(' ')})`);
  });
});

describe('the model behind them', () => {
  const stack = dialogstack({ outdir: mkdtempSync(join(tmpdir(), 'ops-model-')) }).components.find((c): c is Stack => c instanceof Stack)!;
  const deployment = stack.node.findAll().find((c): c is Deployment => c instanceof Deployment)!;
  const backup = stack.node.findAll().find((c): c is Backup => c instanceof Backup)!;
  const monitoring = stack.node.findAll().find((c): c is Monitoring => c instanceof Monitoring)!;

  it('stops the services that use the database during a restore: bot and api, not the dashboard', () => {
    expect(databaseUsers(deployment, backup).map((s) => s.name)).toEqual(['bot', 'api']);
  });

  it('scrapes every long-running service that serves metrics, on its metrics port', () => {
    const config = parse(synthesizedFiles()['devops/prometheus/prometheus.yml']);
    type Job = { job_name: string; static_configs: { targets: string[] }[] };
    const jobs = Object.fromEntries(config.scrape_configs.map((j: Job) => [j.job_name, j.static_configs[0].targets]));
    expect(jobs).toEqual({
      prometheus: ['localhost:9090'],
      bot: ['bot:9464'],
      api: ['api:9464'],
      frontend: ['frontend:9464'],
      backup: ['backup:9464'],
    });
    expect(monitoring.jobs().map((j) => j.name)).toEqual(Object.keys(jobs));
  });

  it('publishes no metrics port in any rendering, and Prometheus on loopback only', () => {
    for (const file of ['docker-compose.yml', 'docker-compose.prod.yml']) {
      const compose = parse(synthesizedFiles()[file]);
      for (const [name, s] of Object.entries<{ ports?: string[] }>(compose.services)) {
        for (const port of s.ports ?? []) {
          expect({ file, name, port, metrics: port.endsWith(':9464') }).toEqual({ file, name, port, metrics: false });
          if (name === 'prometheus') expect(port).toMatch(/^127\.0\.0\.1:/);
        }
      }
    }
  });

  it('gives the server bootstrap the ports published on every interface (the proxy\'s)', () => {
    // Only the proxy: api and dashboard are behind it.
    expect(publicPorts(deployment)).toEqual([80, 443]);
  });
});

describe('validation of the operations constructs', () => {
  const recipe = (df: Dockerfile) => { df.addStage('runtime', 'node:24-trixie-slim').user('node').cmd(['node']); };
  function fixture() {
    const project = new Project({ name: 'ops-fixture', outdir: mkdtempSync(join(tmpdir(), 'ops-fixture-')) });
    const stack = new Stack(project, 'Stack', { name: 'fixture', registry: { owner: 'acme', repository: 'shop' } });
    const image = stack.addImage('db', { description: 'db', context: ['x'], port: 5432, healthCheck: httpHealthCheck('/'), recipe });
    const user = stack.addVariable('DB_USER', { description: 'u', default: 'postgres' });
    const password = stack.addVariable('DB_PASSWORD', { description: 'p', required: true, secret: true });
    const name = stack.addVariable('DB_NAME', { description: 'n', default: 'app' });
    const db = stack.addService('db', { description: 'db', image, env: { DB_USER: user, DB_PASSWORD: password, DB_NAME: name } });
    const prod = new StackCompose(stack, 'ComposeProd', { rendering: 'prod', description: 'prod' });
    const envTemplate = new EnvTemplate(stack, '.env.production.example', { rendering: 'prod', description: 'prod' });
    return { project, stack, db, prod, envTemplate, database: { service: db, superuser: user, superuserPassword: password, name } };
  }

  it('rejects a Backup declared before a variable it would not carry', () => {
    const f = fixture();
    new Backup(f.stack, 'Backup', { database: f.database, envTemplate: f.envTemplate, metricsPort: 9464 });
    f.stack.addVariable('LATE_SETTING', { description: 'declared after the Backup', default: 'x', renderings: ['prod'] });
    expect(() => f.project.synth()).toThrow(/Stack\/Backup: the copy of \.env\.production would miss LATE_SETTING, declared after the Backup/);
  });

  it('rejects alert rules with the same name or a malformed duration', () => {
    const f = fixture();
    new AlertRulesFile(f.stack, 'alerts.yml', {
      description: 'x',
      group: 'g',
      rules: [
        { name: 'Down', expr: 'up == 0', for: '5m', severity: 'page', summary: 's', description: 'd' },
        { name: 'Down', expr: 'up == 0', for: 'five minutes', severity: 'page', summary: 's', description: 'd' },
      ],
    });
    const message = (() => { try { f.project.synth(); } catch (err) { return (err as Error).message; } return ''; })();
    expect(message).toMatch(/alerts\.yml: alert 'Down' is defined twice/);
    expect(message).toMatch(/alerts\.yml: alert 'Down' has 'for: five minutes'; use a duration such as 10m/);
  });

  it('scrapes a service of the monitored profile, not one of another profile', () => {
    const f = fixture();
    const metered = f.stack.addImage('app', { description: 'app', context: ['x'], port: 8080, metrics: { port: 9464 }, recipe });
    f.stack.addService('app', { description: 'app', image: metered, env: { X: envVar('X', { description: 'x', default: '1' }) } });
    f.stack.addService('demo', { description: 'demo', image: metered, profiles: ['demo'] });
    const monitoring = new Monitoring(f.stack, 'Monitoring', { alertRules: [] });
    expect(monitoring.jobs().map((j) => `${j.name} ${j.targets.join(',')}`)).toEqual(['prometheus localhost:9090', 'app app:9464']);
  });
});

