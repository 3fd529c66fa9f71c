import { Logger, LogLevel } from '@dialogstack/runtime';
import type { LoggerService } from '@nestjs/common';

/**
 * Nest's logger interface on top of the api's logger, so Nest's own messages (routes mapped,
 * exceptions it catches) are JSON lines of the same shape, with Nest's context as `context`.
 */
export class NestLogger implements LoggerService {
  constructor(private readonly logger: Logger) {}

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

  private emit(level: LogLevel, message: unknown, params: unknown[]): void {
    // Nest's convention: the context comes last; error() may carry a stack before it.
    const rest = [...params];
    const context = typeof rest[rest.length - 1] === 'string' ? rest.pop() : undefined;
    const stack = level === 'error' && typeof rest[0] === 'string' ? rest[0] : undefined;
    if (message instanceof Error) {
      this.logger[level](message.message, { context, err: message });
    } else if (stack !== undefined) {
      // A stack without its error: rebuilt so the logger's stack-trace policy applies to it.
      this.logger[level](String(message), { context, err: Object.assign(new Error(String(message)), { stack }) });
    } else {
      this.logger[level](String(message), { context });
    }
  }
}
