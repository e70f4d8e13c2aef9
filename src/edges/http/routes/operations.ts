import type { FastifyInstance } from 'fastify';
import type { Metrics } from '../metrics.ts';

const status = { type: 'object', required: ['status'], properties: { status: { type: 'string' } } } as const;

export function operationRoutes(app: FastifyInstance, metrics: Metrics, isReady: () => boolean): void {
  app.get('/healthz', { config: { access: 'public' }, schema: { tags: ['operations'], summary: 'The process is alive', response: { 200: status } } }, () => ({
    status: 'ok',
  }));

  app.get(
    '/readyz',
    { config: { access: 'public' }, schema: { tags: ['operations'], summary: 'The process accepts traffic', response: { 200: status, 503: status } } },
    (_request, reply) => (isReady() ? reply.send({ status: 'ready' }) : reply.code(503).header('retry-after', '1').send({ status: 'not ready' })),
  );

  // Admin only: the series are labelled with tenant and type names, which tenants must not learn of each other.
  app.get(
    '/metrics',
    {
      config: { access: 'admin' },
      schema: {
        tags: ['operations'],
        summary: 'Prometheus metrics (admin token)',
        produces: ['text/plain', 'application/json'],
        response: { 200: { type: 'string', description: 'Prometheus text exposition format' } },
      },
    },
    async (_request, reply) => reply.type(metrics.registry.contentType).send(await metrics.registry.metrics()),
  );
}
