/**
 * Every third-party action the workflows use, in one place: the release, the full commit SHA
 * that release tag points to (a tag can be moved to other code, a SHA cannot) and the
 * runtime its `action.yml` declares at that commit (`runs.using`).
 *
 * Renovate updates the version and the SHA of each `action(...)` line together (the custom
 * manager in projenrc/github/renovate.ts reads exactly this call shape), its post-upgrade task
 * refreshes the runtime from the new commit's action.yml (scripts/action-runtimes.ts) and
 * re-synthesizes, so the bot's pull request carries this file and the workflow YAML. The
 * YAML shows each pin as `owner/repo@<sha> # vX.Y.Z`.
 *
 * Sources of the pins below: each action's repository at its newest release tag (tag →
 * commit, `action.yml` at that commit), read 2026-09 from stored public snapshots.
 */

/** What an action's `action.yml` says under `runs.using`. */
export type ActionRuntime = 'node24' | 'node20' | 'node16' | 'node12' | 'composite' | 'docker';

/** Runtimes GitHub no longer runs (Node 20 left the runners on 2026-09-16). */
export const RETIRED_RUNTIMES: readonly ActionRuntime[] = ['node20', 'node16', 'node12'];

export interface PinnedAction {
  /** `owner/repo`, or `owner/repo/path` for an action in a subfolder. */
  readonly repository: string;
  /** The release tag, e.g. `v7.0.1`: rendered as the trailing `# v7.0.1` comment. */
  readonly version: string;
  /** The 40-hex commit the release tag points to. */
  readonly sha: string;
  /** `runs.using` of the action's action.yml at `sha`. */
  readonly runtime: ActionRuntime;
  /** `owner/repo@sha`: the value of a step's `uses:`. */
  readonly uses: string;
}

/** A pin. Keep each call on one line with literal strings: Renovate's regex manager matches it. */
export function action(repository: string, version: string, sha: string, runtime: ActionRuntime): PinnedAction {
  if (!/^[0-9a-f]{40}$/.test(sha)) throw new Error(`action ${repository}: '${sha}' is not a full commit SHA`);
  if (!/^v\d+\.\d+\.\d+$/.test(version)) throw new Error(`action ${repository}: '${version}' is not a release tag vX.Y.Z`);
  return { repository, version, sha, runtime, uses: `${repository}@${sha}` };
}

export const Actions = {
  checkout: action('actions/checkout', 'v7.0.1', '3d3c42e5aac5ba805825da76410c181273ba90b1', 'node24'),
  setupNode: action('actions/setup-node', 'v7.0.0', '820762786026740c76f36085b0efc47a31fe5020', 'node24'),
  setupQemu: action('docker/setup-qemu-action', 'v4.2.0', '96fe6ef7f33517b61c61be40b68a1882f3264fb8', 'node24'),
  setupBuildx: action('docker/setup-buildx-action', 'v4.3.0', '37fe631027851001ddb9b187196cc803df7f5f0e', 'node24'),
  login: action('docker/login-action', 'v4.1.0', '4907a6ddec9925e35a0a9e82d7399ccc52663121', 'node24'),
  metadata: action('docker/metadata-action', 'v6.2.0', 'dc802804100637a589fabce1cb79ff13a1411302', 'node24'),
  buildPush: action('docker/build-push-action', 'v7.3.0', '53b7df96c91f9c12dcc8a07bcb9ccacbed38856a', 'node24'),
  attest: action('actions/attest', 'v4.2.2', '1e69f48acb82d1966a394da916b4c1698aa569d6', 'node24'),
  renovate: action('renovatebot/github-action', 'v46.2.2', 'e09d604f8f803bb527bd8321ed5be06c460b8682', 'node24'),
} as const;

export const ALL_ACTIONS: readonly PinnedAction[] = Object.values(Actions);

/** The pin whose `uses:` value this is, if it is one of ours. */
export function pinOf(uses: string): PinnedAction | undefined {
  return ALL_ACTIONS.find((a) => a.uses === uses);
}

/**
 * Appends `# vX.Y.Z` to every `uses: owner/repo@<sha>` line of a rendered workflow. A YAML
 * comment is not data, so projen's YamlFile cannot emit it; the text is annotated after
 * rendering instead. Renovate, Dependabot and people read the version there.
 */
export function annotateActionVersions(yaml: string, pins: readonly PinnedAction[] = ALL_ACTIONS): string {
  return yaml.replace(/^(\s*(?:-\s+)?uses:\s+)(\S+)\s*$/gm, (line, prefix: string, uses: string) => {
    const pin = pins.find((p) => p.uses === uses);
    return pin ? `${prefix}${uses} # ${pin.version}` : line;
  });
}

/**
 * One `action(...)` line, as Renovate's custom manager and scripts/action-runtimes.ts read it:
 * repository, release, SHA and runtime, each a single-quoted literal.
 */
export const ACTION_PIN_PATTERN = "action\\('(?<depName>[^']+)', '(?<currentValue>v[^']+)', '(?<currentDigest>[0-9a-f]{40})', '(?:[a-z0-9]+)'\\)";
