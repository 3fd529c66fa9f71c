import { IConstruct } from 'constructs';
import { FileBase, IResolver } from 'projen';
import { EnvVar, generatorCommand } from './env';
import { Environment } from './service';
import type { Stack } from './stack';

export interface EnvTemplateProps {
  readonly stack: Stack;
  readonly environment: Environment;
  /** Lines at the top: how to use the file. */
  readonly description: string;
}

/**
 * An env template (`.env.example`, `.env.production.example`) generated from the declared
 * variables: one commented entry each, secrets left empty with a hint to generate them.
 * Never holds a real or real-looking secret.
 */
export class EnvTemplate extends FileBase {
  constructor(scope: IConstruct, filePath: string, private readonly props: EnvTemplateProps) {
    super(scope, filePath, { committed: true, marker: true, readonly: true });
  }

  protected synthesizeContent(_resolver: IResolver): string | undefined {
    const lines = [this.marker, ...this.props.description.split('\n')].map((l) => `# ${l}`.trimEnd());
    for (const v of this.props.stack.variablesFor(this.props.environment)) {
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
