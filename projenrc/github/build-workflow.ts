import { Component } from 'projen';
import { GitHub, GithubWorkflow, workflows } from 'projen/lib/github';
import { Actions } from './actions';
import { metadataActionTags } from '../image-tags';
import type { ImageSummaryScript } from '../scripts/image-summary-script';
import type { Stack } from '../stack';

export interface BuildWorkflowProps {
  /** Node.js version of the test job. */
  readonly nodeVersion: string;
  /** PostgreSQL image of the test job's service container (same major as production). */
  readonly postgresImage: string;
  /** Prints a step-summary row per pushed image (with its size). */
  readonly summaryScript: ImageSummaryScript;
}

const R = workflows.JobPermission.READ;
const W = workflows.JobPermission.WRITE;

/**
 * `.github/workflows/build.yml`: tests, then one matrix job per published image of the
 * stack: build with buildx (cache scoped per image), tag by the shared scheme, push to
 * ghcr.io on pushes (never from pull requests). Each step calls something that runs
 * locally too; the logic lives in tested code, not in YAML.
 */
export class BuildWorkflow extends Component {
  public readonly workflow: GithubWorkflow;

  constructor(stack: Stack, id: string, props: BuildWorkflowProps) {
    super(stack, id);
    const github = GitHub.of(stack.project);
    if (!github) throw new Error('BuildWorkflow: the project needs GitHub support (github: true)');
    const wf = new GithubWorkflow(github, 'build');
    this.workflow = wf;

    wf.on({
      push: { branches: ['**'], tags: ['v*'] },
      pullRequest: {},
      workflowDispatch: {},
    });
    // Least privilege: read-only by default; only the image job may write packages.
    wf.file?.addOverride('permissions', { contents: 'read' });
    wf.file?.addOverride('concurrency', {
      'group': 'build-${{ github.ref }}',
      // Superseded pull request builds are dropped; pushes finish so every commit gets its tags.
      'cancel-in-progress': "${{ github.event_name == 'pull_request' }}",
    });

    wf.addJob('test', {
      name: 'Test',
      runsOn: ['ubuntu-latest'],
      timeoutMinutes: 30,
      permissions: { contents: R },
      services: {
        postgres: {
          image: props.postgresImage,
          env: { POSTGRES_PASSWORD: 'postgres' },
          ports: ['5432:5432'] as unknown as number[],
        },
      },
      // Given a DATABASE_URL, the test setup uses this server instead of starting its own.
      env: { DATABASE_URL: 'postgres://postgres:postgres@localhost:5432/postgres' },
      steps: [
        { name: 'Check out', uses: Actions.checkout, with: { 'persist-credentials': false } },
        { name: 'Set up Node.js', uses: Actions.setupNode, with: { 'node-version': props.nodeVersion, 'cache': 'npm' } },
        { name: 'Install', run: 'npm ci --no-audit --no-fund' },
        { name: 'Synthesized files match .projenrc.ts', run: 'npx projen && git diff --exit-code' },
        { name: 'Compile and type-check', run: 'npx projen compile' },
        { name: 'Lint', run: 'npx projen eslint && git diff --exit-code' },
        { name: 'Unit and integration tests', run: 'npx projen test --ci' },
      ],
    });

    // GitHub wants one options string; projen's model types it as a list.
    wf.file?.addOverride('jobs.test.services.postgres.options',
      '--health-cmd "pg_isready -U postgres" --health-interval 2s --health-timeout 2s --health-retries 30');

    const images = stack.publishedImages.map((i) => i.name);
    wf.addJob('image', {
      name: 'Image ${{ matrix.image }}',
      needs: ['test'],
      runsOn: ['ubuntu-latest'],
      timeoutMinutes: 30,
      permissions: { contents: R, packages: W },
      strategy: { failFast: false, matrix: { domain: { image: images } } },
      steps: [
        { name: 'Check out', uses: Actions.checkout, with: { 'persist-credentials': false } },
        { name: 'Set up Buildx', uses: Actions.setupBuildx },
        {
          name: 'Log in to ghcr.io',
          if: "github.event_name != 'pull_request'",
          uses: Actions.login,
          with: { registry: stack.registry.host, username: '${{ github.actor }}', password: '${{ secrets.GITHUB_TOKEN }}' },
        },
        {
          name: 'Compute tags and labels',
          id: 'meta',
          uses: Actions.metadata,
          with: {
            images: `${stack.imagePrefix}/\${{ matrix.image }}`,
            flavor: 'latest=false',
            tags: metadataActionTags(),
          },
        },
        {
          name: 'Build and push',
          uses: Actions.buildPush,
          with: {
            'context': '.',
            'file': 'devops/Dockerfile.${{ matrix.image }}',
            'push': "${{ github.event_name != 'pull_request' }}",
            'tags': '${{ steps.meta.outputs.tags }}',
            'labels': '${{ steps.meta.outputs.labels }}',
            // One cache scope per image: a shared scope makes the matrix evict its own entries.
            'cache-from': 'type=gha,scope=image-${{ matrix.image }}',
            'cache-to': 'type=gha,mode=max,scope=image-${{ matrix.image }}',
            // Single-platform manifests: no attestation entries listed as unknown/unknown on
            // the package page, and `docker pull` size reporting stays exact.
            'provenance': false,
          },
        },
        {
          name: 'Summary',
          if: "github.event_name != 'pull_request'",
          env: { TAGS: '${{ steps.meta.outputs.tags }}' },
          run: `mapfile -t refs <<<"$TAGS"\n${props.summaryScript.path} "\${refs[@]}" >> "$GITHUB_STEP_SUMMARY"`,
        },
      ],
    });
  }
}
