import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PipelineSnapshot, Report, Risk, diffSnapshots, maxRisk, renderJson, renderMarkdown } from '../../projenrc';
import { Knobs, baseKnobs, fixtureSnapshot } from '../support/pipeline-fixture';

/**
 * Golden tests of the semantic diff: one small stack (test/support/pipeline-fixture.ts)
 * against itself with one kind of change each, rendered as Markdown and JSON and compared
 * with test/pipeline/golden/pipeline-diff/<case>.{md,json}. After an intended change of the
 * wording, review and rewrite them with `UPDATE_GOLDEN=1 npx jest test/pipeline/pipeline-diff.test.ts`.
 */
const GOLDEN = join(__dirname, 'golden', 'pipeline-diff');

type Case = [name: string, edit: (k: Knobs) => void, topRisk: Risk | 'none', postEdit?: (head: Mutable) => void, baseEdit?: (k: Knobs) => void];
type Mutable = { -readonly [K in keyof PipelineSnapshot]: any };

const CASES: Case[] = [
  ['unchanged', () => {}, 'none'],
  // services
  ['service-port', (k) => { k.web.port = 3100; }, 'safe'],
  ['service-added', (k) => { k.worker = true; }, 'safe'],
  ['service-removed', () => {}, 'attention', undefined, (k) => { k.worker = true; }],
  ['stateful-service-restarts', (k) => { k.db.stopGraceSeconds = 60; }, 'attention'],
  ['volume-moved', (k) => { k.db.volumeTarget = '/data'; }, 'attention'],
  ['host-port-changed', (k) => { k.web.publish = { ...k.web.publish, defaultHostPort: 8081 }; }, 'attention'],
  ['port-published-publicly', (k) => { k.web.publish = { variable: 'WEB_PORT', defaultHostPort: 8080 }; }, 'security'],
  ['capabilities-kept', () => {}, 'security', (head) => { delete head.services.web.compose.prod.cap_drop; }],
  ['privileges-allowed', () => {}, 'security', (head) => { head.services.web.compose.prod.security_opt = []; }],
  // variables
  ['required-secret-added', (k) => { k.variables.MAIL_PASSWORD = { description: 'SMTP password', required: true, secret: true, generate: 'hex32' }; }, 'attention'],
  ['optional-variable-added', (k) => { k.variables.SHOP_LOCALE = { description: 'Locale', default: 'en' }; }, 'safe'],
  ['variable-removed', (k) => { delete k.variables.SHOP_TITLE; }, 'safe'],
  ['variable-becomes-required', (k) => { k.variables.SHOP_TITLE = { description: 'Title of the shop', required: true }; }, 'attention'],
  ['variable-default-changed', (k) => { k.variables.SHOP_TITLE = { description: 'Title of the shop', default: 'The Shop' }; }, 'safe'],
  ['secret-given-a-default', (k) => { k.variables.PAYMENT_KEY = { ...k.variables.PAYMENT_KEY, default: 'test-key' }; }, 'security'],
  ['secret-no-longer-secret', (k) => { k.variables.PAYMENT_KEY = { ...k.variables.PAYMENT_KEY, secret: false }; }, 'security'],
  ['secret-read-by-another-service', (k) => { k.web.readsSecretToo = true; }, 'security'],
  // images
  ['container-runs-as-root', (k) => { k.web.user = 'root'; }, 'security'],
  ['database-major-upgrade', (k) => { k.db.base = 'postgres:18-trixie'; }, 'attention'],
  ['build-steps-changed', (k) => { k.web.extraBuildStep = 'npm run build'; }, 'safe'],
  // workflows
  ['permission-widened', (k) => { k.workflow.permissions = { ...k.workflow.permissions, packages: 'write' }; }, 'security'],
  ['permission-narrowed', (k) => { k.workflow.permissions = { contents: 'read' }; }, 'safe'],
  ['trigger-added', (k) => { k.workflow.push = true; }, 'safe'],
  ['privileged-trigger-added', (k) => { k.workflow.pullRequestTarget = true; }, 'security'],
  ['action-added', (k) => { k.workflow.extraAction = 'docker/setup-buildx-action@c47758b77c9736f4b2ef4073d4d51994fabfe349'; }, 'safe'],
  ['action-re-pinned', (k) => { k.workflow.checkout = 'actions/checkout@08eba0b27e820071cde6df949e0beb9ba4906955'; }, 'safe'],
  ['action-unpinned', (k) => { k.workflow.checkout = 'actions/checkout@v4'; }, 'security'],
  ['environment-removed', (k) => { k.workflow.inEnvironment = false; }, 'security'],
  ['deploy-target-added', (k) => { k.workflow.targets = ['production', 'staging', 'qa']; }, 'attention'],
  ['workflow-secret-added', (k) => { k.workflow.secrets = [...k.workflow.secrets, 'SSH_KNOWN_HOSTS']; }, 'attention'],
  ['job-added-with-write-token', (k) => { k.workflow.releaseJob = true; }, 'security'],
  // deploy
  ['deploy-check-added', (k) => { k.deploy.httpChecks = [...k.deploy.httpChecks, { label: 'web ready', path: '/ready', exitCode: 14 }]; }, 'safe'],
  ['deploy-check-removed', (k) => { k.deploy.httpChecks = k.deploy.httpChecks.slice(0, 1); }, 'attention'],
  ['deploy-check-exit-code', (k) => { k.deploy.httpChecks = k.deploy.httpChecks.map((c) => ({ ...c, exitCode: c.exitCode + 10 })); }, 'attention'],
  ['fewer-backups-kept', (k) => { k.deploy.keepBackups = 3; }, 'attention'],
  ['deploy-directory-moved', (k) => { k.deploy.deployPath = 'apps/shop'; }, 'attention'],
  ['host-key-checking-loosened', (k) => { k.strictHostKeyChecking = 'accept-new'; }, 'security'],
  // stack and contributed sections
  ['stack-renamed', (k) => { k.stackName = 'store'; }, 'attention'],
  ['contributed-section', (k) => {
    k.manifests = { 'Deployment/web': { replicas: 3, image: 'shop/web', spec: { type: 'LoadBalancer' } }, 'CronJob/backup': { schedule: '0 3 * * *' } };
  }, 'security'],
  ['contributed-object-removed', (k) => { k.manifests = {}; }, 'attention'],
];

