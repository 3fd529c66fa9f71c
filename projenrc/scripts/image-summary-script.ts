import { IConstruct } from 'constructs';
import { bashFragment } from './bash';
import { ShellScript } from './shell-script';

/**
 * `scripts/image-summary.sh`: one Markdown row per pushed image reference with its
 * compressed size, read from the registry (works for images that were never pulled).
 */
export class ImageSummaryScript extends ShellScript {
  constructor(scope: IConstruct, filePath: string) {
    super(scope, filePath, {
      description: 'Prints a Markdown table of image references and their compressed sizes.\nUsage: scripts/image-summary.sh REF [REF...]',
      body: () => bashFragment('image-summary'),
    });
  }
}
