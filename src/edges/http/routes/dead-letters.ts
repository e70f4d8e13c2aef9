import type { FastifyInstance } from 'fastify';
import type { DeadLetterFilter, RedriveRequest } from '../../../services/dead-letters.ts';
import type { Services } from '../../../services/index.ts';
import { pageSchema, ref } from '../api-schemas.ts';
import { tenantOf } from '../auth.ts';

export function deadLetterRoutes(app: FastifyInstance, services: Services): void {
  const { deadLetters } = services;

  app.get<{ Querystring: DeadLetterFilter }>(
    '/v1/dead-letters',
    {
      config: { access: 'consume' },
      schema: {
        tags: ['dead letters'],
        summary: 'List dead letters with the reason each was refused',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            type: { type: 'string' },
            code: { type: 'string' },
            from: { type: 'integer', minimum: 0 },
            limit: { type: 'integer', minimum: 1, maximum: 1000 },
            status: { enum: ['pending', 'redriven', 'all'] },
          },
        },
        response: { 200: pageSchema(ref('DeadLetter'), { type: 'integer', description: 'the offset to list on from (`from`)' }) },
      },
    },
    (request) => deadLetters.list(tenantOf(request), request.query),
  );

  app.post<{ Body: RedriveRequest }>(
    '/v1/dead-letters/redrive',
    {
      config: { access: 'manage' },
      schema: {
        tags: ['dead letters'],
        summary: 'Run dead letters through the current pipeline again; those that pass move to their stream',
        body: {
          type: 'object',
          additionalProperties: false,
          properties: {
            offsets: { type: 'array', items: { type: 'integer', minimum: 0 }, maxItems: 1000 },
            ids: { type: 'array', items: { type: 'string' }, maxItems: 1000, description: 'dead letters by the id of the event (the `id` the listing shows)' },
            type: { type: 'string' },
            code: { type: 'string' },
            limit: { type: 'integer', minimum: 1, maximum: 1000 },
          },
        },
        response: {
          200: {
            type: 'object',
            required: ['redriven', 'failed', 'results'],
            properties: {
              redriven: { type: 'integer' },
              failed: { type: 'integer' },
              results: {
                type: 'array',
                items: {
                  type: 'object',
                  required: ['offset', 'status'],
                  properties: {
                    offset: { type: 'integer', description: "the dead letter's offset" },
                    status: { enum: ['redriven', 'failed', 'skipped', 'filtered'] },
                    stream: { type: 'string' },
                    partition: { type: 'integer' },
                    recordOffset: { type: 'integer' },
                    subscription: { type: 'string' },
                    reason: { type: 'string' },
                    error: {
                      type: 'object',
                      required: ['code', 'message'],
                      properties: { code: { type: 'string' }, message: { type: 'string' }, details: { type: 'array' } },
                    },
                  },
                },
              },
            },
          },
        },
      },
    },
    (request) => deadLetters.redrive(tenantOf(request), request.body ?? {}),
  );
}
