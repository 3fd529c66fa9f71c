import { Component, FileBase, IResolver, Project } from 'projen';
import { GitHub, GithubWorkflow, workflows } from 'projen/lib/github';
import { ACTION_PIN_PATTERN, Actions } from './actions';
import { pinnedWorkflow } from './pinned-workflow';
import { BASE_IMAGE_PATTERN } from '../base-images';

/** An npm dependency declared as a string in .projenrc.ts: `'zod@^4.1.0'`, `'@types/pg@^8.15.0'`. */
export const NPM_DEPENDENCY_PATTERN = "'(?<depName>(?:@[a-z0-9][\\w.-]*/)?[a-z0-9][\\w.-]*)@(?<currentValue>[~^]?\\d[^']*)'";
/** The TypeScript version projen installs: `typescriptVersion: '~5.9.3'`. */
export const TYPESCRIPT_VERSION_PATTERN = "typescriptVersion: '(?<currentValue>[^']+)'";

/**
 * What the bot runs on its branch after changing versions, once per branch: install, refresh
 * the recorded action runtimes from the new commits' action.yml, re-synthesize. The pull
 * request then carries the source change, the lockfile and every synthesized file, so the
 * build workflow's drift check passes. Each command runs without a shell (no `&&`).
 */
export const POST_UPGRADE_COMMANDS = [
  'npm ci --ignore-scripts --no-audit --no-fund',
  'npx tsx scripts/action-runtimes.ts --write',
  'npx projen',
] as const;

export interface RenovateProps {
  /** The file Renovate reads. @default .github/renovate.json5 */
  readonly configPath?: string;
  /** When the bot may open pull requests (Renovate schedule syntax, UTC). @default before 6am on Monday */
  readonly schedule?: readonly string[];
  /** A release is proposed only after it has been public this long (time to be yanked). @default 3 days */
  readonly minimumReleaseAge?: string;
}

/**
 * Dependency updates where the versions live, as code:
 * - actions: `projenrc/github/actions.ts` (version + SHA, then the runtime is refreshed)
 * - base images (and with the node image, the Node.js of CI): `projenrc/base-images.ts`
 * - npm packages: the `name@range` strings of `.projenrc.ts` (projen writes every
 *   package.json from them; an edit to a package.json would be undone by the next synth)
 * - the lockfile: Renovate's npm manager, for lockfile maintenance only.
 * The github-actions and dockerfile managers stay off: the files they would edit are synthesized.
 *
 * Renovate runs self-hosted in `.github/workflows/renovate.yml` rather than as the hosted
 * app, because only a self-hosted Renovate runs post-upgrade commands, which is what puts
 * the re-synthesized files into the bot's own commit (no second workflow pushing onto the
 * bot's branch, which Renovate would then treat as edited by someone else).
 */
export class RenovateConfig extends Component {
  public readonly file: FileBase;
  public readonly workflow: GithubWorkflow;
  public readonly config: Record<string, unknown>;

