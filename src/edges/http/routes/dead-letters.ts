import type { FastifyInstance } from 'fastify';
import type { DeadLetterFilter, RedriveRequest } from '../../../services/dead-letters.ts';
import type { Services } from '../../../services/index.ts';
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
            type: { type: 'string' },
            code: { type: 'string' },
            limit: { type: 'integer', minimum: 1, maximum: 1000 },
          },
        },
      },
    },
    (request) => deadLetters.redrive(tenantOf(request), request.body ?? {}),
  );
}
