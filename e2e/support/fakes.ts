import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { REPO_ROOT } from './docker';

/** The demo profile's stand-ins for the two SaaS APIs we cannot reach from tests. */
export const FAKE_SERVICES = ['telegram', 'llm'] as const;

/**
 * A compose override that adds the Telegram emulator and the LLM stub to another compose
 * project (e.g. docker-compose.prod.yml). The service definitions are taken from
 * docker-compose.yml at test time, so they cannot drift from the demo profile.
 */
export function writeFakesOverride(): string {
  const dev = parse(readFileSync(join(REPO_ROOT, 'docker-compose.yml'), 'utf8'));
  const services = Object.fromEntries(FAKE_SERVICES.map((name) => {
    const { profiles: _profiles, build, ...rest } = dev.services[name];
    return [name, { ...rest, build: { ...build, context: REPO_ROOT } }];
  }));
  const file = join(mkdtempSync(join(tmpdir(), 'fakes-')), 'fakes.compose.yml');
  writeFileSync(file, stringify({ services }));
  return file;
}

export const DEMO_ENV_FILE = join(REPO_ROOT, 'devops', 'demo.env');
