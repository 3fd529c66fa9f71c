import { ALL_RENDERINGS, Rendering } from './rendering';

/**
 * Environment variables, declared once and rendered into compose files, env templates,
 * the README table and the env generator.
 */

/** How `make env` fills a secret that has no value yet. */
export type SecretGenerator = 'hex16' | 'hex32';

export interface EnvVarProps {
  /** What the variable means, in one sentence. Rendered into templates and docs. */
  readonly description: string;
  /** The service refuses to start without it. @default false */
  readonly required?: boolean;
  /** Never printed, never given a default, never committed. @default false */
  readonly secret?: boolean;
  /** Value used when unset. Secrets must not have one. @default no default */
  readonly default?: string;
  /** A realistic, clearly fake example for the templates. @default none */
  readonly example?: string;
  /** For secrets we can make ourselves (passwords, tokens): how to generate one. @default none */
  readonly generate?: SecretGenerator;
  /** Renderings whose env file sets it. @default every rendering */
  readonly renderings?: readonly Rendering[];
}

/** A declared variable: its name plus what we know about it, defaults resolved. */
export interface EnvVar {
  readonly name: string;
  readonly description: string;
  readonly required: boolean;
  readonly secret: boolean;
  readonly default?: string;
  readonly example?: string;
  readonly generate?: SecretGenerator;
  readonly renderings: readonly Rendering[];
}

/** Declares a variable a service reads under its own name (`env: { NAME: envVar('NAME', …) }`). */
export function envVar(name: string, props: EnvVarProps): EnvVar {
  return {
    name,
    description: props.description,
    required: props.required ?? false,
    secret: props.secret ?? false,
    default: props.default,
    example: props.example,
    generate: props.generate,
    renderings: props.renderings ?? ALL_RENDERINGS,
  };
}

/** A host name as DNS allows it (RFC 1123 labels, at least two of them): what a proxy site and a certificate need. */
export function isDnsName(value: string): boolean {
  return value.length <= 253
    && /^(?=.*[a-z])[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+$/i.test(value);
}

/** The problem with a variable, if any: a secret must never have a default value. */
export function variableProblems(v: EnvVar): string[] {
  return v.secret && v.default !== undefined ? [`variable '${v.name}' is secret and must not have a default value`] : [];
}

/** `${NAME}` references inside a value such as `postgres://${DB_USER}@db/x`. */
export function referencedVariables(value: string): string[] {
  const names: string[] = [];
  for (const m of value.matchAll(/\$\{([A-Z_][A-Z0-9_]*)(?:[:?-][^}]*)?\}/g)) names.push(m[1]);
  return names;
}

/** `${NAME}` inside a fixed value: the way to splice a declared variable into it. */
export function ref(v: EnvVar): string {
  return `\${${v.name}}`;
}

/** Compose interpolation of a pass-through variable: `${NAME:-default}`. */
export function interpolate(v: EnvVar): string {
  return v.default !== undefined ? `\${${v.name}:-${v.default}}` : `\${${v.name}:-}`;
}

/** One line of shell that makes a secret, for `scripts/init-env.sh` and the guides. */
export function generatorCommand(gen: SecretGenerator): string {
  const bytes = gen === 'hex16' ? 16 : 32;
  return `od -An -tx1 -N${bytes} /dev/urandom | tr -d ' \\n'`;
}
