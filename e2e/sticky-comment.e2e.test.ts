import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { REPO_ROOT, requireDocker, run } from './support/docker';
import { DEFAULT_MARKER } from '../scripts/sticky-comment';
import { FakeGitHub } from '../test/support/fake-github';

/**
 * The pipeline review's comment job runs scripts/sticky-comment.ts with the plain Node.js of
 * its setup-node step: no npm ci, TypeScript types stripped by Node itself. This runs it the
 * same way, in that Node.js version's image, against the local GitHub stand-in: a relative
 * import or TypeScript-only syntax in the script would fail here.
 */
const workflow = parse(readFileSync(join(REPO_ROOT, '.github/workflows/pipeline-review.yml'), 'utf8'));
const nodeVersion: string = workflow.jobs.comment.steps.find((s: { uses?: string }) => s.uses?.startsWith('actions/setup-node@')).with['node-version'];

let github: FakeGitHub;
let apiUrl: string;

beforeAll(async () => {
  requireDocker();
  github = new FakeGitHub();
  apiUrl = await github.start();
});
afterAll(() => github?.stop());

function commentStep(body: string): Promise<string> {
  const name = `review-sticky-comment-${process.pid}-${Date.now()}`;
  return run('docker', [
    'run', '--rm', '--name', name, '--network', 'host', '--read-only', '--user', 'node',
    '-v', `${join(REPO_ROOT, 'scripts')}:/work/scripts:ro`, '-w', '/work',
    '-e', `GITHUB_API_URL=${apiUrl}`, '-e', 'GITHUB_TOKEN=test-token', '-e', 'GITHUB_REPOSITORY=acme/shop', '-e', 'PR_NUMBER=7',
    '-e', `COMMENT_BODY=${body}`, '-e', 'COMMENT_STATUS=changed',
    `node:${nodeVersion}-trixie-slim`, 'node', 'scripts/sticky-comment.ts',
  ], { timeoutMs: 120_000 });
}

describe(`scripts/sticky-comment.ts on Node.js ${nodeVersion}`, () => {
  it('creates, then updates, the one comment with nothing installed', async () => {
    expect(await commentStep('first report')).toMatch(/sticky-comment: created /);
    expect(await commentStep('second report')).toMatch(/sticky-comment: updated /);
    expect(github.comments.map((c) => c.body)).toEqual([`${DEFAULT_MARKER}\nsecond report`]);
  }, 240_000);
});
