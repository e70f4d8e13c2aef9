/**
 * The producer thread: encodes the record batches of each writer round and sends them through
 * one idempotent acks=all producer (batch-producer.ts), off the main thread, which keeps HTTP
 * and validation (see producer-client.ts). Rounds are sent one at a time, in the order they
 * arrive; each is answered with the offset of every record.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { BatchProducer } from './batch-producer.ts';
import { clientTimeouts, createProducer } from './client-options.ts';
import type { ProducerReply, ProducerRequest, ProducerThreadData } from './producer-protocol.ts';

const port = parentPort;
if (port === null) throw new Error('producer-thread.ts runs as a worker thread');
const data = workerData as ProducerThreadData;
const client = createProducer(data.options, data.role);
const producer = new BatchProducer(client, { timeoutMs: clientTimeouts.timeout, retries: clientTimeouts.retries, retryDelayMs: clientTimeouts.retryDelay });
let previous: Promise<unknown> = Promise.resolve();

port.on('message', (request: ProducerRequest) => {
  if ('close' in request) {
    void previous.finally(() => client.close().finally(() => port.close()));
    return;
  }
  const { id } = request;
  const sent = previous.then(() => producer.send(request.columns));
  previous = sent.catch(() => undefined);
  sent.then(
    (offsets) => {
      const reply: ProducerReply = { id, ok: true, offsets };
      port.postMessage(reply);
    },
    (error: unknown) => {
      const reply: ProducerReply = {
        id,
        ok: false,
        error: error instanceof Error ? { name: error.name, message: describe(error) } : { name: 'Error', message: String(error) },
      };
      port.postMessage(reply);
    },
  );
});

/**
 * The message with the reasons under it: the client wraps broker errors (one per partition or
 * broker) in an AggregateError whose own message says only that producing failed, and the
 * error objects themselves cannot cross to the main thread.
 */
function describe(error: Error): string {
  const reasons = new Set<string>();
  const collect = (inner: unknown, depth: number): void => {
    if (!(inner instanceof Error) || depth > 4) return;
    if (inner instanceof AggregateError) for (const each of inner.errors) collect(each, depth + 1);
    else if (inner !== error) reasons.add(inner.message);
    collect(inner.cause, depth + 1);
  };
  collect(error, 0);
  return reasons.size === 0 ? error.message : `${error.message} (${[...reasons].join('; ')})`;
}
