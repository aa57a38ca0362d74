// The HTTP server's own limits (docs/security.md "Limits and timeouts"): how long a client may
// take to send its headers and its whole request, how long an idle connection stays open, and
// the answers Fastify and Node give before any route runs, all in the error envelope. Without
// them, 3,000 half-open requests dripping a byte every 5 s once stayed open for 70 s.

import type { Server } from 'node:http';
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyHttpOptions } from 'fastify';
import { ERROR_CODES, type ErrorCode } from '../../core/errors.js';
import type { PlatformConfig } from '../config.js';
import { envelope, sendError } from './error-envelope.js';

type TimeoutSettings = Pick<
  PlatformConfig,
  'requestTimeoutMs' | 'headersTimeoutMs' | 'keepAliveTimeoutMs' | 'connectionTimeoutMs'
>;

/** Answers a client error that happens before Fastify has a request (Node's `clientError`). */
function answerClientError(error: Error & { code?: string }, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const code: ErrorCode =
    error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? 'REQUEST_TIMEOUT'
      : error.code === 'HPE_HEADER_OVERFLOW'
        ? 'HEADERS_TOO_LARGE'
        : 'VALIDATION_FAILED';
  const message =
    code === 'REQUEST_TIMEOUT'
      ? 'the request did not arrive in time'
      : code === 'HEADERS_TOO_LARGE'
        ? 'the request headers are too large'
        : 'the request is not valid HTTP/1.1';
  const body = JSON.stringify(envelope(code, message));
  const status = ERROR_CODES[code].status;
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
        `Content-Type: application/json\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy();
}

export function httpServerOptions(config: TimeoutSettings): Partial<FastifyHttpOptions<Server>> {
  return {
    requestTimeout: config.requestTimeoutMs,
    keepAliveTimeout: config.keepAliveTimeoutMs,
    connectionTimeout: config.connectionTimeoutMs,
    http: {
      headersTimeout: config.headersTimeoutMs,
      // Node checks both timeouts on this interval (default 30 s): at most a quarter of the
      // shorter one late, so the timeouts mean what they say.
      connectionsCheckingInterval: Math.max(
        25,
        Math.min(5_000, Math.floor(Math.min(config.headersTimeoutMs, config.requestTimeoutMs) / 4)),
      ),
    },
    clientErrorHandler: answerClientError,
    // While closing, a request on a kept-alive connection meets the drain gate
    // (operational-routes.ts: 503 DRAINING, Connection: close), not Fastify's uncoded 503.
    return503OnClosing: false,
    // The router's own refusals (an over-long path parameter, a malformed URL) in the envelope.
    frameworkErrors: (error, request, reply) => sendError(request, reply, error),
  };
}
