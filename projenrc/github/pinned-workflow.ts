import { IResolver } from 'projen';
import { GitHub, GithubWorkflow } from 'projen/lib/github';
import { annotateActionVersions } from './actions';

/**
 * A projen GithubWorkflow whose YAML shows the release of every pinned action next to its
 * SHA (`uses: actions/checkout@<sha> # v7.0.1`). The workflow file is created inside
 * GithubWorkflow's constructor, so its rendering is wrapped on the instance.
 */
export function pinnedWorkflow(github: GitHub, name: string): GithubWorkflow {
  const wf = new GithubWorkflow(github, name);
  const file = wf.file as unknown as { synthesizeContent(resolver: IResolver): string | undefined } | undefined;
  if (!file) throw new Error(`workflow ${name}: projen created no file for it`);
  const render = file.synthesizeContent.bind(file);
  file.synthesizeContent = (resolver) => {
    const text = render(resolver);
    return text === undefined ? undefined : annotateActionVersions(text);
  };
  return wf;
}
