import { bashArray, bashFragment, shellQuote } from './bash';
import { ShellScript } from './shell-script';
import { SHA_TAG_LENGTH, shaTagPrefix } from '../image-tags';
import type { Stack } from '../stack';

export interface VerifyImagesScriptProps {
  /** Path of the workflow that signs the attestations, e.g. `.github/workflows/build.yml`. */
  readonly buildWorkflowPath: string;
}

/**
 * `scripts/verify-images.sh`: before a deploy, checks that every published image of a tag
 * carries a build-provenance attestation signed by this repository's build workflow
 * (`gh attestation verify`), and prints the verified digests. The deploy workflow runs it;
 * a person deploying by hand runs the same script.
 */
export class VerifyImagesScript extends ShellScript {
  constructor(stack: Stack, filePath: string, props: VerifyImagesScriptProps) {
    super(stack, filePath, {
      description: 'Verifies the signed build provenance of every published image of a tag before a deploy.\nUsage: scripts/verify-images.sh [TAG]   (--help for the settings)',
      body: () => [
        `DEFAULT_IMAGE_PREFIX=${shellQuote(stack.imagePrefix)}`,
        `DEFAULT_REPOSITORY=${shellQuote(`${stack.registry.owner}/${stack.registry.repository}`)}`,
        `BUILD_WORKFLOW=${shellQuote(props.buildWorkflowPath)}`,
        `SHA_TAG_PREFIX=${shellQuote(shaTagPrefix())}`,
        `SHA_TAG_LENGTH=${SHA_TAG_LENGTH}`,
        bashArray('IMAGES', stack.publishedImages.map((i) => i.name)),
        '',
        ...bashFragment('verify-images'),
      ],
    });
  }
}
