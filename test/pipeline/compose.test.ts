import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { REPO_ROOT, synthesizedFiles } from '../support/synth';

const files = synthesizedFiles();
const dev = parse(files['docker-compose.yml']);
const prod = parse(files['docker-compose.prod.yml']);

/** `docker compose config` validates against the Compose Specification schema built into compose (offline). */
function composeConfig(file: string, env: Record<string, string> = {}, envFile = writeEnvFile(env)): Record<string, any> {
  try {
    const out = execFileSync('docker', ['compose', '--env-file', envFile, '-f', join(REPO_ROOT, file), 'config', '--format', 'json'], {
      // Not the repository: a developer's own .env there must not fill in what the test leaves out.
      cwd: tmpdir(), encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'],
    });
    return JSON.parse(out);
  } catch (err) {
    throw new Error(String((err as { stderr?: unknown }).stderr ?? err));
  }
}

function writeEnvFile(env: Record<string, string>): string {
  const envFile = join(mkdtempSync(join(tmpdir(), 'compose-config-')), 'env');
  writeFileSync(envFile, Object.entries(env).map(([k, v]) => `${k}=${v}`).join('\n'));
  return envFile;
}

/** Every secret `make env` generates, filled in. */
const DEV_SECRETS = Object.fromEntries(
  files['.env.example'].split('\n').filter((l, i, all) => /^[A-Z_]+=$/.test(l) && /generate:/.test(all[i - 1] ?? '')).map((l) => [l.slice(0, -1), 'x']),
);

const PROD_SECRETS = Object.fromEntries(
  files['.env.production.example'].split('\n').filter((l) => /^[A-Z_]+=$/.test(l)).map((l) => [l.slice(0, -1), 'x']),
);

/** The .env that `make env` writes: .env.example with the generated secrets filled in. */
function madeEnv(): string {
  const envFile = join(mkdtempSync(join(tmpdir(), 'make-env-')), '.env');
  writeFileSync(`${envFile}.example`, files['.env.example']);
  execFileSync(join(REPO_ROOT, 'scripts/init-env.sh'), [`${envFile}.example`, envFile], { stdio: 'pipe' });
  return envFile;
}

describe('docker-compose.yml (dev)', () => {
  it('refuses to start without .env, naming the missing secret and make env', () => {
    expect(() => composeConfig('docker-compose.yml')).toThrow(/required variable [A-Z_]+_(PASSWORD|TOKEN|SECRET) is missing a value: run make env to create \.env/);
  });

  it('is valid with the .env that make env creates (no bot token or LLM key needed to start)', () => {
    expect(Object.keys(composeConfig('docker-compose.yml', {}, madeEnv()).services)).toEqual(
      expect.arrayContaining(['postgres', 'migrate', 'bot', 'api', 'frontend']),
    );
  });

  it('binds published ports to loopback and makes them configurable', () => {
    const cfg = composeConfig('docker-compose.yml', { ...DEV_SECRETS, API_PORT: '14000' });
    expect(cfg.services.api.ports[0]).toMatchObject({ host_ip: '127.0.0.1', published: '14000', target: 4000 });
    expect(cfg.services.postgres.ports[0]).toMatchObject({ host_ip: '127.0.0.1' });
  });

  it('runs migrations once, before bot and api, and nothing else runs them', () => {
    expect(dev.services.migrate.restart).toBe('no');
    for (const s of ['bot', 'api']) {
      expect(dev.services[s].depends_on.migrate.condition).toBe('service_completed_successfully');
      expect(JSON.stringify(dev.services[s].command ?? [])).not.toMatch(/migrate/);
    }
    expect(dev.services.migrate.depends_on.postgres.condition).toBe('service_healthy');
  });

  it('gives every long-running service a health check, init and one network', () => {
    for (const [name, s] of Object.entries<any>(dev.services)) {
      expect(s.init).toBe(true);
      expect(s.networks).toEqual(['dialogstack']);
      // One-shots (migrate, the demo history) exit when done: nothing to check.
      if (s.restart !== 'no') expect({ name, test: s.healthcheck.test[0] }).toEqual({ name, test: 'CMD' });
    }
  });

  it('keeps the demo fakes behind the demo profile', () => {
    for (const s of ['telegram', 'llm', 'history', 'traffic']) expect(dev.services[s].profiles).toEqual(['demo']);
    for (const s of ['postgres', 'migrate', 'bot', 'api', 'frontend']) expect(dev.services[s].profiles).toBeUndefined();
  });

  it('writes the demo history once, after migrations and before the simulated users start', () => {
    expect(dev.services.history).toMatchObject({ restart: 'no', depends_on: { migrate: { condition: 'service_completed_successfully' } } });
    expect(dev.services.traffic.depends_on.history.condition).toBe('service_completed_successfully');
    // The writer role, like the bot's.
    expect(dev.services.history.environment.DATABASE_URL).toBe(dev.services.bot.environment.DATABASE_URL);
  });
});

