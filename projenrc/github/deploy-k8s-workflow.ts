import { Component } from 'projen';
import { GitHub, GithubWorkflow, workflows } from 'projen/lib/github';
import { Actions } from './actions';
import { pinnedWorkflow } from './pinned-workflow';
import { imageDigestVariable } from '../k8s/kubernetes-stack';
import type { KubernetesStack } from '../k8s/kubernetes-stack';
import type { KubernetesDeployScript } from '../scripts/k8s-scripts';
import type { NotifyTelegramScript } from '../scripts/notify-telegram-script';
import type { VerifyImagesScript } from '../scripts/verify-images-script';

export interface KubernetesDeployWorkflowProps {
  readonly kubernetes: KubernetesStack;
  readonly deploy: KubernetesDeployScript;
  readonly notify: NotifyTelegramScript;
  /** Verifies the signed build provenance of the images; the deploy runs exactly the digests it verified. */
  readonly verify: VerifyImagesScript;
}

/** The secret of each GitHub environment that holds its cluster's kubeconfig (see the Kubernetes guide). */
export const KUBECONFIG_SECRET = 'KUBECONFIG';
const NOTIFY_SECRETS = ['TELEGRAM_NOTIFY_TOKEN', 'TELEGRAM_NOTIFY_CHAT_ID'] as const;
const R = workflows.JobPermission.READ;

/**
 * `.github/workflows/deploy-k8s.yml`: the Kubernetes deploy button. A person picks a tag
 * (default: the `sha-` tag of the selected commit) and one of the model's Kubernetes
 * environments; one job, in that GitHub environment (its protection rules and its
 * kubeconfig secret), verifies the images' signed provenance (scripts/verify-images.sh, as
 * the compose deploy does), runs scripts/k8s-deploy.sh — the script a person runs — with
 * exactly the digests it verified, and notifies Telegram whatever happened. Deploys to one
 * environment queue, never cancel each other.
 */
export class KubernetesDeployWorkflow extends Component {
  public readonly workflow: GithubWorkflow;

  constructor(scope: KubernetesStack, id: string, props: KubernetesDeployWorkflowProps) {
    super(scope.stack, id);
    const github = GitHub.of(scope.project);
    if (!github) throw new Error('KubernetesDeployWorkflow: the project needs GitHub support (github: true)');
    const environments = props.kubernetes.environments.map((e) => e.name);
    const wf = pinnedWorkflow(github, 'deploy-k8s');
    this.workflow = wf;
    wf.on({
      workflowDispatch: {
        inputs: {
          tag: {
            description: 'Image tag whose digests are deployed: sha-<commit>, branch-<name> or x.y.z. Empty: the sha- tag of the selected branch\'s commit',
            required: false,
            type: 'string',
            default: '',
          },
          environment: {
            description: 'Kubernetes environment (namespace and hosts come from the model)',
            required: true,
            type: 'choice',
            options: environments,
            default: environments[environments.length - 1],
          },
        },
      },
    });
    wf.file?.addOverride('permissions', { contents: 'read' });
    wf.file?.addOverride('concurrency', { 'group': 'deploy-k8s-${{ inputs.environment }}', 'cancel-in-progress': false });

    wf.addJob('deploy', {
      name: "Deploy ${{ inputs.tag || 'this commit' }} to ${{ inputs.environment }} (Kubernetes)",
      runsOn: ['ubuntu-latest'],
      timeoutMinutes: 30,
      environment: '${{ inputs.environment }}',
      // packages: read lets the verify step read private images with this run's short-lived
      // token; attestations: read lets it read their signed provenance.
      permissions: { contents: R, packages: R, attestations: R },
      steps: [
        { name: 'Check out', uses: Actions.checkout.uses, with: { 'persist-credentials': false } },
        {
          name: 'Log in to the registry (to read the images and their attestations)',
          uses: Actions.login.uses,
          with: { registry: props.kubernetes.stack.registry.host, username: '${{ github.actor }}', password: '${{ secrets.GITHUB_TOKEN }}' },
        },
        {
          name: 'Kubeconfig of the environment',
          env: { KUBECONFIG_DATA: `\${{ secrets.${KUBECONFIG_SECRET} }}` },
          run: [
            'if [ -z "$KUBECONFIG_DATA" ]; then echo "::error::secret KUBECONFIG is not set in this environment (see devops/doc/guides/kubernetes.md)"; exit 1; fi',
            'umask 077',
            'printf \'%s\\n\' "$KUBECONFIG_DATA" > "$RUNNER_TEMP/kubeconfig"',
            'echo "KUBECONFIG=$RUNNER_TEMP/kubeconfig" >> "$GITHUB_ENV"',
            'kubectl version --client',
          ].join('\n'),
        },
        {
          // Nothing reaches the cluster unless every image of the tag was built and signed by
          // this repository's build workflow; the step outputs each verified digest.
          name: 'Verify image provenance',
          id: 'verify',
          env: { IMAGE_TAG: '${{ inputs.tag }}', REPOSITORY: '${{ github.repository }}', GH_TOKEN: '${{ github.token }}' },
          run: `IMAGE_PREFIX="${props.kubernetes.stack.registry.host}/\${REPOSITORY,,}" ${props.verify.path} "$IMAGE_TAG"`,
        },
        {
          name: 'Deploy',
          id: 'deploy',
          env: {
            DEPLOY_ENVIRONMENT: '${{ inputs.environment }}',
            // What runs is what was verified: the digests, never the tag again.
            ...Object.fromEntries(props.kubernetes.images.map((i) => [imageDigestVariable(i), `\${{ steps.verify.outputs['${i.name}'] }}`])),
          },
          run: `${props.deploy.path} "$DEPLOY_ENVIRONMENT"`,
        },
        {
          name: 'Notify Telegram',
          if: 'always()',
          // A notification that cannot be sent must not turn a good deploy red.
          continueOnError: true,
          env: {
            ...Object.fromEntries(NOTIFY_SECRETS.map((n) => [n, `\${{ secrets.${n} }}`])),
            MESSAGE: "${{ steps.deploy.outcome == 'success' && '✅' || '❌' }} Kubernetes deploy of ${{ inputs.tag || github.sha }} to ${{ inputs.environment }}: ${{ steps.deploy.outcome || job.status }}",
            RUN_URL: '${{ github.server_url }}/${{ github.repository }}/actions/runs/${{ github.run_id }}',
          },
          run: `${props.notify.path} "$MESSAGE" "$RUN_URL"`,
        },
      ],
    });
  }
}
