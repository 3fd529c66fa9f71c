import { isError, summarizeError } from './error-summary';

/** Log levels, least severe first; a logger writes its level and the ones after it. */
export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Structured context of one entry. `err` and any other error value are summarized. */
export type LogFields = Readonly<Record<string, unknown>>;

export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  /** A logger adding `fields` to each of its entries, e.g. `{ context: 'Database' }`. */
  child(fields: LogFields): Logger;
}

export interface LoggerOptions {
  readonly level: LogLevel;
  /** Receives each entry as one line of JSON, without the newline. @default stdout */
  readonly write?: (line: string) => void;
}

/** Keys every entry starts with; fields cannot overwrite them. */
const ENVELOPE = new Set(['time', 'level', 'service', 'msg']);

/**
 * One JSON object per line, the same shape in every service:
 * `{"time":"<ISO UTC>","level","service","msg",...fields}`. Callers never pass secrets.
 */
export function createLogger(service: string, options: LoggerOptions): Logger {
  // Looked up per line, so a test that replaces process.stdout.write sees the entries.
  const write = options.write ?? ((line: string) => process.stdout.write(`${line}\n`));
  const threshold = LOG_LEVELS.indexOf(options.level);
  const withStack = options.level === 'debug';

  const logger = (bound: LogFields): Logger => {
    const at = (level: LogLevel) => (msg: string, fields: LogFields = {}) => {
      if (LOG_LEVELS.indexOf(level) < threshold) return;
      const entry: Record<string, unknown> = { time: new Date().toISOString(), level, service, msg };
      for (const [key, value] of Object.entries({ ...bound, ...fields })) {
        if (ENVELOPE.has(key) || value === undefined) continue;
        entry[key] = key === 'err' || isError(value) ? summarizeError(value, withStack) : value;
      }
      write(JSON.stringify(entry));
    };
    return {
      debug: at('debug'),
      info: at('info'),
      warn: at('warn'),
      error: at('error'),
      child: (fields) => logger({ ...bound, ...fields }),
    };
  };
  return logger({});
}
