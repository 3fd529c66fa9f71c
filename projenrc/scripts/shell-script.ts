import { IConstruct } from 'constructs';
import { FileBase, IResolver } from 'projen';

export interface ShellScriptProps {
  /** What the script does, in a few lines (rendered as the header comment). */
  readonly description: string;
  /** The body, after the shebang, header and `set -euo pipefail`. */
  readonly body: () => string[];
  /** @default bash */
  readonly shell?: 'bash' | 'sh';
}

/** An executable shell script with a generated header; strict mode on. */
export class ShellScript extends FileBase {
  constructor(scope: IConstruct, filePath: string, private readonly props: ShellScriptProps) {
    super(scope, filePath, { committed: true, marker: true, readonly: true, executable: true });
  }

  protected synthesizeContent(_resolver: IResolver): string | undefined {
    const shell = this.props.shell ?? 'bash';
    const header = [this.marker, ...this.props.description.split('\n')].map((l) => `# ${l}`.trimEnd());
    const strict = shell === 'bash' ? 'set -euo pipefail' : 'set -eu';
    return [`#!/usr/bin/env ${shell}`, ...header, strict, '', ...this.props.body()].join('\n') + '\n';
  }
}
