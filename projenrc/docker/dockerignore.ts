import { IConstruct } from 'constructs';
import { FileBase, IResolver } from 'projen';

export interface DockerignoreProps {
  /** Paths to keep in the build context; `undefined` keeps everything but `exclude`. */
  readonly include?: readonly string[];
  /** Paths to drop (applied after `include`). */
  readonly exclude?: readonly string[];
}

/** Always out of any build context: dependencies, build output, secrets, VCS. */
const ALWAYS_EXCLUDED = ['**/node_modules', '**/dist', '**/.next', '**/*.tsbuildinfo', '**/.env', '**/.env.*', '.git'];

/**
 * A .dockerignore. With `include`, it is an allow-list (`*` then `!path`), so a new file
 * never slips into an image by accident. Per-Dockerfile files (`Dockerfile.x.dockerignore`)
 * are honoured by BuildKit.
 */
export class Dockerignore extends FileBase {
  constructor(scope: IConstruct, filePath: string, private readonly props: DockerignoreProps) {
    super(scope, filePath, { committed: true, marker: true, readonly: true });
  }

  protected synthesizeContent(_resolver: IResolver): string | undefined {
    const lines = [`# ${this.marker}`];
    if (this.props.include) {
      lines.push('*', ...this.props.include.map((p) => `!${p}`));
    }
    lines.push(...ALWAYS_EXCLUDED, ...(this.props.exclude ?? []));
    return lines.join('\n') + '\n';
  }
}
