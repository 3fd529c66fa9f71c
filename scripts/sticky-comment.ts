/**
 * Creates or updates ONE comment on a pull request: the comment that carries a hidden
 * marker and was written by the workflow's own bot. A second run edits it instead of adding
 * another, so the pull request shows one current pipeline diff.
 *
 *   GITHUB_TOKEN=… GITHUB_REPOSITORY=owner/repo PR_NUMBER=42 COMMENT_BODY="$(cat report.md)" \
 *     node scripts/sticky-comment.ts        # Node.js ≥ 22.18 runs it as it is (types stripped)
 *   npx tsx scripts/sticky-comment.ts      # older Node.js
 *
 * Environment:
 *   GITHUB_TOKEN        token with pull-requests: write (required)
 *   GITHUB_REPOSITORY   owner/repo (required)
 *   PR_NUMBER           the pull request (required)
 *   COMMENT_BODY        the Markdown (or COMMENT_BODY_FILE: a file with it)
 *   COMMENT_STATUS      `unchanged`: update an earlier comment, but start none
 *   COMMENT_MARKER      default: <!-- pipeline-diff -->
 *   COMMENT_AUTHOR      only this login's comments are edited; default github-actions[bot]
 *   GITHUB_API_URL      default https://api.github.com (a test points it at a stand-in)
 *
 * Exit codes: 0 created, updated, unchanged or skipped (and when GitHub refuses the token:
 * a warning, since the review must not block on its comment); 1 GitHub failed; 2 missing settings.
 *
 * No dependencies and no imports but Node's own: the comment job runs it from the base
 * branch's checkout without installing anything.
 */
import { readFileSync } from 'node:fs';

export const DEFAULT_MARKER = '<!-- pipeline-diff -->';
const DEFAULT_AUTHOR = 'github-actions[bot]';
/** GitHub refuses comments longer than 65 536 characters. */
const MAX_BODY = 65_000;
const PAGE_SIZE = 100;
const MAX_PAGES = 30;

export interface StickyCommentOptions {
  readonly apiUrl: string;
  readonly token: string;
  /** `owner/repo` */
  readonly repository: string;
  /** The pull request (an issue, to the comments API). */
  readonly issue: number;
  readonly body: string;
  /** @default DEFAULT_MARKER */
  readonly marker?: string;
  /** Only this login's comments are edited: anyone can paste the marker into a comment. @default 'github-actions[bot]' */
  readonly author?: string;
  /** Edit an earlier comment but never start one (nothing changed and nothing was said yet). @default false */
  readonly updateOnly?: boolean;
}

export type StickyCommentResult =
  | { readonly action: 'created' | 'updated' | 'unchanged'; readonly id: number; readonly url: string }
  | { readonly action: 'skipped' };

