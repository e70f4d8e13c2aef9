import { parentPort, workerData } from 'node:worker_threads';
import { IngestPreparer } from '../../../services/ingest.ts';
import { type PackedIngest, packPrepared } from '../../../services/packed-ingest.ts';
import { TypeRegistry } from '../../../services/registry.ts';
import { parseIngestBody } from '../ingest-body.ts';
import { MirrorCatalog } from './mirror-catalog.ts';
import type { FromThread, IngestThreadData, ToThread } from './protocol.ts';
import { toWireError } from './protocol.ts';

/**
 * The ingest thread: parses request bodies, validates and transforms their events and packs
 * the records, so the HTTP thread only receives requests, hands records to the store and
 * answers. Messages are handled one at a time in the order sent, so a catalog change the
 * HTTP thread made before a request is applied here before that request.
 */
const port = parentPort;
if (port === null) throw new Error('ingest-thread.ts runs as a worker thread');
const { limits } = workerData as IngestThreadData;
const catalog = new MirrorCatalog();
const readOnly = (): Promise<never> => Promise.reject(new Error('the ingest thread does not write streams'));
const preparer = new IngestPreparer(new TypeRegistry(catalog, { createStream: readOnly, applyRetention: readOnly }));

port.on('message', (message: ToThread) => {
  if ('snapshot' in message) catalog.load(message.snapshot);
  else if ('change' in message) catalog.apply(message.change.kind, message.change.key, message.change.entry);
  else {
    const answer = prepare(message);
    port.postMessage(answer, 'packed' in answer ? ownBuffers(answer.packed) : []);
  }
});

/** The packed arrays' buffers, moved to the HTTP thread rather than copied (each array owns its buffer). */
function ownBuffers(packed: PackedIngest): ArrayBuffer[] {
  const { columns } = packed;
  const arrays = [
    columns.stream,
    columns.partition,
    columns.unique,
    columns.timestamp,
    columns.lengths,
    packed.kinds,
    packed.typeOf,
    packed.first,
    packed.copies,
  ];
  return arrays.map((array) => array.buffer as ArrayBuffer);
}

function prepare({ job, tenant, headers, body }: Extract<ToThread, { job: number }>): FromThread {
  try {
    const bytes = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
    return { job, packed: packPrepared(preparer.prepare(tenant, parseIngestBody(headers, bytes, limits))) };
  } catch (error) {
    return { job, error: toWireError(error) };
  }
}
