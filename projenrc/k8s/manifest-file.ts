import { IConstruct } from 'constructs';
import { FileBase, IResolver } from 'projen';
import { stringify } from 'yaml';

/** One Kubernetes object as plain data (what `kubectl apply` reads). */
export interface KubernetesObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: {
    readonly name: string;
    readonly namespace?: string;
    readonly labels?: Record<string, string>;
    readonly annotations?: Record<string, string>;
  };
  readonly [field: string]: unknown;
}

export interface ManifestFileProps {
  /** Comment lines at the top: what the objects are for. */
  readonly description: string;
  /** The objects, in apply order; called at synth time. */
  readonly objects: () => readonly KubernetesObject[];
  /** The objects already written as YAML documents (`documentsOf`), e.g. from a cache. @default written from `objects` */
  readonly documents?: () => string;
}

/** Objects as YAML documents, each opened by `---`. */
export function documentsOf(objects: readonly KubernetesObject[]): string {
  return objects.map((o) => `---\n${stringify(o, { lineWidth: 0, aliasDuplicateObjects: false })}`).join('');
}

/**
 * A multi-document YAML file of Kubernetes objects (`---` between them), with a generated
 * header. Knows nothing of the stack: renderers hand it plain objects.
 */
export class ManifestFile extends FileBase {
  constructor(scope: IConstruct, filePath: string, private readonly props: ManifestFileProps) {
    super(scope, filePath, { committed: true, marker: true, readonly: true });
  }

  /** The objects this file holds. */
  public get objects(): readonly KubernetesObject[] {
    return this.props.objects();
  }

  protected synthesizeContent(_resolver: IResolver): string | undefined {
    const header = [this.marker, ...this.props.description.split('\n')].map((l) => `# ${l}`.trimEnd()).join('\n');
    return `${header}\n${this.props.documents?.() ?? documentsOf(this.objects)}`;
  }
}
