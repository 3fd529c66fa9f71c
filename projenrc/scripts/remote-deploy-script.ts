import { DERIVED_HEADER, bashArray, bashFragment, caseFunction, exitCodeLines, shellQuote } from './bash';
import type { DeployCheckScript } from './deploy-check-script';
import type { DeployScript } from './deploy-script';
import { ShellScript } from './shell-script';
import { DEPLOY_CHECK_EXIT, DEPLOY_EXIT, DEPLOY_STATE, Deployment, ExitCode, REMOTE_DEPLOY_EXIT } from '../deploy/deployment';
import { SHA_TAG_LENGTH, shaTagPrefix } from '../image-tags';

export interface RemoteDeployScriptProps {
  /** The server's scripts, copied with the compose file on every deploy. */
  readonly deploy: DeployScript;
  readonly check: DeployCheckScript;
}

/**
 * `scripts/remote-deploy.sh`: the SSH side of a deploy, run by the deploy workflow, by a
 * person from their machine and by the deploy e2e test. Trusts only a pinned host key,
 * copies the compose file(s) and the server scripts, runs deploy.sh (or deploy-check.sh)
 * there, and writes the GitHub step summary and outputs. Logic:
 * projenrc/scripts/bash/remote-deploy.bash.
 */
export class RemoteDeployScript extends ShellScript {
  constructor(deployment: Deployment, filePath: string, scripts: RemoteDeployScriptProps) {
    super(deployment, filePath, {
      description: [
        `Deploys over SSH like the deploy workflow: copies the compose file and ${scripts.deploy.path}, runs it on the server.`,
        `Usage: ${filePath} [deploy|check]   (settings come from the environment; --help lists them)`,
      ].join('\n'),
      body: () => [DERIVED_HEADER, ...derived(deployment, scripts), '', ...bashFragment('remote-deploy')],
    });
  }
}

function derived(d: Deployment, scripts: RemoteDeployScriptProps): string[] {
  const describe: Record<string, string> = {};
  const emoji: Record<string, string> = {};
  // remote-deploy's own codes win: its usage error (2) covers the server scripts' too.
  const own = new Set<number>(Object.values(REMOTE_DEPLOY_EXIT).map((c) => c.code));
  for (const c of Object.values(REMOTE_DEPLOY_EXIT)) describe[`*:${c.code}`] = `echo ${shellQuote(c.meaning)}`;
  const add = (mode: string, codes: Record<string, ExitCode>) => {
    for (const c of Object.values(codes)) if (!own.has(c.code)) describe[`${mode}:${c.code}`] = `echo ${shellQuote(c.meaning)}`;
  };
  add('deploy', DEPLOY_EXIT);
  add('check', DEPLOY_CHECK_EXIT);
  for (const c of d.checkExitCodes) describe[`check:${c.code}`] = `echo ${shellQuote(`failed: ${c.labels.join(', ')}`)}`;
  emoji[`*:${DEPLOY_EXIT.DEPLOYED.code}`] = "printf '%s' ✅";
  emoji[`deploy:${DEPLOY_EXIT.ROLLED_BACK.code}`] = "printf '%s' ↩️";
  emoji[`deploy:${DEPLOY_EXIT.LOCKED.code}`] = "printf '%s' ⏳";
  return [
    `STACK_NAME=${shellQuote(d.stack.name)}`,
    `DEFAULT_COMPOSE_FILE=${shellQuote(d.compose.file.path)}`,
    `DEFAULT_DEPLOY_PATH=${shellQuote(d.deployPath)}`,
    `DEPLOY_SCRIPT=${shellQuote(scripts.deploy.path)}`,
    `DEPLOY_CHECK_SCRIPT=${shellQuote(scripts.check.path)}`,
    `STATE_DIR=${DEPLOY_STATE.dir}`,
    '# Copied to the server with the compose file(s) on every deploy.',
    bashArray('SERVER_SCRIPTS', [scripts.deploy.path, scripts.check.path]),
    '# The default tag: the one every build pushes for a commit.',
    `SHA_TAG_PREFIX=${shellQuote(shaTagPrefix())}`,
    `SHA_TAG_LENGTH=${SHA_TAG_LENGTH}`,
    ...exitCodeLines(REMOTE_DEPLOY_EXIT),
    '# describe_exit / exit_emoji MODE CODE: what an exit code of the server script means.',
    ...caseFunction('describe_exit', describe, 'echo "failed (exit $2)"', '$1:$2'),
    ...caseFunction('exit_emoji', emoji, "printf '%s' ❌", '$1:$2'),
  ];
}
