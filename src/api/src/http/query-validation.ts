import { ErrorResponse } from '@dialogstack/contract';
import { BadRequestException, StandardSchemaValidationPipe } from '@nestjs/common';

type Issue = { message: string; path?: ReadonlyArray<PropertyKey | { key: PropertyKey }>; keys?: readonly string[] };
type Detail = NonNullable<ErrorResponse['details']>[number];

/** Bounds what a request can make us echo back. */
const MAX_DETAILS = 10;
const MAX_PATH_CHARS = 64;

/**
 * NestJS deletes `__proto__`, `prototype` and `constructor` from a value before validating it,
 * so such query parameters passed as if absent. The contract's schemas are strict and their
 * output is a new object holding the declared keys only: those names are rejected as unknown
 * parameters instead, and nothing the client sent is merged anywhere.
 */
class ContractValidationPipe extends StandardSchemaValidationPipe {
  protected override stripProtoKeys(): void {}
}

/**
 * Validates route parameters against the contract's zod schemas (`@Query({ schema })`) and
 * rejects with a 400 ErrorResponse naming each offending parameter.
 */
export function contractValidationPipe(): StandardSchemaValidationPipe {
  return new ContractValidationPipe({
    exceptionFactory: (issues) => {
      const details = (issues as readonly Issue[]).flatMap(toDetails).slice(0, MAX_DETAILS);
      return new BadRequestException({
        message: `Invalid request: ${details.map((d) => `${d.path}: ${d.message}`).join('; ')}`,
        details,
      });
    },
  });
}

function toDetails(issue: Issue): Detail[] {
  // zod reports unknown parameters as one issue at the root, listing their names.
  if (issue.keys?.length) return issue.keys.map((key) => ({ path: clip(key), message: 'unknown parameter' }));
  const path = (issue.path ?? []).map((p) => String(typeof p === 'object' ? p.key : p)).join('.');
  return [{ path: clip(path) || '(query)', message: issue.message }];
}

const clip = (text: string) => (text.length > MAX_PATH_CHARS ? `${text.slice(0, MAX_PATH_CHARS)}…` : text);
