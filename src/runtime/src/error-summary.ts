/** What the logs keep of an error. */
export interface ErrorSummary {
  readonly name: string;
  readonly message: string;
  /** A Node (`ECONNREFUSED`) or SQLSTATE (`57P01`) code. */
  readonly code?: string | number;
  /** Call frames only (`at …` lines), without the message they follow. */
  readonly stack?: string[];
}

/**
 * The one stack-trace policy of every service: an error is logged as name, message and code;
 * its call frames only when `withStack` (the logger runs at debug). Nothing else is copied:
 * a driver's error carries its query, parameters and connection settings in other fields.
 */
export function summarizeError(err: unknown, withStack: boolean): ErrorSummary | string {
  if (!isError(err)) return String(err);
  const code = (err as { code?: unknown }).code;
  const frames = withStack ? err.stack?.split('\n').filter((line) => /^\s+at /.test(line)).map((line) => line.trim()) : undefined;
  return {
    name: err.name,
    message: err.message,
    ...(typeof code === 'string' || typeof code === 'number' ? { code } : {}),
    ...(frames?.length ? { stack: frames } : {}),
  };
}

/** Also true for errors made in another realm (Node internals seen from a jest sandbox). */
export function isError(value: unknown): value is Error {
  return value instanceof Error || Object.prototype.toString.call(value) === '[object Error]';
}
