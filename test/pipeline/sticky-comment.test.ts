import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { DEFAULT_MARKER, upsertStickyComment } from '../../scripts/sticky-comment';
import { FakeGitHub } from '../support/fake-github';
import { REPO_ROOT } from '../support/synth';

let github: FakeGitHub;
let apiUrl: string;

beforeEach(async () => {
  github = new FakeGitHub();
  apiUrl = await github.start();
});
afterEach(() => github.stop());

const options = (body: string) => ({ apiUrl, token: 'test-token', repository: 'acme/shop', issue: 7, body });

/** The step as the workflow runs it: the script, settings in the environment. */
function runScript(env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [require.resolve('tsx/cli'), join(REPO_ROOT, 'scripts/sticky-comment.ts')], {
      env: { PATH: process.env.PATH ?? '', GITHUB_API_URL: apiUrl, GITHUB_TOKEN: 'test-token', GITHUB_REPOSITORY: 'acme/shop', PR_NUMBER: '7', ...env },
    });
    let output = '';
    child.stdout.on('data', (d) => { output += d; });
    child.stderr.on('data', (d) => { output += d; });
    child.on('close', (code) => resolve({ code, output }));
  });
}

describe('sticky comment (against a stand-in of the GitHub REST API)', () => {
  it('creates the comment on the first run and updates the same comment on the second', async () => {
    github.add('LGTM', 'a-reviewer');
    const first = await runScript({ COMMENT_BODY: '## Pipeline diff\n\nfirst', COMMENT_STATUS: 'changed' });
    expect(first).toMatchObject({ code: 0, output: expect.stringMatching(/sticky-comment: created https:\/\//) });
    const second = await runScript({ COMMENT_BODY: '## Pipeline diff\n\nsecond', COMMENT_STATUS: 'changed' });
    expect(second).toMatchObject({ code: 0, output: expect.stringMatching(/sticky-comment: updated https:\/\//) });

    const ours = github.comments.filter((c) => c.body.includes(DEFAULT_MARKER));
    expect(ours).toHaveLength(1);
    expect(ours[0].body).toBe(`${DEFAULT_MARKER}\n## Pipeline diff\n\nsecond`);
    expect(github.comments.find((c) => c.user.login === 'a-reviewer')!.body).toBe('LGTM');
    expect(github.requests.filter((r) => !r.startsWith('GET'))).toEqual([
      'POST /repos/acme/shop/issues/7/comments',
      `PATCH /repos/acme/shop/issues/comments/${ours[0].id}`,
    ]);
  }, 60_000);

  it('finds its comment on a later page and leaves the same body alone', async () => {
    for (let i = 0; i < 150; i++) github.add(`comment ${i}`, 'someone');
    const created = await upsertStickyComment(options('report'));
    expect(created.action).toBe('created');
    expect(await upsertStickyComment(options('report'))).toMatchObject({ action: 'unchanged' });
    expect(github.requests).toContain('GET /repos/acme/shop/issues/7/comments?per_page=100&page=2');
    expect(github.requests.filter((r) => r.startsWith('PATCH'))).toEqual([]);
  });

  it('never edits a comment of someone else that carries the marker', async () => {
    const copied = github.add(`${DEFAULT_MARKER}\nquoted by a reviewer`, 'a-reviewer');
    expect(await upsertStickyComment(options('report'))).toMatchObject({ action: 'created' });
    expect(copied.body).toBe(`${DEFAULT_MARKER}\nquoted by a reviewer`);
  });

  it('starts no comment when nothing changed and nothing was said, but updates an earlier one', async () => {
    expect(await upsertStickyComment({ ...options('No pipeline change'), updateOnly: true })).toEqual({ action: 'skipped' });
    expect(github.comments).toHaveLength(0);
    await upsertStickyComment(options('a change'));
    expect(await upsertStickyComment({ ...options('No pipeline change'), updateOnly: true })).toMatchObject({ action: 'updated' });
    expect(github.comments[0].body).toContain('No pipeline change');
  });

  it('warns and succeeds when GitHub refuses the token (the job summary has the report)', async () => {
    github.refuse = 403;
    const r = await runScript({ COMMENT_BODY: 'report' });
    expect(r.code).toBe(0);
    expect(r.output).toContain('::warning::sticky-comment: GitHub refused the comment');
  }, 60_000);

  it('fails on other errors and names missing settings', async () => {
    expect(await runScript({ GITHUB_TOKEN: 'wrong', COMMENT_BODY: 'report' })).toMatchObject({ code: 1, output: expect.stringContaining('401 Bad credentials') });
    expect(await runScript({ PR_NUMBER: 'abc', COMMENT_BODY: '' })).toMatchObject({
      code: 2,
      output: expect.stringContaining('missing COMMENT_BODY (or COMMENT_BODY_FILE), PR_NUMBER as a number (got \'abc\')'),
    });
  }, 60_000);
});
