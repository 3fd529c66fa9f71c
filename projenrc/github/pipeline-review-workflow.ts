import { Component, Task } from 'projen';
import { GitHub, GithubWorkflow, workflows } from 'projen/lib/github';
import { Actions } from './actions';
import { pinnedWorkflow } from './pinned-workflow';
import type { Stack } from '../stack';

export interface PipelineReviewWorkflowProps {
  /** Node.js version of the diff job (the project's toolchain). */
  readonly nodeVersion: string;
  /** The `pipeline-diff` task (`npx projen pipeline-diff`). */
  readonly diffTask: Task;
  /** Creates or updates the sticky comment; run from the base branch's checkout. */
  readonly commentScript: string;
  /**
   * Node.js version of the comment job: one that runs the TypeScript comment script
   * without installing anything (type stripping).
   * @default '24'
   */
  readonly commentNodeVersion?: string;
}

const R = workflows.JobPermission.READ;
const W = workflows.JobPermission.WRITE;

/** A pull request from this repository, not a fork: only then may a job write to it. */
export const SAME_REPOSITORY_PR = 'github.event.pull_request.head.repo.full_name == github.repository';

/**
 * `.github/workflows/pipeline-review.yml`: explains each pull request's pipeline change in
 * one sticky comment. Two jobs, so the write token never meets the pull request's code:
 *
 * - `diff` (read-only) checks out the merge commit, installs, and runs
 *   `npx projen pipeline-diff` against its first parent, the base the merge was computed
 *   on. The report goes to the job summary (forks get only this) and to the job's outputs.
 * - `comment` (`pull-requests: write`, same-repository pull requests only) checks out the
 *   base commit and runs its comment script with the report: a pull request cannot change
 *   the code that holds the write token. Nothing is installed there.
 */
export class PipelineReviewWorkflow extends Component {
  public readonly workflow: GithubWorkflow;

  constructor(stack: Stack, id: string, props: PipelineReviewWorkflowProps) {
    super(stack, id);
    const github = GitHub.of(stack.project);
    if (!github) throw new Error('PipelineReviewWorkflow: the project needs GitHub support (github: true)');
    const wf = pinnedWorkflow(github, 'pipeline-review');
    this.workflow = wf;

    wf.on({ pullRequest: {} });
    wf.file?.addOverride('permissions', { contents: 'read' });
    // A new push supersedes the running review of the same pull request.
    wf.file?.addOverride('concurrency', { 'group': 'pipeline-review-${{ github.event.pull_request.number }}', 'cancel-in-progress': true });

    wf.addJob('diff', {
      name: 'Pipeline diff',
      runsOn: ['ubuntu-latest'],
      timeoutMinutes: 15,
      permissions: { contents: R },
      outputs: {
        status: { stepId: 'diff', outputName: 'status' },
        comment: { stepId: 'diff', outputName: 'comment' },
      },
      steps: [
        // Depth 2: the merge commit and its parents; the first parent is the base.
        { name: 'Check out', uses: Actions.checkout.uses, with: { 'fetch-depth': 2, 'persist-credentials': false } },
        { name: 'Set up Node.js', uses: Actions.setupNode.uses, with: { 'node-version': props.nodeVersion, 'cache': 'npm' } },
        { name: 'Install', run: 'npm ci --no-audit --no-fund' },
        {
          name: 'Diff the pipeline against the base',
          id: 'diff',
          env: { BASE_REF: '${{ github.base_ref }}' },
          run: `npx projen ${props.diffTask.name} --base HEAD^1 --base-label "$BASE_REF" --head-label 'this pull request'`,
        },
      ],
    });

    wf.addJob('comment', {
      name: 'Sticky comment',
      needs: ['diff'],
      // Also after a failed diff that still reported (the working tree does not synthesize).
      if: `\${{ !cancelled() && needs.diff.outputs.status != '' && ${SAME_REPOSITORY_PR} }}`,
      runsOn: ['ubuntu-latest'],
      timeoutMinutes: 5,
      permissions: { contents: R, pullRequests: W },
      steps: [
        {
          name: 'Check out the base branch (trusted code only)',
          uses: Actions.checkout.uses,
          with: { 'ref': '${{ github.event.pull_request.base.sha }}', 'persist-credentials': false },
        },
        { name: 'Set up Node.js', uses: Actions.setupNode.uses, with: { 'node-version': props.commentNodeVersion ?? '24' } },
        {
          name: 'Create or update the comment',
          env: {
            GITHUB_TOKEN: '${{ secrets.GITHUB_TOKEN }}',
            PR_NUMBER: '${{ github.event.pull_request.number }}',
            COMMENT_STATUS: '${{ needs.diff.outputs.status }}',
            COMMENT_BODY: '${{ needs.diff.outputs.comment }}',
          },
          // The base of the very first pull request has no script yet: the job summary has the report.
          run: `if [ -f ${props.commentScript} ]; then node ${props.commentScript}; else echo "::notice::${props.commentScript} is not on the base branch yet; the report is in the diff job's summary"; fi`,
        },
      ],
    });
  }
}
