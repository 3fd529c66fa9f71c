import { readFileSync } from 'node:fs';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { parse } from 'yaml';
import { ACTION_PIN_PATTERN, ALL_ACTIONS, BASE_IMAGE_PATTERN, BaseImages, NPM_DEPENDENCY_PATTERN, POST_UPGRADE_COMMANDS, TYPESCRIPT_VERSION_PATTERN } from '../../projenrc';
import { recordedPins, staleRuntimes, withRuntimes } from '../../scripts/action-runtimes';
import { REPO_ROOT, synthesizedFiles } from '../support/synth';

const files = synthesizedFiles();
// JSON5 allows comments; the file is JSON below its comment header.
const config = JSON.parse(files['.github/renovate.json5'].replace(/^\/\/.*\n/gm, ''));
const workflow = parse(files['.github/workflows/renovate.yml']);
const source = (path: string) => readFileSync(join(REPO_ROOT, path), 'utf8');
const matches = (pattern: string, text: string) => [...text.matchAll(new RegExp(pattern, 'g'))].map((m) => m.groups!);

describe('Renovate: versions are updated where they live', () => {
  it('finds every action pin, with its release and SHA', () => {
    const found = matches(ACTION_PIN_PATTERN, source('projenrc/github/actions.ts'));
    expect(found.map((g) => `${g.depName}@${g.currentDigest} ${g.currentValue}`).sort())
      .toEqual(ALL_ACTIONS.map((a) => `${a.uses} ${a.version}`).sort());
  });

  it('finds every base image, with its tag and digest', () => {
    const found = matches(BASE_IMAGE_PATTERN, source('projenrc/base-images.ts'));
    expect(found.map((g) => `${g.depName}:${g.currentValue}@${g.currentDigest}`).sort())
      .toEqual(Object.values(BaseImages).map((i) => i.default).sort());
  });

  it('finds, in .projenrc.ts, every npm version that projen writes into a package.json', () => {
    const text = source('.projenrc.ts');
    const declared = new Map(matches(NPM_DEPENDENCY_PATTERN, text).map((g) => [`${g.depName}`, g.currentValue]));
    const typescript = matches(TYPESCRIPT_VERSION_PATTERN, text)[0].currentValue;
    const manifests = Object.keys(files).filter((f) => /^(src\/[a-z]+\/)?package\.json$/.test(f));
    let checked = 0;
    for (const path of manifests) {
      const pkg = JSON.parse(source(path)); // as committed: after synth and install
      for (const deps of [pkg.dependencies, pkg.devDependencies]) {
        for (const [name, range] of Object.entries<string>(deps ?? {})) {
          if (name.startsWith('@dialogstack/')) continue; // the workspaces themselves
          let expected = name === 'typescript' ? typescript : declared.get(name);
          // projen writes its own exact version as a caret range.
          if (name === 'projen' && expected) expected = `^${expected}`;
          // projen adds its own tooling (eslint, ts-node...) at versions it chooses: not ours to update.
          if (expected === undefined) continue;
          expect({ path, name, range }).toEqual({ path, name, range: expected });
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(40);
  });

  it('leaves synthesized files to the synthesizer: no github-actions or dockerfile manager, no package.json edits', () => {
    expect(config.enabledManagers).toEqual(['npm', 'custom.regex']);
    const npmRule = config.packageRules.find((r: any) => r.matchManagers?.includes('npm'));
    expect(npmRule).toMatchObject({ enabled: false });
    expect(npmRule.matchUpdateTypes).not.toContain('lockFileMaintenance');
    expect(config.lockFileMaintenance).toMatchObject({ enabled: true });
  });

  it('re-synthesizes on the bot branch with exactly the commands the bot is allowed to run', () => {
    expect(config.postUpgradeTasks).toEqual({ commands: [...POST_UPGRADE_COMMANDS], fileFilters: ['**/*'], executionMode: 'branch' });
    expect(config.postUpgradeTasks.commands[config.postUpgradeTasks.commands.length - 1]).toBe('npx projen');
    const allowed: string[] = JSON.parse(workflow.jobs.renovate.steps[0].env.RENOVATE_ALLOWED_COMMANDS);
    expect(allowed).toHaveLength(POST_UPGRADE_COMMANDS.length);
    for (const command of POST_UPGRADE_COMMANDS) {
      expect(allowed.filter((re) => new RegExp(re).test(command))).toHaveLength(1);
      expect(allowed.some((re) => new RegExp(re).test(`${command} && curl evil`))).toBe(false);
    }
  });

  it('groups and schedules updates so that each pull request is reviewable', () => {
    expect(config.schedule).toEqual(['before 6am on Monday']);
    expect(config.minimumReleaseAge).toBe('3 days');
    const group = (name: string) => config.packageRules.find((r: any) => r.groupName === name);
    expect(group('GitHub Actions').matchFileNames).toEqual(['projenrc/github/actions.ts']);
    expect(group('base image digests').matchUpdateTypes).toEqual(['digest']);
    expect(group('npm minor and patch').matchUpdateTypes).toEqual(['minor', 'patch']);
    const node = config.packageRules.find((r: any) => r.matchDepNames?.includes('node'));
    expect(new RegExp(node.allowedVersions.slice(1, -1)).test('26-trixie-slim')).toBe(true);
    expect(new RegExp(node.allowedVersions.slice(1, -1)).test('25-trixie-slim')).toBe(false);
    const postgres = config.packageRules.find((r: any) => r.matchDepNames?.includes('postgres'));
    expect(postgres).toMatchObject({ matchUpdateTypes: ['major'], enabled: false });
  });

  it('runs self-hosted on a weekly schedule with its own token, never GITHUB_TOKEN', () => {
    expect(workflow.on.schedule).toEqual([{ cron: '0 4 * * 1' }]);
    expect(workflow.jobs.renovate.permissions).toEqual({ contents: 'read' });
    expect(workflow.jobs.renovate.steps[0].with.token).toBe('${{ secrets.RENOVATE_TOKEN }}');
    expect(workflow.concurrency).toEqual({ 'group': 'renovate', 'cancel-in-progress': false });
  });
});

describe('scripts/action-runtimes.ts', () => {
  let server: Server;
  let baseUrl: string;
  const served: Record<string, string> = {};

  beforeAll(async () => {
    server = createServer((req, res) => {
      const body = served[req.url ?? ''];
      res.writeHead(body === undefined ? 404 : 200).end(body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  const sha = (c: string) => c.repeat(40);
  const text = [
    `  a: action('o/one', 'v2.0.0', '${sha('a')}', 'node20'),`,
    `  b: action('o/two', 'v1.1.0', '${sha('b')}', 'node24'),`,
    `  c: action('o/mono/sub', 'v3.0.0', '${sha('c')}', 'composite'),`,
  ].join('\n');

  it('reads the pins with the pattern Renovate uses', () => {
    expect(recordedPins(text).map((p) => [p.repository, p.version, p.runtime])).toEqual([
      ['o/one', 'v2.0.0', 'node20'], ['o/two', 'v1.1.0', 'node24'], ['o/mono/sub', 'v3.0.0', 'composite'],
    ]);
  });

  it('finds a recorded runtime that differs from action.yml at the pinned commit, and rewrites only that one', async () => {
    served[`/o/one/${sha('a')}/action.yml`] = 'name: one\nruns:\n  using: node24\n  main: index.js\n';
    served[`/o/two/${sha('b')}/action.yaml`] = "runs:\n  using: 'node24'\n";
    served[`/o/mono/${sha('c')}/sub/action.yml`] = 'runs:\n  using: composite\n  steps: []\n';
    const stale = await staleRuntimes(text, baseUrl);
    expect(stale.map((s) => [s.repository, s.runtime, s.actual])).toEqual([['o/one', 'node20', 'node24']]);
    expect(withRuntimes(text, stale)).toBe(text.replace(`'${sha('a')}', 'node20'`, `'${sha('a')}', 'node24'`));
  });

  it('fails clearly when an action has no action.yml at the pinned commit', async () => {
    await expect(staleRuntimes(`action('o/gone', 'v1.0.0', '${sha('d')}', 'node24')`, baseUrl))
      .rejects.toThrow(`o/gone@${sha('d')}: no action.yml or action.yaml`);
  });
});