describe('docker-compose.prod.yml', () => {
  it('is valid for compose with a filled .env.production', () => {
    const cfg = composeConfig('docker-compose.prod.yml', PROD_SECRETS);
    expect(cfg.services.api.image).toBe('ghcr.io/dialogstack/dialogstack/api:latest');
  });

  it('refuses to render when a required secret is missing, naming it', () => {
    const { API_TOKEN: _, ...missing } = PROD_SECRETS;
    expect(() => composeConfig('docker-compose.prod.yml', missing)).toThrow(/API_TOKEN/);
  });

  it('pulls images by IMAGE_PREFIX and IMAGE_TAG and never builds', () => {
    const cfg = composeConfig('docker-compose.prod.yml', { ...PROD_SECRETS, IMAGE_PREFIX: 'registry.local/x/y', IMAGE_TAG: 'sha-abc1234' });
    for (const [name, s] of Object.entries<any>(cfg.services)) {
      expect(s.build).toBeUndefined();
      if (name === 'proxy') {
        expect(s.image).toBe('caddy:2');
        continue;
      }
      expect(s.image).toMatch(new RegExp('^registry.local/x/y/(bot|api|frontend|postgres|backup|prometheus):sha-abc1234$'));
      expect(name).not.toMatch(/telegram|llm|traffic/);
    }
  });

  it('proxies webhook posts to the bot so that a copy starting or stopping can only refuse them: buffered (1 MB at most), a new connection each', () => {
    const caddyfile = files['devops/Caddyfile'];
    // Each reverse_proxy block (up to the next one): its upstream, and how it sends requests.
    const blocks = caddyfile.split(/reverse_proxy \{/).slice(1).map((b) => ({
      name: /name (\w+)/.exec(b)![1], buffered: /^\t+buffer_requests$/m.test(b), keepaliveOff: /^\t+keepalive off$/m.test(b),
    }));
    expect(blocks).toEqual([
      { name: 'bot', buffered: true, keepaliveOff: true },
      { name: 'api', buffered: false, keepaliveOff: false },
      { name: 'frontend', buffered: false, keepaliveOff: false },
    ]);
    expect(caddyfile).toMatch(/handle \/telegram\/\* \{\n\t\trequest_body \{\n\t\t\tmax_size 1MB\n\t\t\}\n\t\treverse_proxy \{/);
    expect(prod.configs.caddyfile.content).toContain('buffer_requests');
  });

  it('publishes only the proxy (80, 443, 443/udp), limits resources and rotates logs', () => {
    // On every interface: the proxy alone (Prometheus is on loopback, for an SSH tunnel).
    const published = Object.entries<any>(prod.services)
      .filter(([, s]) => (s.ports ?? []).some((p: string) => !p.startsWith('127.0.0.1:'))).map(([name]) => name);
    expect(published).toEqual(['proxy']);
    expect(prod.services.proxy.ports).toEqual(['${HTTP_PORT:-80}:80', '${HTTPS_PORT:-443}:443', '${HTTPS_PORT:-443}:443/udp']);
    for (const s of Object.values<any>(prod.services)) {
      expect(s.deploy.resources.limits.memory).toMatch(/^\d+M$/);
      expect(s.logging.options).toMatchObject({ 'max-size': '10m', 'max-file': '3' });
    }
  });

  it('has the same services, commands and health checks as the dev file (one model, two renderings)', () => {
    // Production operations have no place on a developer's machine.
    // The edge proxy fronts production only; dev keeps loopback ports.
    const prodNames = Object.keys(prod.services).filter((name) => !['backup', 'prometheus', 'proxy'].includes(name));
    expect(Object.keys(prod.services).filter((name) => !(name in dev.services)).sort()).toEqual(['backup', 'prometheus', 'proxy']);
    for (const name of prodNames) {
      expect(prod.services[name].command).toEqual(dev.services[name].command);
      expect(prod.services[name].healthcheck).toEqual(dev.services[name].healthcheck);
      expect(Object.keys(prod.services[name].environment ?? {})).toEqual(Object.keys(dev.services[name].environment ?? {}));
    }
  });
});