  constructor(project: Project, id: string, props: RenovateProps = {}) {
    super(project, id);
    const schedule = [...(props.schedule ?? ['before 6am on Monday'])];
    const custom = (description: string, files: string[], pattern: string, datasource: string, versioning: string) => ({
      customType: 'regex',
      description,
      managerFilePatterns: files.map((f) => `/^${f.replace(/[.]/g, '\\.')}$/`),
      matchStrings: [pattern],
      datasourceTemplate: datasource,
      versioningTemplate: versioning,
    });
    this.config = {
      $schema: 'https://docs.renovatebot.com/renovate-schema.json',
      extends: ['config:recommended'],
      timezone: 'Etc/UTC',
      schedule,
      minimumReleaseAge: props.minimumReleaseAge ?? '3 days',
      dependencyDashboard: true,
      prConcurrentLimit: 6,
      labels: ['dependencies'],
      enabledManagers: ['npm', 'custom.regex'],
      customManagers: [
        { ...custom('GitHub Actions: release and commit SHA', ['projenrc/github/actions.ts'], ACTION_PIN_PATTERN, 'github-tags', 'semver-coerced') },
        { ...custom('Base images: tag and digest', ['projenrc/base-images.ts'], BASE_IMAGE_PATTERN, 'docker', 'docker') },
        { ...custom('npm packages declared in .projenrc.ts', ['.projenrc.ts'], NPM_DEPENDENCY_PATTERN, 'npm', 'npm') },
        { ...custom('TypeScript of the project', ['.projenrc.ts'], TYPESCRIPT_VERSION_PATTERN, 'npm', 'npm'), depNameTemplate: 'typescript' },
      ],
      postUpgradeTasks: { commands: [...POST_UPGRADE_COMMANDS], fileFilters: ['**/*'], executionMode: 'branch' },
      lockFileMaintenance: { enabled: true, schedule },
      packageRules: [
        {
          description: 'package.json files are synthesized from .projenrc.ts: only the lockfile is maintained there',
          matchManagers: ['npm'],
          matchUpdateTypes: ['major', 'minor', 'patch', 'pin', 'pinDigest', 'digest', 'rollback', 'bump', 'replacement'],
          enabled: false,
        },
        {
          description: 'All actions in one pull request: they are reviewed and tested together',
          matchFileNames: ['projenrc/github/actions.ts'],
          groupName: 'GitHub Actions',
        },
        {
          description: 'Base image digests (rebuilt upstream for security fixes) in one weekly pull request',
          matchFileNames: ['projenrc/base-images.ts'],
          matchUpdateTypes: ['digest'],
          groupName: 'base image digests',
        },
        {
          description: 'Node.js: long-term-support lines only (even majors); a new line moves the images and CI together',
          matchDatasources: ['docker'],
          matchDepNames: ['node'],
          allowedVersions: '/^\\d*[02468]-trixie-slim$/',
        },
        {
          description: 'A PostgreSQL major needs a data upgrade (dump/restore or pg_upgrade): a planned change, not a bot one',
          matchDatasources: ['docker'],
          matchDepNames: ['postgres'],
          matchUpdateTypes: ['major'],
          enabled: false,
        },
        {
          description: 'Minor and patch releases of npm packages in one pull request; majors one by one',
          matchDatasources: ['npm'],
          matchUpdateTypes: ['minor', 'patch'],
          groupName: 'npm minor and patch',
        },
      ],
    };
    const config = this.config;
    this.file = new (class extends FileBase {
      protected synthesizeContent(_resolver: IResolver): string | undefined {
        return `// ${this.marker}\n// The update bot's configuration: see projenrc/github/renovate.ts and devops/doc/github-actions-intro.md.\n${JSON.stringify(config, null, 2)}\n`;
      }
    })(project, props.configPath ?? '.github/renovate.json5', { committed: true, marker: true, readonly: true });

    const github = GitHub.of(project);
    if (!github) throw new Error('RenovateConfig: the project needs GitHub support (github: true)');
    const wf = pinnedWorkflow(github, 'renovate');
    this.workflow = wf;
    wf.on({ schedule: [{ cron: '0 4 * * 1' }], workflowDispatch: {} });
    wf.file?.addOverride('permissions', { contents: 'read' });
    wf.file?.addOverride('concurrency', { 'group': 'renovate', 'cancel-in-progress': false });
    wf.addJob('renovate', {
      name: 'Renovate',
      runsOn: ['ubuntu-latest'],
      timeoutMinutes: 30,
      // The bot pushes and opens pull requests with its own token (a GitHub App or a
      // fine-grained token in RENOVATE_TOKEN), never with this job's: pull requests opened
      // with GITHUB_TOKEN would not run the build workflow.
      permissions: { contents: workflows.JobPermission.READ },
      steps: [
        {
          name: 'Renovate',
          uses: Actions.renovate.uses,
          with: { token: '${{ secrets.RENOVATE_TOKEN }}' },
          env: {
            RENOVATE_REPOSITORIES: '${{ github.repository }}',
            RENOVATE_ONBOARDING: 'false',
            RENOVATE_REQUIRE_CONFIG: 'required',
            RENOVATE_PLATFORM_COMMIT: 'enabled',
            // Exactly the post-upgrade commands of the repository config, anchored.
            RENOVATE_ALLOWED_COMMANDS: JSON.stringify(POST_UPGRADE_COMMANDS.map((c) => `^${c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`)),
          },
        },
      ],
    });
  }
}
