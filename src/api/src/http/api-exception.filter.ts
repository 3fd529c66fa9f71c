import { ErrorResponse } from '@dialogstack/contract';
import { Logger } from '@dialogstack/runtime';
import { STATUS_CODES } from 'node:http';
import { ArgumentsHost, Catch, ExceptionFilter, HttpException } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { DatabaseUnavailableError } from '../database/database';

/**
 * Every error leaves as the contract's ErrorResponse. Unexpected errors are logged here (with
 * their stack at debug level) and answered with a generic 500: no stack trace or SQL reaches a client.
 */
@Catch()
export class ApiExceptionFilter implements ExceptionFilter {
  private readonly logger: Logger;

  constructor(private readonly adapterHost: HttpAdapterHost, logger: Logger) {
    this.logger = logger.child({ context: 'ApiExceptionFilter' });
  }

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = this.adapterHost.httpAdapter;
    const response = host.switchToHttp().getResponse();
    const body = this.toBody(exception);
    if (body.statusCode === 401) http.setHeader(response, 'WWW-Authenticate', 'Bearer');
    if (body.statusCode === 503) http.setHeader(response, 'Retry-After', '5');
    http.reply(response, body, body.statusCode);
  }

  private toBody(exception: unknown): ErrorResponse {
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const payload = exception.getResponse();
      const fields = (typeof payload === 'object' && payload !== null ? payload : {}) as { message?: unknown; details?: ErrorResponse['details'] };
      const message = typeof payload === 'string' ? payload
        : Array.isArray(fields.message) ? fields.message.join('; ')
          : typeof fields.message === 'string' ? fields.message : exception.message;
      return { statusCode: status, error: STATUS_CODES[status] ?? 'Error', message, ...(fields.details ? { details: fields.details } : {}) };
    }
    if (exception instanceof DatabaseUnavailableError) {
      return { statusCode: 503, error: STATUS_CODES[503]!, message: 'The statistics database is unavailable; try again shortly.' };
    }
    this.logger.error('unhandled error', { err: exception });
    return { statusCode: 500, error: STATUS_CODES[500]!, message: 'Internal server error' };
  }
}
