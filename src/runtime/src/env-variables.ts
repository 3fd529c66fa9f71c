/** What every kind of variable accepts. */
export interface VariableOptions<T> {
  /** Start-up fails while it is unset or blank. @default false */
  readonly required?: boolean;
  /** The value when unset or blank. Trusted: it is not parsed or checked. */
  readonly default?: T;
  /** Its value never appears in a problem. @default false */
  readonly secret?: boolean;
  /** What it holds, named when it is missing: `X is required (<description>)`. */
  readonly description?: string;
  /** A further rule on a parsed value: the problem (`must …`, `is …`), or undefined when fine. Never quote a secret. */
  check?(value: T): string | undefined;
}

/**
 * One variable of a spec. `Always` is true when reading it always yields a value (it is
 * required or has a default): readEnv's result type then says so.
 */
export interface Variable<T, Always extends boolean = boolean> extends VariableOptions<T> {
  readonly always: Always;
  /** What a given value must be, for the problem: `must be <expected>`. */
  readonly expected: string;
  /** The value of a trimmed, non-blank text, or undefined when it is not `expected`. */
  parse(text: string): T | undefined;
}

/**
 * How a builder learns, from the options object, whether the variable always has a value:
 * `P` is inferred from the `required: true` or `default` it contains (and is `object` otherwise).
 */
type Presence<T> = { readonly required: true } | { readonly default: T };
type AlwaysGiven<P> = P extends { required: true } ? true : P extends { default: unknown } ? true : false;

function variable<T, P>(
  options: VariableOptions<T> | undefined,
  expected: string,
  parse: (text: string) => T | undefined,
): Variable<T, AlwaysGiven<P>> {
  const always = (options?.required === true || options?.default !== undefined) as AlwaysGiven<P>;
  return { ...options, always, expected, parse };
}

export interface StringOptions extends VariableOptions<string> {
  readonly minLength?: number;
}

export interface RangeOptions extends VariableOptions<number> {
  readonly min?: number;
  readonly max?: number;
}

export interface UrlOptions extends VariableOptions<string> {
  /** A base URL that paths are appended to: trailing slashes are removed. @default false */
  readonly stripTrailingSlash?: boolean;
}

function range(kind: string, { min, max }: RangeOptions): string {
  if (min !== undefined && max !== undefined) return `${kind} from ${min} to ${max}`;
  if (min !== undefined) return `${kind} of at least ${min}`;
  if (max !== undefined) return `${kind} of at most ${max}`;
  return kind;
}

function inRange(value: number, { min = -Infinity, max = Infinity }: RangeOptions): number | undefined {
  return value >= min && value <= max ? value : undefined;
}

/** Builders of a spec's variables: `PORT: Env.int({ default: 8080, min: 0, max: 65535 })`. */
export const Env = {
  string<P extends Presence<string> | object = object>(options?: StringOptions & P) {
    const minLength = options?.minLength ?? 0;
    return variable<string, P>(options, `at least ${minLength} characters`, (text) => (text.length >= minLength ? text : undefined));
  },

  int<P extends Presence<number> | object = object>(options?: RangeOptions & P) {
    return variable<number, P>(options, range('an integer', options ?? {}), (text) => {
      return /^[+-]?\d+$/.test(text) ? inRange(Number(text), options ?? {}) : undefined;
    });
  },

  number<P extends Presence<number> | object = object>(options?: RangeOptions & P) {
    return variable<number, P>(options, range('a number', options ?? {}), (text) => {
      const value = Number(text);
      return Number.isFinite(value) ? inRange(value, options ?? {}) : undefined;
    });
  },

  boolean<P extends Presence<boolean> | object = object>(options?: VariableOptions<boolean> & P) {
    return variable<boolean, P>(options, 'true or false', (text) => {
      const word = text.toLowerCase();
      return word === 'true' ? true : word === 'false' ? false : undefined;
    });
  },

  oneOf<const V extends readonly string[], P extends Presence<V[number]> | object = object>(values: V, options?: VariableOptions<V[number]> & P) {
    return variable<V[number], P>(options, `one of ${values.join(', ')}`, (text) => values.find((v) => v === text));
  },

  /** An http:// or https:// URL, kept as text. */
  url<P extends Presence<string> | object = object>(options?: UrlOptions & P) {
    return variable<string, P>(options, 'an http(s) URL', (text) => {
      if (!URL.canParse(text) || !['http:', 'https:'].includes(new URL(text).protocol)) return undefined;
      return options?.stripTrailingSlash ? text.replace(/\/+$/, '') : text;
    });
  },

  /** Comma-separated items, each trimmed; empty items are dropped. */
  list<P extends Presence<string[]> | object = object>(options?: VariableOptions<string[]> & P) {
    return variable<string[], P>(options, 'a comma-separated list', (text) => text.split(',').map((item) => item.trim()).filter(Boolean));
  },
};
