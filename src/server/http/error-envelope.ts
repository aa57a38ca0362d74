// Every error leaves the server as `{"error": {"code", "message", "details"}}` with the
// status of its code (docs/api.md "Conventions"): never a stack trace, never a 500 for bad input.
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { ERROR_CODES, type ErrorCode, PlatformError } from '../../core/errors.js';
import { SQLSTATE, sqlState } from '../db/sql-client.js';

export interface ErrorEnvelope {
  error: { code: ErrorCode; message: string; details?: Record<string, unknown> };
}

export function envelope(code: ErrorCode, message: string, details?: Record<string, unknown>): ErrorEnvelope {
  return { error: { code, message, ...(details && Object.keys(details).length > 0 ? { details } : {}) } };
}

/** Maps anything thrown by a route, a hook or Fastify itself to a coded error. */
export function toPlatformError(error: unknown): PlatformError {
  if (error instanceof PlatformError) return error;
  const e = error as Partial<FastifyError> & {
    validation?: {
      instancePath?: string;
      message?: string;
      keyword?: string;
      params?: { allowedValues?: unknown };
    }[];
  };
  if (e.validation) {
    let allowedNamed = '';
    const issues = e.validation.map((v) => {
      // A value outside a list (an unknown event type, say) is answered with the list.
      const allowed =
        v.keyword === 'enum' && Array.isArray(v.params?.allowedValues) ? v.params.allowedValues : null;
      if (allowed && !allowedNamed) allowedNamed = `: ${allowed.join(', ')}`;
      return {
        path: v.instancePath || '/',
        message: v.message ?? 'invalid',
        ...(allowed ? { allowed } : {}),
      };
    });
    return new PlatformError('VALIDATION_FAILED', `${e.message ?? 'invalid request'}${allowedNamed}`, {
      issues,
    });
  }
  switch (e.code) {
    // Fastify's router refuses these before any route (`frameworkErrors` sends them here).
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return new PlatformError('URI_TOO_LONG', 'a path segment is longer than 100 characters');
    case 'FST_ERR_BAD_URL':
      return new PlatformError('VALIDATION_FAILED', 'the path is not a valid URL component');
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new PlatformError('PAYLOAD_TOO_LARGE', 'the body is larger than this route accepts');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new PlatformError('UNSUPPORTED_MEDIA_TYPE', 'this Content-Type is not accepted here');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new PlatformError('MALFORMED_JSON', 'the body is not valid JSON');
  }
  if (e instanceof SyntaxError || (e.statusCode === 400 && String(e.code ?? '').startsWith('FST_ERR_CTP'))) {
    return new PlatformError('MALFORMED_JSON', 'the body is not valid JSON');
  }
  // A constraint the database enforced that the service did not anticipate is still the
  // caller's input, not a fault of ours.
  const state = sqlState(error);
  if (state === SQLSTATE.uniqueViolation)
    return new PlatformError('CONFLICT', 'this would duplicate an existing record');
  if (state === SQLSTATE.foreignKeyViolation) {
    return new PlatformError('VALIDATION_FAILED', 'a referenced record does not exist');
  }
  if (state === SQLSTATE.checkViolation || state?.startsWith('22')) {
    return new PlatformError('VALIDATION_FAILED', 'a value is out of range or malformed');
  }
  const status = e.statusCode ?? 500;
  if (status === 404) return new PlatformError('NOT_FOUND', 'not found');
  if (status === 413) return new PlatformError('PAYLOAD_TOO_LARGE', 'the body is too large');
  if (status === 415) return new PlatformError('UNSUPPORTED_MEDIA_TYPE', 'unsupported media type');
  if (status === 429) return new PlatformError('RATE_LIMITED', 'too many requests');
  if (status >= 400 && status < 500)
    return new PlatformError('VALIDATION_FAILED', e.message ?? 'bad request');
  return new PlatformError('INTERNAL_ERROR', 'an internal error occurred; it has been logged', undefined, {
    cause: error,
  });
}

export function sendError(request: FastifyRequest, reply: FastifyReply, error: unknown): FastifyReply {
  const coded = toPlatformError(error);
  const internal = coded.code === 'INTERNAL_ERROR' || coded.code === 'INTERNAL_INVARIANT';
  if (internal) request.log.error({ err: error }, 'request failed');
  const status = ERROR_CODES[coded.code].status;
  // An invariant's message names the platform's own state: it goes to the log, not the caller.
  if (coded.code === 'INTERNAL_INVARIANT') {
    return reply
      .code(status)
      .type('application/json')
      .send(envelope(coded.code, 'an internal invariant failed; it has been logged'));
  }
  return reply
    .code(status)
    .type('application/json')
    .send(envelope(coded.code, coded.message, coded.details));
}
