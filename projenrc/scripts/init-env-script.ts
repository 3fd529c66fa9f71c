import { DERIVED_HEADER, bashArray, bashFragment, caseFunction } from './bash';
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
        return [
          DERIVED_HEADER,
          ...caseFunction('generated_value', Object.fromEntries(generated.map((v) => [v.name, generatorCommand(v.generate!)])), 'return 1'),
          bashArray('GENERATED', generated.map((v) => v.name)),
          bashArray('MANUAL', vars.filter((v) => v.secret && v.required && !v.generate).map((v) => v.name)),
          '',
          ...bashFragment('init-env'),
        ];
      },
    });
  }
}
