import { Component } from 'projen';
import { GitHub, GithubWorkflow, workflows } from 'projen/lib/github';
import { Actions } from './actions';
import { pinnedWorkflow } from './pinned-workflow';
import type { NotifyTelegramScript } from '../scripts/notify-telegram-script';
import type { RemoteDeployScript } from '../scripts/remote-deploy-script';
import type { VerifyImagesScript } from '../scripts/verify-images-script';
import type { Stack } from '../stack';

export interface DeployWorkflowProps {
  /** Where a deploy can go: GitHub environments, each with its own SSH secrets and protection rules. The first is the default. */
  readonly targets: readonly string[];
  readonly remoteDeploy: RemoteDeployScript;
  readonly notify: NotifyTelegramScript;
  /** Verifies the signed build provenance of the images before anything reaches the server. */
  readonly verify: VerifyImagesScript;
}

const R = workflows.JobPermission.READ;

/** Secrets the deploy step reads from the chosen GitHub environment; see auto-deploy-setup.md. */
export const DEPLOY_SECRETS = ['SSH_HOST', 'SSH_USER', 'SSH_PORT', 'DEPLOY_PATH', 'SSH_KEY', 'SSH_KNOWN_HOSTS'] as const;
export const NOTIFY_SECRETS = ['TELEGRAM_NOTIFY_TOKEN', 'TELEGRAM_NOTIFY_CHAT_ID'] as const;

/**
 * `.github/workflows/deploy.yml`: the Deploy button. A person picks a tag (default: the
 * `sha-` tag of the selected commit) and an environment; one job, in that GitHub
 * environment (its protection rules and secrets apply), runs scripts/remote-deploy.sh (the
 * script the manual guide and the deploy e2e run), then notifies Telegram whatever happened.
 * Deploys to one environment queue instead of cancelling each other.
 */
export class DeployWorkflow extends Component {
  public readonly workflow: GithubWorkflow;

  constructor(stack: Stack, id: string, props: DeployWorkflowProps) {
    super(stack, id);
    this.node.addValidation({ validate: () => (props.targets.length ? [] : ['declare at least one deploy target']) });
    const github = GitHub.of(stack.project);
    if (!github) throw new Error('DeployWorkflow: the project needs GitHub support (github: true)');
    const wf = pinnedWorkflow(github, 'deploy');
    this.workflow = wf;

    wf.on({
      workflowDispatch: {
        inputs: {
          tag: {
            description: 'Image tag: sha-<commit>, branch-<name>, latest or x.y.z. Empty: the sha- tag of the selected branch\'s commit',
            required: false,
            type: 'string',
            default: '',
          },
          environment: {
            description: 'Where to deploy',
            required: true,
            type: 'choice',
            options: [...props.targets],
            default: props.targets[0],
          },
        },
      },
    });
    wf.file?.addOverride('permissions', { contents: 'read' });
    // One deploy per environment at a time; a second one waits, it never cancels a running deploy.
    wf.file?.addOverride('concurrency', { 'group': 'deploy-${{ inputs.environment }}', 'cancel-in-progress': false });

    const secretEnv = (names: readonly string[]) => Object.fromEntries(names.map((n) => [n, `\${{ secrets.${n} }}`]));
    wf.addJob('deploy', {
      name: "Deploy ${{ inputs.tag || 'this commit' }} to ${{ inputs.environment }}",
      runsOn: ['ubuntu-latest'],
      timeoutMinutes: 30,
      environment: '${{ inputs.environment }}',
      // packages: read lets the server pull private images with this run's short-lived token;
      // attestations: read lets the verify step read the images' signed provenance.
      permissions: { contents: R, packages: R, attestations: R },
      steps: [
        { name: 'Check out', uses: Actions.checkout.uses, with: { 'persist-credentials': false } },
        {
          name: `Log in to ${stack.registry.host}`,
          uses: Actions.login.uses,
          with: { registry: stack.registry.host, username: '${{ github.actor }}', password: '${{ secrets.GITHUB_TOKEN }}' },
        },
        {
          // Nothing reaches the server unless every image of the tag was built and signed by
          // this repository's build workflow. The step prints the verified digests.
          name: 'Verify image provenance',
          id: 'verify',
          env: {
            IMAGE_TAG: '${{ inputs.tag }}',
            REPOSITORY: '${{ github.repository }}',
            GH_TOKEN: '${{ github.token }}',
          },
          run: `IMAGE_PREFIX="${stack.registry.host}/\${REPOSITORY,,}" ${props.verify.path} "$IMAGE_TAG"`,
        },
        {
          name: 'Deploy over SSH',
          id: 'deploy',
          env: {
            ...secretEnv(DEPLOY_SECRETS),
            IMAGE_TAG: '${{ inputs.tag }}',
            DEPLOY_ENVIRONMENT: '${{ inputs.environment }}',
            REGISTRY_USER: '${{ github.actor }}',
            REGISTRY_PASSWORD: '${{ secrets.GITHUB_TOKEN }}',
          },
          run: `${props.remoteDeploy.path} deploy`,
        },
        {
          name: 'Notify Telegram',
          if: 'always()',
          // A notification that cannot be sent must not turn a good deploy red.
          continueOnError: true,
          env: {
            ...secretEnv(NOTIFY_SECRETS),
            MESSAGE: "${{ steps.deploy.outputs.message || format('❌ deploy to {0} did not run ({1})', inputs.environment, job.status) }}",
            RUN_URL: '${{ github.server_url }}/${{ github.repository }}/actions/runs/${{ github.run_id }}',
          },
          run: `${props.notify.path} "$MESSAGE" "$RUN_URL"`,
        },
      ],
    });
  }
}
