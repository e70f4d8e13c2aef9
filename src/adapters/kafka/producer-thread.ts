/**
 * The producer thread: builds the Kafka messages of each writer round and sends them through
 * one idempotent acks=all producer, off the main thread, which keeps HTTP and validation
 * (see producer-client.ts). Answers each round with the offset of every record.
 */
import type { MessageToProduce } from '@platformatic/kafka';
import { parentPort, workerData } from 'node:worker_threads';
import { createProducer } from './client-options.ts';
import { toMessages } from './produce-columns.ts';
import type { ProducerReply, ProducerRequest, ProducerThreadData } from './producer-protocol.ts';

/**
 * Most bytes of one partition in one produce request. A broker refuses a record batch above
 * its `message.max.bytes` (1 MiB by default) with MESSAGE_TOO_LARGE, and one round may hold
 * far more for one partition (large requests, one key, a busy source), so a round is sent in
 * as many requests as that takes, one after the other, which keeps each partition's order.
 */
const partitionBytesPerSend = 768 * 1024;
/** Bytes a record costs beyond its key, value and headers (lengths, deltas, attributes). */
const recordOverhead = 24;

const port = parentPort;
if (port === null) throw new Error('producer-thread.ts runs as a worker thread');
const data = workerData as ProducerThreadData;
const producer = createProducer(data.options, data.role);

port.on('message', (request: ProducerRequest) => {
  if ('close' in request) {
    void producer.close().finally(() => port.close());
    return;
  }
  const { id } = request;
  sendRound(toMessages(request.columns)).then(
    (offsets) => {
      const reply: ProducerReply = { id, ok: true, offsets };
      port.postMessage(reply);
    },
    (error: unknown) => {
      const reply: ProducerReply = { id, ok: false, error: error instanceof Error ? { name: error.name, message: describe(error) } : { name: 'Error', message: String(error) } };
      port.postMessage(reply);
    },
  );
});

/** Sends the messages of one round, split by partitionBytesPerSend; answers each message's offset. */
async function sendRound(messages: MessageToProduce[]): Promise<Float64Array> {
  const offsets = new Float64Array(messages.length);
  let from = 0;
  while (from < messages.length) {
    const bytes = new Map<string, number>();
    let to = from;
    for (; to < messages.length; to++) {
      const slot = slotOf(messages[to]!);
      const size = (bytes.get(slot) ?? 0) + sizeOf(messages[to]!);
      if (to > from && size > partitionBytesPerSend) break;
      bytes.set(slot, size);
    }
    const produced = await producer.send({ messages: messages.slice(from, to) });
    const next = new Map<string, number>();
    for (const o of produced.offsets ?? []) next.set(`${o.topic}#${o.partition}`, Number(o.offset));
    for (let i = from; i < to; i++) {
      const slot = slotOf(messages[i]!);
      const offset = next.get(slot);
      if (offset === undefined) throw new Error(`the broker did not answer an offset for ${slot}`);
      offsets[i] = offset;
      next.set(slot, offset + 1);
    }
    from = to;
  }
  return offsets;
}

function slotOf(message: MessageToProduce): string {
  return `${message.topic}#${message.partition ?? 0}`;
}

function sizeOf(message: MessageToProduce): number {
  let size = recordOverhead + (message.key?.length ?? 0) + (message.value?.length ?? 0);
  for (const [name, value] of (message.headers as Map<Buffer, Buffer> | undefined) ?? []) size += name.length + value.length + 2;
  return size;
}

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
