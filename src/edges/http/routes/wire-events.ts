import type { FastifyInstance, FastifyRequest } from 'fastify';
import { toEventInput } from '../../../domain/event-input.ts';
import { SluiceError } from '../../../domain/errors.ts';
import type { Services } from '../../../services/index.ts';
import type { Limits } from '../../config/config.ts';
import { tenantOf } from '../auth.ts';
import type { TenantRateLimiter } from '../rate-limit.ts';
import { mediaTypeOf } from '../ingest-body.ts';

/** The content type of one record in Confluent's wire format. */
export const wireContentType = 'application/vnd.confluent.wire';
const strategyName = 'wireContentType';
type ConstraintStorage = ReturnType<Parameters<FastifyInstance['addConstraintStrategy']>[0]['storage']>;

/**
 * `POST /v1/events` with `Content-Type: application/vnd.confluent.wire`: one record framed as
 * Confluent's serializers write it (magic byte, schema id, Protobuf message indexes,
 * payload). The event type comes from the `ce-type` header or the `type` query parameter;
 * the schema id must be one of that type's versions in the caller's tenant. The record is
 * decoded with that schema and goes through the ordinary ingest path, validated against
 * the very version it was written with. Other content types keep going to routes/events.ts:
 * the two are told apart by a route constraint on the content type.
 */
export function wireEventRoutes(app: FastifyInstance, services: Services, limits: Limits, limiter: TenantRateLimiter): void {
  app.addConstraintStrategy({
    name: strategyName,
    storage(): ConstraintStorage {
      const handlers = new Map<unknown, NonNullable<ReturnType<ConstraintStorage['get']>>>();
      return {
        get: (value) => handlers.get(value) ?? null,
        set: (value, handler) => {
          handlers.set(value, handler);
        },
      };
    },
    deriveConstraint: (request: { headers: Record<string, string | string[] | undefined> }) => {
      const header = request.headers['content-type'];
      return mediaTypeOf(Array.isArray(header) ? header[0] : header);
    },
    mustMatchWhenDerived: false,
  });

  void app.register((scope, _options, done) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser(wireContentType, { parseAs: 'buffer', bodyLimit: limits.maxBodyBytes }, (_request, body, parsed) => parsed(null, body));

    scope.post(
      '/v1/events',
      {
        constraints: { [strategyName]: wireContentType },
        config: { access: 'produce' },
        schema: { hide: true },
      },
      async (request, reply) => {
        const tenant = tenantOf(request);
        limiter.take(tenant);
        const type = eventType(request);
        const bytes = (request.body as Buffer | undefined) ?? Buffer.alloc(0);
        const schemaId = services.wire.schemaIdOf(bytes);
        const view = services.registry.getType(tenant, type);
        const version = view.versions.find((entry) => entry.schemaId === schemaId);
        if (version === undefined) {
          throw new SluiceError('unknown_version', `schema id ${schemaId} is not a version of event type "${type}"`, {
            details: [{ path: '', reason: `the type's schema ids are ${view.versions.map((entry) => entry.schemaId).join(', ')}` }],
          });
        }
        const { data } = services.wire.decode(tenant, bytes, limits.maxDepth);
        const value: Record<string, unknown> = { type, data, schemaVersion: version.version };
        const id = header(request, 'ce-id');
        if (id !== undefined) value.id = id;
        const key = header(request, 'sluice-key');
        if (key !== undefined) value.key = key;
        const original = (): string => JSON.stringify({ type, schemaId, wire: bytes.toString('base64') });
        const outcome = await services.ingest.ingest(tenant, [{ ok: true, event: toEventInput(value, original) }]);
        return reply
          .code(outcome.rejected === 0 ? 200 : 400)
          .type('application/json; charset=utf-8')
          .send(outcome.json);
      },
    );
    done();
  });
}

function eventType(request: FastifyRequest): string {
  const fromHeader = header(request, 'ce-type');
  const fromQuery = (request.query as Record<string, unknown> | undefined)?.type;
  const type = fromHeader ?? (typeof fromQuery === 'string' && fromQuery !== '' ? fromQuery : undefined);
  if (type === undefined) {
    throw new SluiceError('invalid_request', 'a wire-format record needs its event type: the ce-type header or the type query parameter', {
      details: [{ path: '/type', reason: 'required' }],
    });
  }
  return type;
}

function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  const text = Array.isArray(value) ? value[0] : value;
  return text === undefined || text === '' ? undefined : text;
}
