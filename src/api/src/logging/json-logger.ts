import type { LoggerService } from '@nestjs/common';
import { LOG_LEVELS, LogLevelName } from '../config';

/** Structured fields of one log entry; `msg` is the human-readable part. */
export type LogFields = { msg: string } & Record<string, unknown>;

/**
 * One JSON object per line on stdout: `{"time","level","context","msg",...fields}`.
 * Nest's own messages go through it too (it is the application logger). Callers pass
 * structured fields, never request headers or configuration values.
 */
export class JsonLogger implements LoggerService {
  private readonly threshold: number;

  constructor(level: LogLevelName, private readonly write: (line: string) => void = (line) => process.stdout.write(`${line}\n`)) {
    this.threshold = LOG_LEVELS.indexOf(level);
  }

  log(message: unknown, ...params: unknown[]): void {
    this.emit('info', message, params);
  }

  error(message: unknown, ...params: unknown[]): void {
    this.emit('error', message, params);
  }

  warn(message: unknown, ...params: unknown[]): void {
    this.emit('warn', message, params);
  }

  debug(message: unknown, ...params: unknown[]): void {
    this.emit('debug', message, params);
  }

  verbose(message: unknown, ...params: unknown[]): void {
    this.emit('debug', message, params);
  }

  fatal(message: unknown, ...params: unknown[]): void {
    this.emit('error', message, params);
  }

  private emit(level: LogLevelName, message: unknown, params: unknown[]): void {
    if (LOG_LEVELS.indexOf(level) > this.threshold) return;
    // Nest's convention: the context comes last; error() may carry a stack before it.
    const rest = [...params];
    const context = typeof rest[rest.length - 1] === 'string' ? rest.pop() : undefined;
    const entry: Record<string, unknown> = { time: new Date().toISOString(), level };
    if (context) entry.context = context;
    if (message instanceof Error) {
      entry.msg = message.message;
      entry.stack = message.stack;
    } else if (typeof message === 'object' && message !== null) {
      Object.assign(entry, message);
    } else {
      entry.msg = String(message);
    }
    if (level === 'error' && typeof rest[0] === 'string' && rest[0]) entry.stack = rest[0];
    this.write(JSON.stringify(entry));
  }
}
