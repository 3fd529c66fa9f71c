import { ShellScript } from './shell-script';
import { generatorCommand } from '../env';
import type { Stack } from '../stack';

/**
 * `scripts/init-env.sh`: creates an env file from its template and fills every secret we
 * can generate (passwords, tokens) with a random value, so a fresh checkout runs without
 * anyone inventing passwords, and no password is ever a default.
 */
export class InitEnvScript extends ShellScript {
  constructor(stack: Stack, filePath = 'scripts/init-env.sh') {
    super(stack, filePath, {
      description: [
        'Creates an env file from its template, filling generated secrets with random values.',
        'Usage: scripts/init-env.sh [template=.env.example] [output=.env]. Never overwrites a file.',
      ].join('\n'),
      body: () => {
        const vars = stack.variables;
        const generated = vars.filter((v) => v.generate);
        const manual = vars.filter((v) => v.secret && v.required && !v.generate).map((v) => v.name);
        return [
          'template=${1:-.env.example}',
          'output=${2:-.env}',
          'if [ -e "$output" ]; then',
          '  echo "init-env: $output exists; leaving it unchanged"',
          '  exit 0',
          'fi',
          'umask 077',
          'while IFS= read -r line || [ -n "$line" ]; do',
          '  case "$line" in',
          ...generated.map((v) => `    ${v.name}=) printf '%s=%s\\n' ${v.name} "$(${generatorCommand(v.generate!)})" ;;`),
          '    *) printf \'%s\\n\' "$line" ;;',
          '  esac',
          'done <"$template" >"$output"',
          `echo "init-env: wrote $output with generated ${generated.map((v) => v.name).join(', ')}"`,
          ...(manual.length ? [`echo "init-env: set these yourself when you need them: ${manual.join(', ')}"`] : []),
        ];
      },
    });
  }
}
