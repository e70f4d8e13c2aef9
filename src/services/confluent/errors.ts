import { SluiceError } from '../../domain/errors.ts';
import { StoreUnavailable } from '../../ports/errors.ts';

/**
 * An error in Confluent Schema Registry's shape: an HTTP status and Confluent's numeric
 * `error_code` (40401 subject not found, 42201 invalid schema, ...), so stock clients
 * recognise it. See docs/registry.md for the full list.
 *
 * @example throw new ConfluentError(404, 40401, "Subject 'acme.fruits-value' not found.")
 */
export class ConfluentError extends Error {
  readonly status: number;
  readonly errorCode: number;

  constructor(status: number, errorCode: number, message: string) {
    super(message);
    this.name = 'ConfluentError';
    this.status = status;
    this.errorCode = errorCode;
  }

  toBody(): { error_code: number; message: string } {
    return { error_code: this.errorCode, message: this.message };
  }
}

export const subjectNotFound = (subject: string): ConfluentError => new ConfluentError(404, 40401, `Subject '${subject}' not found.`);
export const versionNotFound = (subject: string, version: string | number): ConfluentError =>
  new ConfluentError(404, 40402, `Version ${version} not found for subject '${subject}'.`);
export const schemaNotFound = (what = 'Schema not found'): ConfluentError => new ConfluentError(404, 40403, what);
export const invalidSchema = (message: string): ConfluentError => new ConfluentError(422, 42201, message);
export const invalidVersion = (version: string): ConfluentError =>
  new ConfluentError(
    422,
    42202,
    `The specified version '${version}' is not a valid version id. Allowed values are between [1, 2^31-1] and the string "latest"`,
  );

/** Maps anything a registry route throws to Confluent's shape; internal errors never leak their message. */
export function toConfluentError(error: unknown): ConfluentError {
  if (error instanceof ConfluentError) return error;
  // Confluent's code for a store that did not answer in time.
  if (error instanceof StoreUnavailable) return new ConfluentError(500, 50002, `Operation timed out: ${error.message}`);
  if (error instanceof SluiceError) {
    switch (error.code) {
      case 'invalid_schema':
      case 'invalid_name':
      case 'invalid_request':
        return invalidSchema(error.message);
      case 'incompatible_schema':
        return new ConfluentError(409, 409, incompatibleMessage(error));
      case 'not_found':
        return new ConfluentError(404, 40401, error.message);
      case 'unauthorized':
        return new ConfluentError(401, 40101, error.message);
      case 'forbidden':
        return new ConfluentError(403, 40301, error.message);
      case 'malformed_json':
      case 'forbidden_key':
      case 'nesting_too_deep':
        return new ConfluentError(400, 400, error.message);
      case 'unsupported_media_type':
        return new ConfluentError(415, 415, error.message);
      case 'payload_too_large':
        return new ConfluentError(413, 413, error.message);
      case 'rate_limited':
        return new ConfluentError(429, 429, error.message);
      case 'overloaded':
      case 'shutting_down':
        return new ConfluentError(503, 50003, error.message);
      default:
        if (error.status < 500) return new ConfluentError(error.status, error.status, error.message);
        return new ConfluentError(500, 50001, 'Error in the backend data store');
    }
  }
  // Framework errors (body parsing, media type) carry a code and an HTTP status.
  const fastifyError = error as { code?: string; statusCode?: number; message?: string };
  if (fastifyError.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return new ConfluentError(415, 415, `Unsupported content type: ${fastifyError.message ?? ''}`);
  if (fastifyError.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return new ConfluentError(413, 413, 'The request body is too large');
  if (error instanceof SyntaxError) return new ConfluentError(400, 400, `Unrecognized JSON: ${error.message}`);
  const status = fastifyError.statusCode;
  if (status !== undefined && status >= 400 && status < 500) return new ConfluentError(status, status, fastifyError.message ?? 'Bad request');
  return new ConfluentError(500, 50001, 'Error in the backend data store');
}

/** Confluent lists every reason in the message: `... details: [reason; reason]`. */
function incompatibleMessage(error: SluiceError): string {
  const reasons = (error.details ?? []).map((detail) => `${detail.reason} (at ${detail.path})`);
  return `Schema being registered is incompatible with an earlier schema; ${error.message}${reasons.length > 0 ? `; details: [${reasons.join('; ')}]` : ''}`;
}
