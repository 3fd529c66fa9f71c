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
  /** Value used when unset. Secrets must not have one. */
  readonly default?: string;
  /** A realistic, clearly fake example for the templates. */
  readonly example?: string;
  /** For secrets we can make ourselves (passwords, tokens): how to generate one. */
  readonly generate?: SecretGenerator;
  /** Renderings that use it. @default ['dev', 'prod'] */
  readonly environments?: ('dev' | 'prod')[];
}

/** A declared variable: its name plus what we know about it. */
export interface EnvVar extends EnvVarProps {
  readonly name: string;
}

export function envVar(name: string, props: EnvVarProps): EnvVar {
  return { name, ...props };
}

/** `${NAME}` references inside a value such as `postgres://${DB_USER}@db/x`. */
export function referencedVariables(value: string): string[] {
  const names: string[] = [];
  for (const m of value.matchAll(/\$\{([A-Z_][A-Z0-9_]*)(?:[:?-][^}]*)?\}/g)) names.push(m[1]);
  return names;
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
