/**
 * The image tagging scheme, in one place. It renders the `tags:` input of
 * docker/metadata-action for the build workflow and computes the very same tags for the
 * local publish script, so what CI pushes and what we test are the same names.
 *
 *   sha-<7 hex>        every build of a branch (never of a tag: a release tag names a commit
 *                      whose branch run already pushed its sha- tag, which is never rewritten)
 *   branch-<branch>    pushes to a branch (sanitized: `feature/x` → `branch-feature-x`)
 *   latest             pushes to the default branch only (in CI a job of its own moves it,
 *                      and only to the branch's head: see build-workflow.ts)
 *   <x.y.z>, <x.y>     pushes of a `v<x.y.z>` tag
 *   pr-<n>             pull requests (built, never pushed)
 */
export type TagRule =
  | { readonly kind: 'sha'; readonly prefix: string }
  | { readonly kind: 'branch'; readonly prefix: string }
  | { readonly kind: 'pr'; readonly prefix: string }
  | { readonly kind: 'semver'; readonly pattern: '{{version}}' | '{{major}}.{{minor}}' }
  | { readonly kind: 'latest-on-default-branch' };

/** Hex digits of the commit in a `sha-` tag (metadata-action's `format=short`). */
export const SHA_TAG_LENGTH = 7;

export const TAG_RULES: readonly TagRule[] = [
  { kind: 'sha', prefix: 'sha-' },
  { kind: 'branch', prefix: 'branch-' },
  { kind: 'pr', prefix: 'pr-' },
  { kind: 'semver', pattern: '{{version}}' },
  { kind: 'semver', pattern: '{{major}}.{{minor}}' },
  { kind: 'latest-on-default-branch' },
];

/**
 * The `tags` input of docker/metadata-action (with `flavor: latest=false`). `latest` is not
 * among them: the build workflow moves it in a job of its own, after every image is pushed.
 */
export function metadataActionTags(rules: readonly TagRule[] = TAG_RULES): string {
  return rules.flatMap((r) => {
    switch (r.kind) {
      case 'sha': return [`type=sha,prefix=${r.prefix},format=short,enable=\${{ !startsWith(github.ref, 'refs/tags/') }}`];
      case 'branch': return [`type=ref,event=branch,prefix=${r.prefix}`];
      case 'pr': return [`type=ref,event=pr,prefix=${r.prefix}`];
      case 'semver': return [`type=semver,pattern=${r.pattern}`];
      case 'latest-on-default-branch': return [];
    }
  }).join('\n');
}

/** The prefix of the tag every build pushes: `sha-<commit>`. */
export function shaTagPrefix(rules: readonly TagRule[] = TAG_RULES): string {
  const rule = rules.find((r): r is Extract<TagRule, { kind: 'sha' }> => r.kind === 'sha');
  if (!rule) throw new Error('The tag rules have no sha rule: deploys default to the sha- tag of a commit');
  return rule.prefix;
}

export interface BuildContext {
  /** `refs/heads/main`, `refs/tags/v1.2.3`, `refs/pull/42/merge`. */
  readonly ref: string;
  readonly sha: string;
  readonly defaultBranch: string;
}

/** Docker tags allow `[A-Za-z0-9_.-]`, may not start with `.` or `-`, at most 128 characters. */
export function sanitizeTag(value: string): string {
  return value.replace(/[^A-Za-z0-9_.-]+/g, '-').replace(/^[.-]+/, '').slice(0, 128);
}

const SEMVER = /^v?(\d+)\.(\d+)\.(\d+)(-[0-9A-Za-z.-]+)?$/;

/** The tags metadata-action produces for this context, computed locally. */
export function computeTags(ctx: BuildContext, rules: readonly TagRule[] = TAG_RULES): string[] {
  if (!/^[0-9a-f]{7,40}$/.test(ctx.sha)) throw new Error(`computeTags: '${ctx.sha}' is not a commit SHA`);
  const branch = ctx.ref.startsWith('refs/heads/') ? ctx.ref.slice('refs/heads/'.length) : undefined;
  const tag = ctx.ref.startsWith('refs/tags/') ? ctx.ref.slice('refs/tags/'.length) : undefined;
  const pr = ctx.ref.match(/^refs\/pull\/(\d+)\//)?.[1];
  const version = tag?.match(SEMVER);
  const out: string[] = [];
  for (const r of rules) {
    switch (r.kind) {
      case 'sha': if (!tag) out.push(`${r.prefix}${ctx.sha.slice(0, SHA_TAG_LENGTH)}`); break;
      case 'branch': if (branch) out.push(sanitizeTag(`${r.prefix}${branch}`)); break;
      case 'pr': if (pr) out.push(`${r.prefix}${pr}`); break;
      case 'semver':
        if (version) {
          const [, major, minor, patch, pre] = version;
          if (r.pattern === '{{version}}') out.push(`${major}.${minor}.${patch}${pre ?? ''}`);
          else if (!pre) out.push(`${major}.${minor}`);
        }
        break;
      case 'latest-on-default-branch': if (branch === ctx.defaultBranch) out.push('latest'); break;
    }
  }
  return [...new Set(out)];
}
