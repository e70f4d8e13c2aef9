import type { IncomingHttpHeaders } from 'node:http';
import type { Services } from '../../services/index.ts';
import type { IngestOutcome } from '../../services/ingest.ts';
import type { Limits } from '../config/config.ts';
import { parseIngestBody } from './ingest-body.ts';
import type { IngestThread } from './ingest-thread/ingest-thread-client.ts';
import type { Metrics } from './metrics.ts';

/** Parses, validates, transforms and stores one ingest request's body for a tenant. */
export type IngestBody = (tenant: string, headers: IncomingHttpHeaders, body: Buffer) => Promise<IngestOutcome>;

/**
 * The one way an ingest body is handled, whichever path the request came by: a large body is
 * prepared on the ingest thread while it has room, any other on the calling thread.
 */
export function makeIngestBody(
  services: Pick<Services, 'ingest'>,
  limits: Pick<Limits, 'ingestThreadMinBytes' | 'maxEventsPerRequest' | 'maxDepth'>,
  metrics: Pick<Metrics, 'ingestPrepared'>,
  ingestThread?: IngestThread,
): IngestBody {
  // Not an async function: its suspended call would keep every parsed event until the store
  // answers, instead of letting them die young.
  return (tenant, headers, body) => {
    if (ingestThread !== undefined && body.length >= limits.ingestThreadMinBytes && ingestThread.takes(body.length)) {
      metrics.ingestPrepared('ingest_thread');
      return ingestThread.prepare(tenant, headers, body).then((packed) => services.ingest.storePacked(packed));
    }
    metrics.ingestPrepared('http_thread');
    return services.ingest.ingest(tenant, parseIngestBody(headers, body, limits));
  };
}

/** 200 when every event was accepted (or was a duplicate), 207 when some were, 400 when none. */
export function ingestStatus(outcome: IngestOutcome): 200 | 207 | 400 {
  if (outcome.rejected === 0) return 200;
  return outcome.accepted + outcome.duplicates === 0 ? 400 : 207;
}
