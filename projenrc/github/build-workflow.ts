import { Component } from 'projen';
import { GitHub, GithubWorkflow, workflows } from 'projen/lib/github';
import { Actions } from './actions';
import { pinnedWorkflow } from './pinned-workflow';
import { BaseImage, nodeMajorOf } from '../base-images';
import { SHA_TAG_LENGTH, metadataActionTags, shaTagPrefix } from '../image-tags';
import { bashFragment } from '../scripts/bash';
import type { ImageSummaryScript } from '../scripts/image-summary-script';
import { ShellScript } from '../scripts/shell-script';
import type { Stack } from '../stack';

export interface BuildWorkflowProps {
  /** The Node.js image the services run: the test job runs the same Node.js major. */
  readonly nodeImage: BaseImage;
  /** PostgreSQL image of the test job's service container (the production one, by digest). */
  readonly postgresImage: BaseImage;
  /** Prints a step-summary row per pushed image (with its size per platform). */
  readonly summaryScript: ImageSummaryScript;
  /** The branch whose pushes publish images (and `latest`). @default the project's default release branch, else 'main' */
  readonly defaultBranch?: string;
  /** Platforms of every published image. @default linux/amd64 and linux/arm64 */
  readonly platforms?: readonly string[];
}

const R = workflows.JobPermission.READ;
const W = workflows.JobPermission.WRITE;

/** The job step that computes `ghcr.io/<owner>/<repo>` from the repository running the workflow. */
export const IMAGE_PREFIX_STEP_ID = 'prefix';

/**
 * `.github/workflows/build.yml`: tests, then one matrix job per published image of the stack
 * that builds it for every platform, and pushes it with provenance, an SBOM and a signed
 * build-provenance attestation, then moves `latest` in a job of its own.
 *
 * - Runs once per pull request (pull_request only; pushes run for the default branch and
 *   `v*` tags, which are also the only runs that publish).
 * - Pull request runs of one PR supersede each other; runs of pushes never cancel each other
 *   (each commit gets its `sha-` image). `latest` moves in a per-branch queue that only ever
 *   points it at the branch's head, so parallel runs cannot move it backwards.
 * - A `v*` tag run pushes the semver tags only: a `sha-` tag belongs to the branch run that
 *   built that commit and is never rewritten.
 * - The image owner is the repository that runs the workflow (lower-cased for ghcr.io), so a
 *   fork publishes to its own packages; the model's owner is only the local default.
 */
export class BuildWorkflow extends Component {
  public readonly workflow: GithubWorkflow;

