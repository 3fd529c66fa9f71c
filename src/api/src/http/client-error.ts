import { ErrorResponse } from '@dialogstack/contract';
import { Logger } from '@dialogstack/runtime';
import { maxHeaderSize, Server, STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';

/**
 * Requests that Node's HTTP parser rejects never reach the framework: Node itself answers a
 * bare 400 or 431 without a body. This answers them with the contract's ErrorResponse instead
 * (and closes the connection, as Node does, since the stream cannot be parsed further).
 */
export function answerUnparsableRequests(server: Server, logger: Logger): void {
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => {
    // A response already started on this connection cannot be followed by another.
    const started = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage?.headersSent;
    if (err.code === 'ECONNRESET' || !socket.writable || started) {
      socket.destroy();
      return;
    }
    const body = errorFor(err.code);
    logger.warn('unparsable request', { context: 'Http', status: body.statusCode, code: err.code });
    const json = JSON.stringify(body);
    socket.end([
      `HTTP/1.1 ${body.statusCode} ${body.error}`,
      'Content-Type: application/json; charset=utf-8',
      `Content-Length: ${Buffer.byteLength(json)}`,
      'Cache-Control: no-store',
      'Connection: close',
      '',
      json,
    ].join('\r\n'));
  });
}

function errorFor(code: string | undefined): ErrorResponse {
  const response = (statusCode: number, message: string): ErrorResponse => ({ statusCode, error: STATUS_CODES[statusCode]!, message });
  switch (code) {
    case 'HPE_HEADER_OVERFLOW':
      return response(431, `The request line and headers exceed ${maxHeaderSize / 1024} KiB; shorten the query string.`);
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return response(408, 'The request was not received in time.');
    default:
      return response(400, 'The request is not valid HTTP.');
  }
}
