import { Construct } from 'constructs';
import { Dockerfile } from './docker/dockerfile';
import { Dockerignore } from './docker/dockerignore';

export interface ImageProps {
  /** Short name: `bot` → devops/Dockerfile.bot, ghcr.io/<owner>/<repo>/bot. */
  readonly name: string;
  readonly description: string;
  /**
   * Published to the registry by the build workflow and used by the production compose
   * file. Local-only images (demo fakes) are not. @default true
   */
  readonly published?: boolean;
  /** Paths (relative to the repository root) the build context needs; everything else is ignored. */
  readonly context: string[];
  /** Fills the Dockerfile's stages. */
  readonly recipe: (dockerfile: Dockerfile) => void;
}

/** An image built from `devops/Dockerfile.<name>` with its own `.dockerignore`. */
export class Image extends Construct {
  public readonly name: string;
  public readonly description: string;
  public readonly published: boolean;
  public readonly dockerfile: Dockerfile;
  public readonly dockerfilePath: string;

  constructor(scope: Construct, id: string, props: ImageProps) {
    super(scope, id);
    this.name = props.name;
    this.description = props.description;
    this.published = props.published ?? true;
    this.dockerfilePath = `devops/Dockerfile.${props.name}`;
    this.dockerfile = new Dockerfile(this, this.dockerfilePath, { description: props.description });
    props.recipe(this.dockerfile);
    new Dockerignore(this, `${this.dockerfilePath}.dockerignore`, { include: props.context });
  }
}