  constructor(stack: Stack, id: string, props: BuildWorkflowProps) {
    super(stack, id);
    const github = GitHub.of(stack.project);
    if (!github) throw new Error('BuildWorkflow: the project needs GitHub support (github: true)');
    const defaultBranch = props.defaultBranch ?? (stack.project as { release?: { branches?: string[] } }).release?.branches?.[0] ?? 'main';
    const platforms = props.platforms ?? ['linux/amd64', 'linux/arm64'];
    const wf = pinnedWorkflow(github, 'build');
    this.workflow = wf;
    const driftCheck = new ShellScript(this, 'scripts/check-drift.sh', {
      description: 'Fails when the working tree differs from the commit: modified, new or deleted files.\nCI runs it after `npx projen` and after the linter; run it the same way locally.',
      body: () => bashFragment('check-drift'),
    });

    wf.on({
      push: { branches: [defaultBranch], tags: ['v*'] },
      pullRequest: {},
      workflowDispatch: {},
    });
    // Least privilege: read-only by default; jobs ask for what they need.
    wf.file?.addOverride('permissions', { contents: 'read' });
    wf.file?.addOverride('concurrency', {
      // A pull request's runs share a group and the newest cancels the rest; every other run
      // has a group of its own, so no run of a push waits, and none is cancelled while pending.
      'group': "build-${{ github.event_name == 'pull_request' && format('pr-{0}', github.event.pull_request.number) || github.run_id }}",
      'cancel-in-progress': "${{ github.event_name == 'pull_request' }}",
    });

    wf.addJob('test', {
      name: 'Test',
      runsOn: ['ubuntu-latest'],
      timeoutMinutes: 30,
      permissions: { contents: R },
      services: {
        postgres: {
          image: props.postgresImage.default,
          env: { POSTGRES_PASSWORD: 'postgres' },
          ports: ['5432:5432'] as unknown as number[],
        },
      },
      // Given a DATABASE_URL, the test setup uses this server instead of starting its own.
      env: { DATABASE_URL: 'postgres://postgres:postgres@localhost:5432/postgres' },
      steps: [
        { name: 'Check out', uses: Actions.checkout.uses, with: { 'persist-credentials': false } },
        { name: 'Set up Node.js', uses: Actions.setupNode.uses, with: { 'node-version': nodeMajorOf(props.nodeImage), 'cache': 'npm' } },
        { name: 'Install', run: 'npm ci --no-audit --no-fund' },
        // The runtime recorded with each action pin is what the pipeline tests check against
        // retired Node.js versions; here it is checked against the actions' own action.yml.
        { name: 'Action runtimes match their action.yml', run: 'npx tsx scripts/action-runtimes.ts --check' },
        // git status, not git diff: an untracked or deleted synthesized file is drift too.
        { name: 'Synthesized files match .projenrc.ts', run: `npx projen\n${driftCheck.path}` },
        { name: 'Compile and type-check', run: 'npx projen compile' },
        { name: 'Lint', run: `npx projen eslint\n${driftCheck.path}` },
        { name: 'Unit and integration tests', run: 'npx projen test --ci' },
      ],
    });

    // GitHub wants one options string; projen's model types it as a list.
    wf.file?.addOverride('jobs.test.services.postgres.options',
      '--health-cmd "pg_isready -U postgres" --health-interval 2s --health-timeout 2s --health-retries 30');

    const publish = `github.event_name != 'pull_request' && (github.ref == 'refs/heads/${defaultBranch}' || startsWith(github.ref, 'refs/tags/v'))`;
    const prefixStep: workflows.JobStep = {
      name: 'Image prefix of this repository',
      id: IMAGE_PREFIX_STEP_ID,
      env: { REPOSITORY: '${{ github.repository }}' },
      // ghcr.io names are lower case; GitHub owners and repositories need not be.
      run: `echo "value=${stack.registry.host}/\${REPOSITORY,,}" >> "$GITHUB_OUTPUT"`,
    };
    const prefix = `\${{ steps.${IMAGE_PREFIX_STEP_ID}.outputs.value }}`;
    const login: workflows.JobStep = {
      name: `Log in to ${stack.registry.host}`,
      uses: Actions.login.uses,
      with: { registry: stack.registry.host, username: '${{ github.actor }}', password: '${{ secrets.GITHUB_TOKEN }}' },
    };

    const images = stack.publishedImages.map((i) => i.name);
    wf.addJob('image', {
      name: 'Image ${{ matrix.image }}',
      needs: ['test'],
      runsOn: ['ubuntu-latest'],
      timeoutMinutes: 60,
      permissions: {
        contents: R,
        packages: W,
        // The signed build-provenance attestation: an OIDC token for Sigstore, and the API
        // that stores attestations.
        idToken: W,
        attestations: W,
      },
      strategy: { failFast: false, matrix: { domain: { image: images } } },
      steps: [
        { name: 'Check out', uses: Actions.checkout.uses, with: { 'persist-credentials': false } },
        prefixStep,
        // Only the final stage of each image runs under emulation: stages whose output is
        // the same on every CPU run on the runner's own platform (projenrc/recipes.ts).
        { name: 'Set up QEMU', uses: Actions.setupQemu.uses, with: { platforms: platforms.filter((p) => p !== 'linux/amd64').map((p) => p.replace(/^linux\//, '')).join(',') || 'arm64' } },
        { name: 'Set up Buildx', uses: Actions.setupBuildx.uses },
        { ...login, if: publish },
        {
          name: 'Compute tags and labels',
          id: 'meta',
          uses: Actions.metadata.uses,
          with: {
            images: `${prefix}/\${{ matrix.image }}`,
            flavor: 'latest=false',
            tags: metadataActionTags(),
          },
        },
        {
          name: 'Build and push',
          id: 'build',
          uses: Actions.buildPush.uses,
          with: {
            'context': '.',
            'file': 'devops/Dockerfile.${{ matrix.image }}',
            'platforms': platforms.join(','),
            'push': `\${{ ${publish} }}`,
            'tags': '${{ steps.meta.outputs.tags }}',
            'labels': '${{ steps.meta.outputs.labels }}',
            // One cache scope per image: a shared scope makes the matrix evict its own entries.
            'cache-from': 'type=gha,scope=image-${{ matrix.image }}',
            'cache-to': 'type=gha,mode=max,scope=image-${{ matrix.image }}',
            // Unsigned BuildKit attestations in the image index: the complete build record
            // (every build step, argument and base image digest) and the packages of the image.
            'provenance': 'mode=max',
            'sbom': 'true',
          },
        },
        {
          name: 'Attest build provenance',
          if: publish,
          uses: Actions.attest.uses,
          with: {
            // Signed with a short-lived Sigstore certificate bound to this workflow run;
            // `gh attestation verify` checks it before every deploy (deploy.yml).
            'subject-name': `${prefix}/\${{ matrix.image }}`,
            'subject-digest': '${{ steps.build.outputs.digest }}',
            'push-to-registry': true,
            // Storage records exist only for organisation-owned repositories and need the
            // artifact-metadata permission; the attestation does not depend on them.
            'create-storage-record': false,
          },
        },
        {
          name: 'Summary',
          if: publish,
          env: { TAGS: '${{ steps.meta.outputs.tags }}', DIGEST: '${{ steps.build.outputs.digest }}' },
          run: `mapfile -t refs <<<"$TAGS"\n${props.summaryScript.path} "\${refs[@]}" >> "$GITHUB_STEP_SUMMARY"\necho "Digest: \\\`$DIGEST\\\`" >> "$GITHUB_STEP_SUMMARY"`,
        },
      ],
    });

    // `latest` follows the head of the default branch. Runs of pushes run in parallel, so the
    // move has a queue of its own (a newer run replaces a pending one, which is what latest
    // wants) and moves only when this commit is still the branch's head: an older run that
    // finishes last cannot move it backwards.
    const sha = `${shaTagPrefix()}\${GITHUB_SHA::${SHA_TAG_LENGTH}}`;
    wf.addJob('latest', {
      name: 'Move latest',
      needs: ['image'],
      if: `github.ref == 'refs/heads/${defaultBranch}' && github.event_name != 'pull_request'`,
      runsOn: ['ubuntu-latest'],
      timeoutMinutes: 10,
      permissions: { contents: R, packages: W },
      steps: [
        prefixStep,
        login,
        {
          name: 'Point latest at this commit\'s images',
          env: { PREFIX: prefix, GH_TOKEN: '${{ github.token }}', IMAGES: images.join(' ') },
          run: [
            `head=$(gh api "repos/$GITHUB_REPOSITORY/commits/${defaultBranch}" --jq .sha)`,
            'if [ "$head" != "$GITHUB_SHA" ]; then',
            `  echo "${defaultBranch} moved on to $head; its own run moves latest"`,
            '  exit 0',
            'fi',
            'for image in $IMAGES; do',
            // Copies the index as it is (same digest, attestations included).
            `  docker buildx imagetools create --tag "$PREFIX/$image:latest" "$PREFIX/$image:${sha}"`,
            'done',
          ].join('\n'),
        },
      ],
    });
    // projen renders a job's concurrency keys in camelCase; GitHub reads kebab-case.
    wf.file?.addOverride('jobs.latest.concurrency', { 'group': `latest-${defaultBranch}`, 'cancel-in-progress': false });
  }
}
