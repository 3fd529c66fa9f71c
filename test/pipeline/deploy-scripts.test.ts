import { execFile, spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { AddressInfo, createServer as createTcpServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEPLOY_CHECK_EXIT, DEPLOY_EXIT, REMOTE_DEPLOY_EXIT } from '../../projenrc';
import { REPO_ROOT } from '../support/synth';

/**
 * The deploy scripts' behaviour that needs no Docker and no server: arguments, the lock,
 * reading the env file, the SSH side's failures and summary, the Telegram notification. The
 * deploy e2e (e2e/deploy.e2e.test.ts) runs them for real against an sshd and Docker.
 */
interface Result { code: number; stdout: string; stderr: string }

function script(name: string, args: string[], opts: { env?: Record<string, string>; cwd?: string; input?: string } = {}): Promise<Result> {
  return new Promise((resolve) => {
    const child = spawn(join(REPO_ROOT, 'scripts', name), args, {
      cwd: opts.cwd ?? mkdtempSync(join(tmpdir(), 'deploy-script-')),
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

function bash(code: string, env: Record<string, string> = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('bash', ['-c', code], { env: { PATH: process.env.PATH!, ...env } }, (err, stdout, stderr) =>
      (err ? reject(new Error(stderr || err.message)) : resolve(stdout)));
  });
}

describe('settings.bash: variables as compose resolves them', () => {
  const fragment = join(REPO_ROOT, 'projenrc/scripts/bash/settings.bash');
  const envFile = join(mkdtempSync(join(tmpdir(), 'settings-')), '.env.production');
  writeFileSync(envFile, [
    '# API_PORT=1',
    'API_PORT=4100',
    'QUOTED="with spaces"',
    "SINGLE='x y'",
    'COMMENTED=abc # a note',
    'CRLF=value\r',
    'EMPTY=',
    'API_PORT=4200',
  ].join('\n'));
  const setting = (name: string, def = '', env: Record<string, string> = {}) =>
    bash(`set -euo pipefail; . '${fragment}'; env_file='${envFile}'; setting ${name} '${def}'`, env);

  it('reads the last assignment of the env file, unquoting and dropping comments and CR', async () => {
    expect(await setting('API_PORT')).toBe('4200');
    expect(await setting('QUOTED')).toBe('with spaces');
    expect(await setting('SINGLE')).toBe('x y');
    expect(await setting('COMMENTED')).toBe('abc');
    expect(await setting('CRLF')).toBe('value');
  });

  it('prefers the environment, and treats empty or missing as unset', async () => {
    expect(await setting('API_PORT', '', { API_PORT: '9' })).toBe('9');
    expect(await setting('EMPTY', 'fallback')).toBe('fallback');
    expect(await setting('MISSING', 'fallback')).toBe('fallback');
  });
});

describe('scripts/deploy.sh without a server', () => {
  it('documents its options and exit codes', async () => {
    const r = await script('deploy.sh', ['--help']);
    expect(r.code).toBe(0);
    for (const c of Object.values(DEPLOY_EXIT)) expect(r.stdout).toContain(c.meaning);
  });

  it.each([
    [['sha-1234567', 'sha-7654321'], /one TAG only/],
    [[], /which TAG\?/],
    [['bad tag'], /'bad tag' is not a valid image tag/],
    [['--wait-timeout', 'soon', 'sha-1234567'], /--wait-timeout needs a number/],
    [['--frobnicate', 'sha-1234567'], /unknown option: --frobnicate/],
  ])('refuses %j with a usage error', async (args, message) => {
    const r = await script('deploy.sh', args);
    expect(r.code).toBe(DEPLOY_EXIT.USAGE.code);
    expect(r.stderr).toMatch(message);
  });

  it('refuses to run while another deploy holds the lock, and says who holds it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'deploy-lock-'));
    mkdirSync(join(dir, '.deploy'));
    const holder = spawn('flock', ['--no-fork', '.deploy/lock', 'sh', '-c', 'echo "sha-aaaaaaa, pid 42, since then" > .deploy/lock.owner; echo held; exec sleep 60'],
      { cwd: dir, detached: true, stdio: ['ignore', 'pipe', 'ignore'] });
    try {
      await new Promise((resolve) => holder.stdout!.once('data', resolve));
      const r = await script('deploy.sh', ['sha-1234567'], { cwd: dir });
      expect(r.code).toBe(DEPLOY_EXIT.LOCKED.code);
      expect(r.stdout).toMatch(/refused: another deploy is running \(sha-aaaaaaa, pid 42, since then\)/);
      // The refused run leaves the holder's record alone.
      expect(readFileSync(join(dir, '.deploy/lock.owner'), 'utf8')).toContain('pid 42');
    } finally {
      process.kill(-holder.pid!, 'SIGTERM');
    }
  });
});

describe('scripts/deploy.sh preflight', () => {
  /** A deploy directory with the compose file, the env file at `mode`, and a docker that says yes to everything. */
  function deployDir(mode: number): { dir: string; env: Record<string, string> } {
    const dir = mkdtempSync(join(tmpdir(), 'deploy-preflight-'));
    const bin = join(dir, 'bin');
    mkdirSync(bin);
    writeFileSync(join(bin, 'docker'), '#!/bin/sh\nexit 0\n', { mode: 0o755 });
    writeFileSync(join(dir, 'docker-compose.prod.yml'), 'services: {}\n');
    writeFileSync(join(dir, '.env.production'), 'API_TOKEN=secret\n');
    chmodSync(join(dir, '.env.production'), mode);
    return { dir, env: { PATH: `${bin}:${process.env.PATH}` } };
  }

  it.each(['644', '640', '604'])('refuses an env file other users may read (mode %s), naming the chmod that fixes it', async (mode) => {
    const { dir, env } = deployDir(parseInt(mode, 8));
    const r = await script('deploy.sh', ['sha-1234567'], { cwd: dir, env });
    expect(r.code).toBe(DEPLOY_EXIT.PREFLIGHT.code);
    expect(r.stdout).toContain(`preflight FAILED: .env.production is open to other users (mode ${mode}); run: chmod 600 .env.production`);
    expect(r.stdout).not.toMatch(/^\S+ pull /m);
  });

  it.each([
    ['another host', 'https://bot.example.com/telegram/webhook'],
    ['another path', 'https://api.example.com/hook'],
    ['plain HTTP', 'http://api.example.com/telegram/webhook'],
  ])('refuses a webhook URL the proxy would not route to the bot (%s)', async (_, url) => {
    const { dir, env } = deployDir(0o600);
    const settings = { API_HOST: 'api.example.com', DASHBOARD_HOST: 'dashboard.example.com', TLS_ISSUER: 'internal', TELEGRAM_WEBHOOK_URL: url };
    writeFileSync(join(dir, '.env.production'), Object.entries(settings).map(([k, v]) => `${k}=${v}\n`).join(''));
    const r = await script('deploy.sh', ['sha-1234567'], { cwd: dir, env });
    expect(r.code).toBe(DEPLOY_EXIT.PREFLIGHT.code);
    expect(r.stdout).toContain(`preflight FAILED: TELEGRAM_WEBHOOK_URL='${url}' in .env.production: the proxy serves it at https://$API_HOST/telegram/... (here https://api.example.com/telegram/...)`);
  });
});

describe('scripts/deploy-check.sh without a server', () => {
  it('documents the options derived from the stack and every exit code', async () => {
    const r = await script('deploy-check.sh', ['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/--api-url URL/);
    expect(r.stdout).toMatch(/--frontend-url URL/);
    expect(r.stdout).toMatch(/--api-token VALUE/);
    for (const c of Object.values(DEPLOY_CHECK_EXIT)) expect(r.stdout).toContain(c.meaning);
    expect(r.stdout).toMatch(/15 {2}failed: bot health/);
  });

  it.each([
    [['--bogus'], /unknown option: --bogus/],
    [['--api-url'], /--api-url needs a value/],
  ])('refuses %j with a usage error', async (args, message) => {
    const r = await script('deploy-check.sh', args);
    expect(r.code).toBe(DEPLOY_CHECK_EXIT.USAGE.code);
    expect(r.stderr).toMatch(message);
  });
});

describe('scripts/remote-deploy.sh without a server', () => {
  it('names every missing setting at once', async () => {
    const r = await script('remote-deploy.sh', ['deploy']);
    expect(r.code).toBe(REMOTE_DEPLOY_EXIT.USAGE.code);
    expect(r.stderr).toMatch(/missing SSH_HOST, SSH_USER, SSH_KEY \(or SSH_KEY_FILE\), SSH_KNOWN_HOSTS \(or SSH_KNOWN_HOSTS_FILE\)/);
  });

  it('fails with ssh\'s code when the server does not answer, and still writes the summary and outputs', async () => {
    const closed = await new Promise<number>((resolve) => {
      const srv = createTcpServer().listen(0, '127.0.0.1', () => {
        const { port } = srv.address() as AddressInfo;
        srv.close(() => resolve(port));
      });
    });
    const dir = mkdtempSync(join(tmpdir(), 'remote-deploy-'));
    const r = await script('remote-deploy.sh', ['deploy'], {
      env: {
        SSH_HOST: '127.0.0.1',
        SSH_PORT: String(closed),
        SSH_USER: 'deploy',
        SSH_KEY: 'not a key',
        SSH_KNOWN_HOSTS: `[127.0.0.1]:${closed} ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBogusBogusBogusBogusBogusBogusBogusBogus`,
        IMAGE_TAG: 'sha-1234567',
        DEPLOY_ENVIRONMENT: 'staging',
        GITHUB_OUTPUT: join(dir, 'output'),
        GITHUB_STEP_SUMMARY: join(dir, 'summary'),
      },
    });
    expect(r.code).toBe(REMOTE_DEPLOY_EXIT.SSH.code);
    const outputs = readFileSync(join(dir, 'output'), 'utf8');
    expect(outputs).toContain('tag=sha-1234567\n');
    expect(outputs).toContain(`exit-code=${REMOTE_DEPLOY_EXIT.SSH.code}\n`);
    expect(outputs).toMatch(/^message=❌ dialogstack sha-1234567 -> staging: ssh failed/m);
    expect(readFileSync(join(dir, 'summary'), 'utf8')).toMatch(/\| result \| ssh failed: connection, authentication or host key verification \(exit 255\) \|/);
  });

  it('defaults the tag to the sha- tag of the commit', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'remote-deploy-'));
    await script('remote-deploy.sh', ['deploy'], {
      env: {
        SSH_HOST: '127.0.0.1',
        SSH_PORT: '1',
        SSH_USER: 'deploy',
        SSH_KEY: 'x',
        SSH_KNOWN_HOSTS: 'x',
        GITHUB_SHA: '0123456789abcdef0123456789abcdef01234567',
        GITHUB_OUTPUT: join(dir, 'output'),
      },
    });
    expect(readFileSync(join(dir, 'output'), 'utf8')).toContain('tag=sha-0123456\n');
  });
});

describe('scripts/notify-telegram.sh', () => {
  it('skips quietly when the chat is not configured', async () => {
    const r = await script('notify-telegram.sh', ['hello'], { env: { TELEGRAM_NOTIFY_TOKEN: '123:abc' } });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/skipped/);
  });

  it('posts the lines to the Bot API\'s sendMessage, and reports a refusal without the token', async () => {
    const requests: { url: string; body: URLSearchParams }[] = [];
    let answer = { ok: true };
    const api = createServer((req, res) => {
      let body = '';
      req.on('data', (d) => { body += d; });
      req.on('end', () => {
        requests.push({ url: req.url!, body: new URLSearchParams(body) });
        res.writeHead(answer.ok ? 200 : 401, { 'content-type': 'application/json' }).end(JSON.stringify(answer));
      });
    });
    await new Promise<void>((resolve) => api.listen(0, '127.0.0.1', resolve));
    const env = {
      TELEGRAM_NOTIFY_TOKEN: '123456:secret-token',
      TELEGRAM_NOTIFY_CHAT_ID: '-100200300',
      TELEGRAM_NOTIFY_API_ROOT: `http://127.0.0.1:${(api.address() as AddressInfo).port}`,
    };
    try {
      const sent = await script('notify-telegram.sh', ['✅ deployed sha-1234567', 'https://example.test/run/1'], { env });
      expect(sent.code).toBe(0);
      expect(requests[0].url).toBe('/bot123456:secret-token/sendMessage');
      expect(requests[0].body.get('chat_id')).toBe('-100200300');
      expect(requests[0].body.get('text')).toBe('✅ deployed sha-1234567\nhttps://example.test/run/1');

      answer = { ok: false, description: 'Unauthorized' } as typeof answer;
      const refused = await script('notify-telegram.sh', ['x'], { env });
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(/refused the message: .*Unauthorized/);
      expect(`${refused.stdout}${refused.stderr}`).not.toContain('secret-token');
    } finally {
      api.close();
    }
  });
});
