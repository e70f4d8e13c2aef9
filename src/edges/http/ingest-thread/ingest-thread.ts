import { parentPort, workerData } from 'node:worker_threads';
import { AppendChannel } from '../../../ports/append-channel.ts';
import { columnBuffers } from '../../../ports/append-columns.ts';
import { IngestPreparer, storeFailure } from '../../../services/ingest.ts';
import { type PackedIngest, type PackedPlan, packPrepared } from '../../../services/packed-ingest.ts';
import { TypeRegistry } from '../../../services/registry.ts';
import { parseIngestBody } from '../ingest-body.ts';
import { MirrorCatalog } from './mirror-catalog.ts';
import type { FromThread, IngestThreadData, ToThread } from './protocol.ts';
import { toWireError } from './protocol.ts';

/**
 * The ingest thread: parses request bodies, validates and transforms their events and packs
 * the records; where the store has an append channel it appends them too, so the HTTP thread
 * only receives requests and answers. Messages are handled one at a time in the order sent,
 * so a catalog change the HTTP thread made before a request is applied here before that
 * request.
 */
const port = parentPort;
if (port === null) throw new Error('ingest-thread.ts runs as a worker thread');
const { limits, store, prepared } = workerData as IngestThreadData;
const channel = store === undefined ? undefined : new AppendChannel(store);
const catalog = new MirrorCatalog();
const readOnly = (): Promise<never> => Promise.reject(new Error('the ingest thread does not write streams'));
const preparer = new IngestPreparer(new TypeRegistry(catalog, { createStream: readOnly, applyRetention: readOnly }));

port.on('message', (message: ToThread) => {
  if ('snapshot' in message) catalog.load(message.snapshot);
  else if ('change' in message) catalog.apply(message.change.kind, message.change.key, message.change.entry);
  else prepare(message);
});

function prepare({ job, tenant, headers, body }: Extract<ToThread, { job: number }>): void {
  let packed: PackedIngest;
  try {
    const bytes = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
    packed = packPrepared(preparer.prepare(tenant, parseIngestBody(headers, bytes, limits)));
  } catch (error) {
    answer({ job, error: toWireError(error) });
    return;
  } finally {
    Atomics.add(prepared, 0, 1);
  }
  if (channel === undefined) {
    answer({ job, packed });
    return;
  }
  const { plan, columns } = packed;
  const started = performance.now();
  channel.append(columns, plan.deadLetters > 0 ? [plan.deadStream] : []).then(
    (results) => answer({ job, stored: { plan, results, appendMs: performance.now() - started } }),
    (error: unknown) => answer({ job, error: toWireError(storeFailure(error)) }),
  );
}

/** Typed arrays' buffers move to the HTTP thread rather than being copied. */
function answer(message: FromThread): void {
  if ('packed' in message) port!.postMessage(message, [...planBuffers(message.packed.plan), ...columnBuffers(message.packed.columns)]);
  else if ('stored' in message) port!.postMessage(message, [...planBuffers(message.stored.plan), ...columnBuffers(message.stored.results)]);
  else port!.postMessage(message);
}

function planBuffers(plan: PackedPlan): ArrayBuffer[] {
  return [plan.kinds, plan.typeOf, plan.first, plan.copies, plan.recordStream].map((array) => array.buffer as ArrayBuffer);
}
