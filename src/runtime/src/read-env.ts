import { ConfigError } from './config-error';
import { Variable } from './env-variables';

/** A service's variables by name, e.g. `{ PORT: Env.int({ default: 8080 }) }`. */
export type EnvSpec = Readonly<Record<string, Variable<unknown>>>;

/** What readEnv returns for a spec: each variable's value, `undefined` only where it may be unset. */
export type EnvOf<S extends EnvSpec> = {
  readonly [K in keyof S]: S[K] extends Variable<infer T, infer Always> ? (Always extends true ? T : T | undefined) : never;
};

/** A rule relating variables to each other, such as "B is required when A is set". */
export interface EnvRule<S extends EnvSpec> {
  /** The variables it looks at: it is skipped when one of them already has a problem of its own. */
  readonly variables: readonly (keyof S & string)[];
  /** The problem, naming the variables, or undefined when they agree. */
  check(env: EnvOf<S>): string | undefined;
}

type Environment = Readonly<Record<string, string | undefined>>;

/**
 * Reads every variable of `spec` from `env`. Unset and blank are the same (compose passes
 * `VAR=` through); values are trimmed. Throws one ConfigError naming each missing or
 * malformed variable and each broken rule; a secret's value never appears in it.
 */
export function readEnv<S extends EnvSpec>(spec: S, env: Environment = process.env, rules: readonly EnvRule<S>[] = []): EnvOf<S> {
  const values: Record<string, unknown> = {};
  const problems: string[] = [];
  const invalid = new Set<string>();
  for (const [name, variable] of Object.entries(spec)) {
    const read = readVariable(name, variable, env[name]);
    if ('problem' in read) {
      problems.push(read.problem);
      invalid.add(name);
    } else {
      values[name] = read.value;
    }
  }
  for (const rule of rules) {
    if (rule.variables.some((name) => invalid.has(name))) continue;
    const problem = rule.check(values as EnvOf<S>);
    if (problem !== undefined) problems.push(problem);
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return values as EnvOf<S>;
}

function readVariable<T>(name: string, variable: Variable<T>, raw: string | undefined): { value: T | undefined } | { problem: string } {
  const text = raw?.trim() ?? '';
  if (text === '') {
    if (variable.required && variable.default === undefined) {
      return { problem: `${name} is required${variable.description ? ` (${variable.description})` : ''}` };
    }
    return { value: variable.default };
  }
  const value = variable.parse(text);
  if (value === undefined) return { problem: `${name} must be ${variable.expected}${variable.secret ? '' : ` (got "${text}")`}` };
  const problem = variable.check?.(value);
  return problem === undefined ? { value } : { problem: `${name} ${problem}` };
}
