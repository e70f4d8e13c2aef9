import type { FastifyInstance } from 'fastify';
import { tenantOf } from '../auth.ts';
import type { Limits } from '../../config/config.ts';
import { ref } from '../api-schemas.ts';
import { type IngestBody, ingestStatus } from '../ingest-request.ts';
import { documentationOnly } from '../request-validators.ts';
import type { TenantRateLimiter } from '../rate-limit.ts';

const event = {
  type: 'object',
  required: ['type', 'data'],
  additionalProperties: false,
  properties: {
    type: { type: 'string' },
    data: { description: "the event data, checked against the type's schema" },
    id: { type: 'string', description: 'a repeat of a stored id is not stored again' },
    key: { type: 'string' },
    time: { type: 'string', format: 'date-time' },
    source: { type: 'string' },
    subject: { type: 'string' },
    schemaVersion: { type: 'integer', minimum: 1 },
  },
} as const;

const cloudEvent = {
  type: 'object',
  required: ['specversion', 'id', 'source', 'type'],
  properties: {
    specversion: { const: '1.0' },
    id: { type: 'string' },
    source: { type: 'string' },
    type: { type: 'string' },
    time: { type: 'string', format: 'date-time' },
    subject: { type: 'string' },
    datacontenttype: { type: 'string' },
    dataschema: { type: 'string' },
    partitionkey: { type: 'string' },
    data: {},
    data_base64: { type: 'string' },
  },
} as const;

/**
 * `POST /v1/events`: the body is read as raw bytes here (not by Fastify's JSON parser) so
 * that NDJSON, CloudEvents and per-event errors can be handled event by event. Most requests
 * never reach this route: direct-ingest.ts answers those whose headers need nothing of
 * Fastify's, with the same `ingestBody`.
 */
export function eventRoutes(app: FastifyInstance, ingestBody: IngestBody, limits: Pick<Limits, 'maxBodyBytes'>, limiter: TenantRateLimiter): void {
  void app.register((scope, _options, done) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: limits.maxBodyBytes }, (_request, body, parsed) => parsed(null, body));
    // The body arrives as bytes and is checked event by event (parseIngestBody); its schemas
    // below document the shapes, they do not validate.
    scope.setValidatorCompiler(documentationOnly);

    scope.post(
      '/v1/events',
      {
        config: { access: 'produce' },
        schema: {
          tags: ['events'],
          summary: 'Send events: one object, a JSON array, NDJSON, or CloudEvents (structured, batch, binary)',
          description:
            "Answers 200 when every event was accepted, 207 when some were, 400 when none; `results` has one entry per event in request order. Rejected events are stored in the tenant's `_dead` stream.",
          body: {
            content: {
              'application/json': { schema: { anyOf: [event, { type: 'array', items: event, minItems: 1 }] } },
              'application/x-ndjson': { schema: { type: 'string', description: 'one event per line' } },
              'application/cloudevents+json': { schema: cloudEvent },
              'application/cloudevents-batch+json': { schema: { type: 'array', items: cloudEvent, minItems: 1 } },
            },
          },
          response: { 200: ref('IngestOutcome'), 207: ref('IngestOutcome'), 400: { anyOf: [ref('IngestOutcome'), ref('Error')] } },
        },
      },
      async (request, reply) => {
        const tenant = tenantOf(request);
        limiter.take(tenant);
        const outcome = await ingestBody(tenant, request.headers, (request.body as Buffer | undefined) ?? Buffer.alloc(0));
        // Written once, straight from the outcome (services/ingest-answer.ts), rather than by the response schema's serializer.
        return reply.code(ingestStatus(outcome)).type('application/json; charset=utf-8').send(outcome.json);
      },
    );
    done();
  });
}
