import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { SluiceError } from '../../domain/errors.ts';
import { StoreUnavailable } from '../../ports/errors.ts';
import { mediaTypeOf } from './ingest-body.ts';

/**
 * Turns anything thrown in a route into the one error shape,
 * `{"error":{"code","message","fix","details"?}}`, and never leaks a stack trace.
 */
export function handleError(error: FastifyError | Error, request: FastifyRequest, reply: FastifyReply, limits?: BodyLimits): FastifyReply {
  const code = (error as FastifyError).code;
  const sluiceError =
    code === 'FST_ERR_CTP_BODY_TOO_LARGE' && limits !== undefined
      ? tooLarge(request, limits)
      : code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE'
        ? unreadMediaType(request)
        : toSluiceError(error);
  if (sluiceError.status >= 500 && sluiceError.code === 'internal') request.log.error({ err: error }, 'request failed');
  return reply.code(sluiceError.status).headers(errorHeaders(sluiceError)).type('application/json').send({ error: sluiceError.toBody() });
}

/** The headers an error's answer carries besides its content type. */
export function errorHeaders(error: SluiceError): Record<string, string> {
  const headers: Record<string, string> = {};
  if (error.retryAfter !== undefined) headers['retry-after'] = String(error.retryAfter);
  // A caller without valid credentials gets its answer and nothing more: the connection is not kept for it.
  if (error.code === 'unauthorized') headers.connection = 'close';
  return headers;
}

/** The body limits of the API: ingest's (a setting) and every other route's. */
export interface BodyLimits {
  ingestBytes: number;
  otherBytes: number;
}

/** A 415 that quotes the Content-Type the request sent (Fastify's own message is only "Unsupported Media Type"). */
function unreadMediaType(request: FastifyRequest): SluiceError {
  const header = request.headers['content-type'];
  const route = `${request.method} ${request.url.split('?')[0]}`;
  if (mediaTypeOf(header) === '') return new SluiceError('unsupported_media_type', `the Content-Type header of ${route} names no media type`);
  return new SluiceError('unsupported_media_type', `content type "${header}" is not accepted by ${route}`);
}

/** A 413 that names the limit, and the setting that changes it where there is one. */
function tooLarge(request: FastifyRequest, limits: BodyLimits): SluiceError {
  if (request.routeOptions.url === '/v1/events') {
    return new SluiceError(
      'payload_too_large',
      `the request body is larger than ${limits.ingestBytes} bytes, the ingest limit (limits.maxBodyBytes, SLUICE_MAX_BODY_BYTES): split it into several requests, or raise the limit`,
    );
  }
  return new SluiceError(
    'payload_too_large',
    `the request body is larger than ${limits.otherBytes} bytes, the limit of ${request.method} ${request.routeOptions.url ?? request.url.split('?')[0]}`,
  );
}

export function toSluiceError(error: FastifyError | Error): SluiceError {
  if (error instanceof SluiceError) return error;
  const fastifyError = error as FastifyError;
  if (fastifyError.validation !== undefined) {
    return new SluiceError('invalid_request', `the request is not valid: ${error.message}`, {
      details: fastifyError.validation.map((issue) => ({
        path: `${fastifyError.validationContext ?? ''}${issue.instancePath}`,
        reason: issue.message ?? issue.keyword,
      })),
    });
  }
  switch (fastifyError.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new SluiceError('payload_too_large', 'the request body is larger than the limit');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new SluiceError('unsupported_media_type', `content type "${fastifyError.message}" is not accepted here`);
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new SluiceError('invalid_request', 'the body is empty; send a JSON object');
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_TYPE':
      return new SluiceError('malformed_json', 'the body is not valid JSON');
    default:
  }
  if (error instanceof SyntaxError) {
    return /prototype/.test(error.message)
      ? new SluiceError('forbidden_key', 'the body uses a forbidden property name (__proto__ or constructor.prototype)')
      : new SluiceError('malformed_json', `the body is not valid JSON: ${error.message}`);
  }
  const status = fastifyError.statusCode;
  if (status !== undefined && status >= 400 && status < 500) {
    return new SluiceError(
      status === 404 ? 'not_found' : status === 415 ? 'unsupported_media_type' : status === 413 ? 'payload_too_large' : 'invalid_request',
      error.message,
    );
  }
  if (error instanceof StoreUnavailable) {
    return new SluiceError('store_unavailable', `the store did not answer: ${error.message}`, { retryAfter: 2, cause: error });
  }
  return new SluiceError('internal', 'the server failed to handle the request', { cause: error });
}
