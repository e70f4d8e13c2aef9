/**
 * The one catalogue of Sluice errors. Every error the API, the CLI or a dead letter
 * reports has a stable `code`, an HTTP status and a hint that tells the user how to fix it.
 * `docs/errors.md` lists the same codes; a test keeps the two in step.
 */
export const errorCatalogue = {
  // request shape
  invalid_request: { status: 400, fix: 'Check the request against /openapi.json; `details` names each bad field.' },
  malformed_json: { status: 400, fix: 'Send valid JSON (UTF-8, no trailing commas). For many events use a JSON array or NDJSON.' },
  invalid_utf8: { status: 400, fix: 'Encode the body as UTF-8.' },
  unsupported_media_type: {
    status: 415,
    fix: 'Use application/json, application/x-ndjson, application/cloudevents+json, application/cloudevents-batch+json, or a CloudEvents binary request with ce-* headers and a JSON body.',
  },
  payload_too_large: {
    status: 413,
    fix: 'Split the request. Ingest takes up to `limits.maxBodyBytes` (SLUICE_MAX_BODY_BYTES, 5 MiB by default); other routes up to 1 MiB.',
  },
  too_many_events: { status: 413, fix: 'Send at most `limits.maxEventsPerRequest` events per request.' },
  nesting_too_deep: { status: 400, fix: 'Flatten the event; objects and arrays may nest at most `limits.maxDepth` levels.' },
  inexact_number: {
    status: 400,
    fix: 'Send numbers a 64-bit float holds exactly: integers within ±9007199254740991 (larger ones, such as 64-bit ids, as strings), no overflow such as 1e400, and 0 rather than -0. `details` names the path.',
  },
  forbidden_key: { status: 400, fix: 'Rename the property: `__proto__`, `constructor` and `prototype` are not accepted as keys.' },
  empty_batch: { status: 400, fix: 'Send at least one event.' },
  invalid_event: {
    status: 400,
    fix: 'An event is an object with `type` (string) and `data`; optional `id`, `key`, `time` (RFC 3339), `source`, `subject`, `schemaVersion`.',
  },
  invalid_wire_format: {
    status: 400,
    fix: "Send one record framed as Confluent's wire format: magic byte 0, the 4-byte big-endian schema id, for Protobuf the message indexes, then the payload (what Confluent's serializers write).",
  },
  // auth
  unauthorized: { status: 401, fix: 'Send `Authorization: Bearer <key>` with a key created by `sluice key create` (or the admin token for admin routes).' },
  forbidden: { status: 403, fix: 'Use a key with the scope this route needs (`produce`, `consume` or `manage`), or the admin token.' },
  // catalog
  not_found: { status: 404, fix: 'Check the name; list what exists with the matching GET route.' },
  csrf_failed: {
    status: 403,
    fix: "Send the session's CSRF token (from POST or GET /v1/session) in the x-csrf-token header, or authenticate with Authorization instead of the cookie.",
  },
  method_not_allowed: { status: 405, fix: 'Use one of the methods the `Allow` header lists; /openapi.json documents each route.' },
  tenant_exists: { status: 409, fix: 'Tenant ids are unique; pick another id or use the existing tenant.' },
  invalid_name: { status: 400, fix: 'Tenant ids are slugs `[a-z0-9][a-z0-9-]{0,62}`; type names are `[A-Za-z0-9][A-Za-z0-9._-]{0,127}`.' },
  invalid_scope: { status: 400, fix: 'Scopes are `produce`, `consume` and `manage`.' },
  invalid_schema: { status: 422, fix: 'Send a valid JSON Schema (draft 2020-12 or draft-07) in `schema`.' },
  invalid_pattern: {
    status: 400,
    fix: 'Fix the content pattern at each `details[].path` (a JSON pointer into the pattern); the language is described in docs/patterns.md.',
  },
  incompatible_schema: {
    status: 409,
    fix: "Evolve the schema so it obeys the type's compatibility level (`details` says what breaks and how to evolve instead; docs/schemas.md has worked examples), or change the level.",
  },
  type_in_use: { status: 409, fix: 'Delete or change what uses the event type (`details` names each), then delete the type.' },
  confirmation_required: { status: 400, fix: 'Deleting a tenant deletes everything it owns: repeat the request with `?confirm=<tenant id>`.' },
  partitions_immutable: { status: 409, fix: 'A stream keeps the partition count it was created with; omit `partitions` or send the current value.' },
  unknown_type: { status: 400, fix: 'Register the event type first (`PUT /v1/types/{type}` or `sluice type register`), then redrive the dead letters.' },
  unknown_version: { status: 400, fix: 'Name an existing schema version (`GET /v1/types/{type}`), or leave it out to use the latest.' },
  invalid_source: {
    status: 400,
    fix: 'A source is `{topic, type | typeFrom: {header} | {key: true} | {field: "/path"}, format: json | confluent, group?}`; `details` names each bad field (docs/internals/kafka.md, "Sources").',
  },
  erasure_not_supported: {
    status: 409,
    fix: 'Kafka topics are append-only: set a retention on the type (`retention`) so that Kafka deletes records by age or size. Erasing one key is built on the embedded store.',
  },
  sources_need_kafka: { status: 409, fix: 'Sources read Kafka topics: start Sluice on Kafka (`sluice start --kafka <brokers>` or SLUICE_KAFKA_BROKERS).' },
  invalid_subscription: {
    status: 400,
    fix: 'A subscription is `{types: [..], destination: {kind: "webhook" | "kafka" | "file", …}, filter?, start?, delivery?, secret?}`; `details` names each bad field (docs/subscriptions.md, docs/sinks.md).',
  },
  invalid_correlation: {
    status: 400,
    fix: 'A correlation is `{types: [..], key: "/pointer", timeout: "30s", emit: {complete: <type>, expired: <type>}, completion?, timeoutFrom?, keep?, late?, limits?, start?}`; `details` names each bad field (docs/correlations.md).',
  },
  destination_refused: {
    status: 400,
    fix: 'Deliver to a public http(s) endpoint. Loopback, private and link-local addresses are refused unless the server allows them (`delivery.allowPrivateNetworks`, SLUICE_DELIVERY_ALLOW_PRIVATE_NETWORKS=true).',
  },
  delivery_failed: {
    status: 409,
    fix: 'The endpoint did not accept the record within the retry schedule (`delivery.attempts` has each answer). Fix the endpoint, then redrive the dead letter: it is sent again to the same subscription.',
  },
  unknown_schema: {
    status: 400,
    fix: 'Register the schema the producer uses in this tenant (the Confluent API under /registry, or `PUT /v1/types/{type}`), then redrive the dead letters.',
  },
  // pipeline
  invalid_pipeline: {
    status: 400,
    fix: 'Fix the pipeline step at each `details[].path` (`/steps/<index>/<step>/...`); the steps and their options are described in docs/pipelines.md.',
  },
  schema_validation_failed: {
    status: 400,
    fix: "Make `data` match the type's schema; `details` lists each failing path and why. At stage `route`, the pipeline's output does not match the schema of the type it is routed to (named in the message): fix the pipeline or that schema, then redrive.",
  },
  invalid_key: { status: 400, fix: "`key` must be a string of at most 1024 characters, and the type's partition key must point at a string or number." },
  transform_failed: {
    status: 400,
    fix: 'A pipeline step could not apply to this event (`details` names the field and why): fix the event, or the pipeline (`PUT /v1/types/{type}/pipeline`), then redrive the dead letters.',
  },
  no_route: { status: 400, fix: "Add a route for this value, or a `default` event type, to the type's pipeline; then redrive the dead letters." },
  duplicate_id: { status: 200, fix: 'Nothing to fix: an event with this id is already stored, so it was not stored again.' },
  // reading
  invalid_position: { status: 400, fix: 'Use `from=earliest|latest`, an offset, or a Last-Event-ID received from this stream.' },
  not_assigned: { status: 409, fix: "The group rebalanced: poll again to learn this member's partitions, then commit only those." },
  // capacity
  rate_limited: { status: 429, fix: 'Slow down and retry after the number of seconds in Retry-After.' },
  overloaded: { status: 503, fix: 'The server is shedding load; retry after the number of seconds in Retry-After.' },
  store_unavailable: {
    status: 503,
    fix: 'The store (the disk, or the Kafka cluster) did not answer. Retry after Retry-After; an ingest that answered this stored nothing, and event ids make sending it again safe.',
  },
  shutting_down: { status: 503, fix: 'The server is stopping; retry against another instance or after it restarts.' },
  internal: { status: 500, fix: 'This is a bug in Sluice; the log has the details under the request id.' },
} as const satisfies Record<string, { status: number; fix: string }>;

export type ErrorCode = keyof typeof errorCatalogue;

/** One problem inside a payload: where (a JSON pointer) and why. */
export interface ErrorDetail {
  path: string;
  reason: string;
}

export interface ErrorBody {
  code: ErrorCode;
  message: string;
  fix: string;
  details?: ErrorDetail[];
}

/**
 * @example throw new SluiceError('unknown_type', `no event type "fruit" in tenant acme`)
 */
export class SluiceError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly details: ErrorDetail[] | undefined;
  /** Seconds the client should wait before retrying (429 / 503). */
  readonly retryAfter: number | undefined;

  constructor(code: ErrorCode, message: string, options: { details?: ErrorDetail[]; retryAfter?: number; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'SluiceError';
    this.code = code;
    this.status = errorCatalogue[code].status;
    this.details = options.details;
    this.retryAfter = options.retryAfter;
  }

  toBody(): ErrorBody {
    const body: ErrorBody = { code: this.code, message: this.message, fix: errorCatalogue[this.code].fix };
    if (this.details !== undefined) body.details = this.details;
    return body;
  }
}

export function isSluiceError(value: unknown): value is SluiceError {
  return value instanceof SluiceError;
}
