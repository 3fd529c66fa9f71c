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
function composeConfig(file: string, env: Record<string, string> = {}): Record<string, any> {
  const dir = mkdtempSync(join(tmpdir(), 'compose-config-'));
  const envFile = join(dir, 'env');
  writeFileSync(envFile, Object.entries(env).map(([k, v]) => `${k}=${v}`).join('\n'));
  const out = execFileSync('docker', ['compose', '--env-file', envFile, '-f', join(REPO_ROOT, file), 'config', '--format', 'json'], {
    cwd: REPO_ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'],
  });
  return JSON.parse(out);
}

const PROD_SECRETS = Object.fromEntries(
  files['.env.production.example'].split('\n').filter((l) => /^[A-Z_]+=$/.test(l)).map((l) => [l.slice(0, -1), 'x']),
);

describe('docker-compose.yml (dev)', () => {
  it('is valid for compose with no .env at all', () => {
    expect(Object.keys(composeConfig('docker-compose.yml').services)).toEqual(
      expect.arrayContaining(['postgres', 'migrate', 'bot', 'api', 'frontend']),
    );
  });

  it('binds published ports to loopback and makes them configurable', () => {
    const cfg = composeConfig('docker-compose.yml', { API_PORT: '14000' });
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
      expect(s.image).toMatch(new RegExp('^registry.local/x/y/(bot|api|frontend|postgres|backup|prometheus):sha-abc1234$'));
      expect(name).not.toMatch(/telegram|llm|traffic/);
    }
  });

  it('does not publish the database port, limits resources and rotates logs', () => {
    expect(prod.services.postgres.ports).toBeUndefined();
    for (const s of Object.values<any>(prod.services)) {
      expect(s.deploy.resources.limits.memory).toMatch(/^\d+M$/);
      expect(s.logging.options).toMatchObject({ 'max-size': '10m', 'max-file': '3' });
    }
  });

  it('has the same services, commands and health checks as the dev file (one model, two renderings)', () => {
    // Production operations have no place on a developer's machine.
    const prodNames = Object.keys(prod.services).filter((name) => name !== 'backup' && name !== 'prometheus');
    expect(Object.keys(prod.services).filter((name) => !(name in dev.services)).sort()).toEqual(['backup', 'prometheus']);
    for (const name of prodNames) {
      expect(prod.services[name].command).toEqual(dev.services[name].command);
      expect(prod.services[name].healthcheck).toEqual(dev.services[name].healthcheck);
      expect(Object.keys(prod.services[name].environment ?? {})).toEqual(Object.keys(dev.services[name].environment ?? {}));
    }
  });
});