let base: PipelineSnapshot | undefined;
const baseSnapshot = () => (base ??= fixtureSnapshot(baseKnobs()));

function expectGolden(file: string, actual: string): void {
  const path = join(GOLDEN, file);
  if (process.env.UPDATE_GOLDEN) {
    mkdirSync(GOLDEN, { recursive: true });
    writeFileSync(path, actual);
  }
  const expected = existsSync(path) ? readFileSync(path, 'utf8') : `(no golden file ${file}: run with UPDATE_GOLDEN=1 and review it)`;
  expect(actual).toBe(expected);
}

describe('pipeline diff (golden)', () => {
  it.each(CASES.map(([name, edit, topRisk, postEdit, baseEdit]) => ({ name, edit, topRisk, postEdit, baseEdit })))('$name', ({ name, edit, topRisk, postEdit, baseEdit }) => {
    const knobs = baseKnobs();
    edit(knobs);
    const head = fixtureSnapshot(knobs) as Mutable;
    postEdit?.(head);
    const otherBase = baseEdit && baseKnobs();
    if (otherBase) baseEdit!(otherBase);
    const diff = diffSnapshots(otherBase ? fixtureSnapshot(otherBase) : baseSnapshot(), head);
    const changes = diff.sections.flatMap((s) => s.changes);
    expect(changes.length ? maxRisk(changes.map((c) => c.risk)) : 'none').toBe(topRisk);
    const report: Report = { base: { ref: 'main' }, head: { ref: 'this pull request' }, diff };
    expectGolden(`${name}.md`, renderMarkdown(report));
    expectGolden(`${name}.json`, renderJson(report));
  });

  it('covers every 🔴 rule the review promises with a case', () => {
    const security = CASES.filter(([, , risk]) => risk === 'security').map(([name]) => name);
    expect(security).toEqual(expect.arrayContaining([
      'port-published-publicly', 'container-runs-as-root', 'secret-given-a-default', 'permission-widened', 'host-key-checking-loosened',
    ]));
  });

  it('compares snapshots of different formats without reporting what only one of them knows', () => {
    const services = Object.fromEntries(Object.entries(baseSnapshot().services).map(([n, s]) => [n, { ...s, restart: undefined }]));
    const old = { ...baseSnapshot(), format: 0, services };
    const knobs = baseKnobs();
    knobs.web.port = 3100;
    const diff = diffSnapshots(JSON.parse(JSON.stringify(old)), fixtureSnapshot(knobs));
    expect(diff.notes).toEqual([expect.stringMatching(/different formats \(base 0, head 1\)/)]);
    const fields = diff.sections.flatMap((s) => s.changes).map((c) => c.field);
    expect(fields).toContain('port');
    expect(fields).not.toContain('restart');
  });
});
