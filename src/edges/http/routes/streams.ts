import type { FastifyInstance } from 'fastify';
import { once } from 'node:events';
import { SluiceError } from '../../../domain/errors.ts';
import { formatPositions, parsePositions, parseStartFrom } from '../../../domain/positions.ts';
import type { Services } from '../../../services/index.ts';
import { pageSchema, ref } from '../api-schemas.ts';
import { tenantOf } from '../auth.ts';
import { refuseIfRevoked, waitSignals } from '../request-signal.ts';
import { listQuerystring, pageOf, type ListQuery } from '../list-page.ts';

const streamParams = { type: 'object', properties: { stream: { type: 'string' } }, required: ['stream'] } as const;

export function streamRoutes(app: FastifyInstance, services: Services, shutdown: AbortSignal): void {
  const { reader } = services;

  app.get<{ Querystring: ListQuery }>(
    '/v1/streams',
    {
      config: { access: 'consume' },
      schema: {
        tags: ['streams'],
        summary: 'List streams',
        querystring: listQuerystring,
        response: { 200: pageSchema(ref('StreamInfo')) },
      },
    },
    async (request) => pageOf(await reader.listStreams(tenantOf(request)), (info) => info.name, request.query),
  );

  app.get<{ Params: { stream: string } }>(
    '/v1/streams/:stream',
    {
      config: { access: 'consume' },
      schema: { tags: ['streams'], summary: 'Show a stream: partitions and offsets', params: streamParams, response: { 200: ref('StreamInfo') } },
    },
    (request) => reader.describe(tenantOf(request), request.params.stream),
  );

  app.get<{ Params: { stream: string }; Querystring: { partition?: number; from?: string; cursor?: string; limit: number; waitMs: number } }>(
    '/v1/streams/:stream/events',
    {
      config: { access: 'consume' },
      schema: {
        tags: ['streams'],
        summary:
          'Read a partition from an offset, or every partition (no partition) from a cursor, a time, earliest or latest; waits up to waitMs for new records',
        description:
          'With `partition`, `next` is the offset to read from next. Without it, a stream of several partitions is read across all of them, ' +
          "each in offset order, and `next` is a cursor (`0:12,1:7,…`, the same as a live tail's event id) to pass back as `cursor`.",
        params: streamParams,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            partition: { type: 'integer', minimum: 0, description: 'one partition; leave it out to read every partition' },
            from: { type: 'string', description: 'an offset (with partition), "earliest" (the default), "latest", or an RFC 3339 time' },
            cursor: { type: 'string', description: 'the `next` of an earlier read across partitions' },
            limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
            waitMs: { type: 'integer', minimum: 0, maximum: 30000, default: 0 },
          },
        },
        response: {
          200: pageSchema(
            { anyOf: [ref('Record'), ref('DeadLetter')] },
            { type: ['integer', 'string'], description: 'the offset (one partition) or the cursor (every partition) to read on from' },
          ),
        },
      },
    },
    async (request, reply) => {
      const tenant = tenantOf(request);
      const { stream } = request.params;
      const { limit, waitMs, cursor } = request.query;
      const info = await reader.describe(tenant, stream);
      const { signal, revoked } = waitSignals(request, reply, shutdown, services.tenants, services.sessions);
      // One partition: named, or the stream has only one (and no cursor was given).
      if (request.query.partition !== undefined || (info.partitions === 1 && cursor === undefined)) {
        const partition = request.query.partition ?? 0;
        const from = await startOffset(services, tenant, stream, partition, request.query.from);
        const page = await reader.read(tenant, stream, partition, from, limit, waitMs, signal);
        refuseIfRevoked(revoked);
        return page;
      }
      let positions: number[];
      if (cursor !== undefined) {
        const parsed = parsePositions(cursor, info.partitions);
        if (parsed === undefined)
          throw new SluiceError('invalid_position', `cursor "${cursor}" is not a position of ${stream}; pass back the next of an earlier read`);
        positions = parsed;
      } else {
        const from = request.query.from ?? 'earliest';
        if (/^\d+$/.test(from)) {
          throw new SluiceError(
            'invalid_request',
            `from=${from} is an offset, and offsets belong to one partition: add partition=<0…${info.partitions - 1}>, or read every partition from earliest, latest, a time or a cursor`,
            {
              details: [{ path: 'from', reason: 'an offset needs partition' }],
            },
          );
        }
        positions = await reader.startPositions(tenant, stream, parseStartFrom(from));
      }
      const page = await reader.readAcross(tenant, stream, positions, limit, waitMs, signal);
      refuseIfRevoked(revoked);
      return { items: page.items, next: formatPositions(page.positions) };
    },
  );

  app.get<{ Params: { stream: string; id: string }; Querystring: { source?: string } }>(
    '/v1/streams/:stream/events/:id',
    {
      config: { access: 'consume' },
      schema: {
        tags: ['streams'],
        summary: 'One event by its id (a CloudEvent by its source and id); the first stored with it',
        description: 'On Kafka only ids the producer chose are found; ids Sluice generated are found by the position the ingest answer gave.',
        params: { type: 'object', properties: { stream: { type: 'string' }, id: { type: 'string' } }, required: ['stream', 'id'] },
        querystring: { type: 'object', additionalProperties: false, properties: { source: { type: 'string', description: "a CloudEvent's source" } } },
        response: { 200: { anyOf: [ref('Record'), ref('DeadLetter')] } },
      },
    },
    (request) => reader.findEvent(tenantOf(request), request.params.stream, request.params.id, request.query.source),
  );

  app.get<{ Params: { stream: string }; Querystring: { from?: string } }>(
    '/v1/streams/:stream/tail',
    {
      config: { access: 'consume' },
      schema: {
        tags: ['streams'],
        summary: 'Follow a stream as Server-Sent Events; each event id is a position that Last-Event-ID resumes from',
        params: streamParams,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { from: { type: 'string', description: '"earliest", "latest" (default), or an RFC 3339 time' } },
        },
        produces: ['text/event-stream'],
        response: { 200: { type: 'string', description: 'Server-Sent Events: `event: record` with a Record as data, `id` the position' } },
      },
    },
    async (request, reply) => {
      const tenant = tenantOf(request);
      const { stream } = request.params;
      const info = await reader.describe(tenant, stream);
      const lastEventId = request.headers['last-event-id'];
      let positions: number[];
      if (typeof lastEventId === 'string' && lastEventId !== '') {
        const parsed = parsePositions(lastEventId, info.partitions);
        if (parsed === undefined) throw new SluiceError('invalid_position', `Last-Event-ID "${lastEventId}" is not a position of ${stream}`);
        positions = parsed;
      } else {
        positions = await reader.startPositions(tenant, stream, parseStartFrom(request.query.from ?? 'latest'));
      }
      const { signal, revoked } = waitSignals(request, reply, shutdown, services.tenants, services.sessions);
      reply.hijack();
      const raw = reply.raw;
      raw.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
      });
      raw.write(`retry: 1000\nid: ${formatPositions(positions)}\n: following ${stream}\n\n`);
      try {
        for await (const item of reader.tail(tenant, stream, positions, signal)) {
          const chunk =
            item === 'idle' ? ': keep-alive\n\n' : `id: ${formatPositions(positions)}\nevent: record\ndata: ${JSON.stringify(reader.view(item))}\n\n`;
          if (!raw.write(chunk)) await once(raw, 'drain', { signal });
        }
      } catch (error) {
        if (!signal.aborted) request.log.warn({ err: error }, 'live tail ended');
      } finally {
        // The browser's EventSource reconnects after an end; with the key revoked it then gets 401 and stops.
        if (revoked.aborted && !raw.destroyed)
          raw.write(
            `event: error\ndata: ${JSON.stringify({ error: { code: 'unauthorized', message: 'the key this stream was opened with was revoked or changed' } })}\n\n`,
          );
        // On shutdown or revocation the connection must not stay open as keep-alive.
        if (shutdown.aborted || revoked.aborted) raw.end(() => raw.destroy());
        else raw.end();
      }
    },
  );
}

async function startOffset(services: Services, tenant: string, stream: string, partition: number, from: string | undefined): Promise<number> {
  if (from === undefined || from === 'earliest') return 0;
  if (/^\d{1,15}$/.test(from)) return Number(from);
  return (await services.reader.startPositions(tenant, stream, parseStartFrom(from)))[partition] ?? 0;
}
