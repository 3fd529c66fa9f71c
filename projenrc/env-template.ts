import { IConstruct } from 'constructs';
import { FileBase, IResolver } from 'projen';
import { EnvVar, generatorCommand } from './env';
import { Rendering } from './rendering';
import type { Stack } from './stack';

export interface EnvTemplateProps {
  readonly rendering: Rendering;
  /** Lines at the top: how to use the file. */
  readonly description: string;
}

/**
 * An env template (`.env.example`, `.env.production.example`) generated from the declared
 * variables: one commented entry each, secrets left empty with a hint to generate them.
 * Never holds a real or real-looking secret. Its path is the env file's plus `.example`.
 */
export class EnvTemplate extends FileBase {
  /** The git-ignored file people fill in from this template, e.g. `.env.production`. */
  public readonly envFile: string;

  constructor(private readonly stack: Stack, filePath: string, private readonly props: EnvTemplateProps) {
    super(stack, filePath, { committed: true, marker: true, readonly: true });
    this.envFile = filePath.replace(/\.example$/, '');
    this.node.addValidation({ validate: () => (filePath.endsWith('.example') ? [] : ['an env template\'s path ends in .example']) });
  }

  protected synthesizeContent(_resolver: IResolver): string | undefined {
    const lines = [this.marker, ...this.props.description.split('\n')].map((l) => `# ${l}`.trimEnd());
    for (const v of this.stack.variablesFor(this.props.rendering)) {
      lines.push('', ...entry(v));
    }
    return lines.join('\n') + '\n';
  }
}

function entry(v: EnvVar): string[] {
  const tags = [v.required ? 'required' : 'optional', ...(v.secret ? ['secret'] : [])];
  const out = [`# ${v.description} (${tags.join(', ')})`];
  if (v.generate) out.push(`#   generate: ${generatorCommand(v.generate)}`);
  if (v.example && !v.secret) out.push(`#   example: ${v.example}`);
  if (v.secret) return [...out, `${v.name}=`];
  if (v.default !== undefined) return [...out, `${v.name}=${v.default}`];
  return [...out, `${v.name}=`];
}

export interface FixedEnvFileProps {
  readonly description: string;
  /** Non-secret values only: this file is committed. */
  readonly values: Record<string, string>;
}

/** An env file of fixed, non-secret values, e.g. the demo profile's endpoints of the local fakes. */
export class FixedEnvFile extends FileBase {
  constructor(scope: IConstruct, filePath: string, private readonly props: FixedEnvFileProps) {
    super(scope, filePath, { committed: true, marker: true, readonly: true });
  }

  protected synthesizeContent(_resolver: IResolver): string | undefined {
    const header = [this.marker, ...this.props.description.split('\n')].map((l) => `# ${l}`.trimEnd());
    return [...header, ...Object.entries(this.props.values).map(([k, v]) => `${k}=${v}`)].join('\n') + '\n';
  }
}