/** A refusal or failure of the GitHub API, with its status and GitHub's message. */
export class GitHubApiError extends Error {
  public readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

interface IssueComment {
  readonly id: number;
  readonly body?: string;
  readonly html_url: string;
  readonly user?: { readonly login?: string };
}

export async function upsertStickyComment(o: StickyCommentOptions): Promise<StickyCommentResult> {
  const marker = o.marker ?? DEFAULT_MARKER;
  const body = withMarker(o.body, marker);
  const author = o.author ?? DEFAULT_AUTHOR;
  const api = o.apiUrl.replace(/\/+$/, '');
  const call = (method: string, path: string, payload?: unknown) => request(api, o.token, method, path, payload);

  let existing: IssueComment | undefined;
  for (let page = 1; page <= MAX_PAGES && !existing; page++) {
    const comments = await call('GET', `/repos/${o.repository}/issues/${o.issue}/comments?per_page=${PAGE_SIZE}&page=${page}`) as IssueComment[];
    existing = comments.find((c) => c.body?.includes(marker) && (!author || c.user?.login === author));
    if (comments.length < PAGE_SIZE) break;
  }
  if (existing) {
    if (existing.body === body) return { action: 'unchanged', id: existing.id, url: existing.html_url };
    const updated = await call('PATCH', `/repos/${o.repository}/issues/comments/${existing.id}`, { body }) as IssueComment;
    return { action: 'updated', id: updated.id, url: updated.html_url };
  }
  if (o.updateOnly) return { action: 'skipped' };
  const created = await call('POST', `/repos/${o.repository}/issues/${o.issue}/comments`, { body }) as IssueComment;
  return { action: 'created', id: created.id, url: created.html_url };
}

/** The marker on the first line (hidden when rendered), the body cut to what GitHub accepts. */
function withMarker(body: string, marker: string): string {
  const text = body.includes(marker) ? body : `${marker}\n${body}`;
  return text.length > MAX_BODY ? `${text.slice(0, MAX_BODY)}\n\n… (truncated)` : text;
}

async function request(api: string, token: string, method: string, path: string, payload?: unknown): Promise<unknown> {
  const res = await fetch(`${api}${path}`, {
    method,
    headers: {
      'Accept': 'application/vnd.github+json',
      'Authorization': `Bearer ${token}`,
      'X-GitHub-Api-Version': '2022-11-28',
      'User-Agent': 'pipeline-diff-sticky-comment',
      ...(payload === undefined ? {} : { 'Content-Type': 'application/json' }),
    },
    body: payload === undefined ? undefined : JSON.stringify(payload),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await res.text();
  if (!res.ok) {
    let message = text.slice(0, 300);
    try {
      message = (JSON.parse(text) as { message?: string }).message ?? message;
    } catch {
      // not JSON: keep the text
    }
    throw new GitHubApiError(res.status, `${method} ${path}: ${res.status} ${message}`);
  }
  return text ? JSON.parse(text) : undefined;
}

/** The command: settings from the environment, one line of outcome, an exit code. */
export async function main(env: NodeJS.ProcessEnv, log: (line: string) => void): Promise<number> {
  const missing = ['GITHUB_TOKEN', 'GITHUB_REPOSITORY', 'PR_NUMBER'].filter((k) => !env[k]);
  if (!env.COMMENT_BODY && !env.COMMENT_BODY_FILE) missing.push('COMMENT_BODY (or COMMENT_BODY_FILE)');
  const issue = Number(env.PR_NUMBER);
  if (env.PR_NUMBER && !(Number.isInteger(issue) && issue > 0)) missing.push(`PR_NUMBER as a number (got '${env.PR_NUMBER}')`);
  if (missing.length) {
    log(`sticky-comment: missing ${missing.join(', ')}`);
    return 2;
  }
  try {
    const result = await upsertStickyComment({
      apiUrl: env.GITHUB_API_URL || 'https://api.github.com',
      token: env.GITHUB_TOKEN!,
      repository: env.GITHUB_REPOSITORY!,
      issue,
      body: env.COMMENT_BODY || readFileSync(env.COMMENT_BODY_FILE!, 'utf8'),
      marker: env.COMMENT_MARKER || undefined,
      author: env.COMMENT_AUTHOR ?? undefined,
      updateOnly: env.COMMENT_STATUS === 'unchanged',
    });
    log(result.action === 'skipped'
      ? 'sticky-comment: nothing to say and no earlier comment: none created'
      : `sticky-comment: ${result.action} ${result.url}`);
    return 0;
  } catch (err) {
    if (err instanceof GitHubApiError && (err.status === 403 || err.status === 404)) {
      // A read-only token (e.g. a Dependabot pull request): the job summary has the report.
      log(`::warning::sticky-comment: GitHub refused the comment (${err.message}); the report is in the job summary`);
      return 0;
    }
    log(`sticky-comment: ${(err as Error).message}`);
    return 1;
  }
}

if (process.argv[1] && /sticky-comment\.ts$/.test(process.argv[1])) {
  void main(process.env, (line) => console.log(line)).then((code) => {
    process.exitCode = code;
  });
}
