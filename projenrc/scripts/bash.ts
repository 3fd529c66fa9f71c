import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Helpers for scripts whose logic is a hand-written bash fragment (`projenrc/scripts/bash/`)
 * and whose data is derived from the stack model: the construct renders the data as bash
 * variables, arrays and small functions above the fragment.
 */

/** A word for bash and POSIX sh: bare when it is safe, single-quoted otherwise. */
export function shellQuote(word: string): string {
  return /^[A-Za-z0-9_./:=@%+,-]+$/.test(word) ? word : `'${word.replace(/'/g, '\'\\\'\'')}'`;
}

/** `NAME=(one 'two words')` */
export function bashArray(name: string, values: readonly string[]): string {
  return `${name}=(${values.map(shellQuote).join(' ')})`;
}

/** `declare -A NAME=([key]=value ...)` */
export function bashMap(name: string, entries: Record<string, string>): string {
  return `declare -A ${name}=(${Object.entries(entries).map(([k, v]) => `[${k}]=${shellQuote(v)}`).join(' ')})`;
}

/** A function that prints lines verbatim (a quoted heredoc: nothing in them is expanded). */
export function textFunction(name: string, lines: readonly string[]): string[] {
  return [`${name}() {`, '  cat <<\'TEXT\'', ...lines, 'TEXT', '}'];
}

/** A function that is one `case` over `subject` (its first argument unless told), one arm per entry. */
export function caseFunction(name: string, arms: Record<string, string>, fallback: string, subject = '$1'): string[] {
  return [
    `${name}() {`,
    `  case ${subject} in`,
    ...Object.entries(arms).map(([pattern, body]) => `    ${pattern}) ${body} ;;`),
    `    *) ${fallback} ;;`,
    '  esac',
    '}',
  ];
}

/**
 * The logic of a script, kept as plain shell in projenrc/scripts/bash/<file> (`<name>.bash`,
 * or a `.sh` file for POSIX sh), so shellcheck and editors see real shell.
 */
export function bashFragment(file: string): string[] {
  const name = file.includes('.') ? file : `${file}.bash`;
  const text = readFileSync(join(__dirname, 'bash', name), 'utf8');
  return [`# ---- logic: projenrc/scripts/bash/${name}`, ...text.replace(/\n$/, '').split('\n')];
}

/** The opening line of the block of values derived from the stack model. */
export const DERIVED_HEADER = '# ---- derived from the stack model (.projenrc.ts)';

type ExitCodeEntry = { readonly code: number; readonly meaning: string };

/**
 * Exit codes as `EXIT_<NAME>=<code>` lines, and an `exit_codes_help` function listing them
 * and `alsoDocumented` (codes the logic takes from data rather than by name).
 */
export function exitCodeLines(codes: Record<string, ExitCodeEntry>, alsoDocumented: ExitCodeEntry[] = []): string[] {
  const help = [...Object.values(codes), ...alsoDocumented].sort((a, b) => a.code - b.code);
  return [
    ...Object.entries(codes).map(([name, c]) => `EXIT_${name}=${c.code}`),
    ...textFunction('exit_codes_help', help.map((c) => `  ${String(c.code).padStart(3)}  ${c.meaning}`)),
  ];
}
