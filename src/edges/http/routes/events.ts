import type { FastifyInstance } from 'fastify';
import { tenantOf } from '../auth.ts';
import type { Services } from '../../../services/index.ts';
import type { Limits } from '../../config/config.ts';
import { parseIngestBody } from '../ingest-body.ts';
import type { TenantRateLimiter } from '../rate-limit.ts';

/**
 * `POST /v1/events`: the body is read as raw bytes here (not by Fastify's JSON parser) so
 * that NDJSON, CloudEvents and per-event errors can be handled event by event.
 */
export function eventRoutes(app: FastifyInstance, services: Services, limits: Limits, limiter: TenantRateLimiter): void {
  void app.register((scope, _options, done) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: limits.maxBodyBytes }, (_request, body, parsed) => parsed(null, body));

    scope.post(
      '/v1/events',
      {
        config: { access: 'produce' },
        schema: {
          tags: ['events'],
          summary: 'Send events: one object, a JSON array, NDJSON, or CloudEvents (structured, batch, binary)',
          description:
            'Answers 200 when every event was accepted, 207 when some were, 400 when none; `results` has one entry per event in request order. Rejected events are stored in the tenant\'s `_dead` stream.',
        },
      },
      async (request, reply) => {
        const tenant = tenantOf(request);
        limiter.take(tenant);
        const items = parseIngestBody(request.headers, (request.body as Buffer | undefined) ?? Buffer.alloc(0), limits);
        const outcome = await services.ingest.ingest(tenant, items);
        const status = outcome.rejected === 0 ? 200 : outcome.accepted + outcome.duplicates === 0 ? 400 : 207;
        return reply.code(status).send(outcome);
      },
    );
    done();
  });
}
