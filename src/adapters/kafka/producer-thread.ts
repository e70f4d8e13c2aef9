/**
 * The producer thread: builds the Kafka messages of each writer round and sends them through
 * one idempotent acks=all producer, off the main thread, which keeps HTTP and validation
 * (see producer-client.ts). Answers each round with the base offset of every partition.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { createProducer } from './client-options.ts';
import { toMessages } from './produce-columns.ts';
import type { ProducerReply, ProducerRequest, ProducerThreadData } from './producer-protocol.ts';

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
  let sending;
  try {
    sending = producer.send({ messages: toMessages(request.columns) });
  } catch (error) {
    sending = Promise.reject(error instanceof Error ? error : new Error(String(error)));
  }
  sending.then(
    (produced) => {
      const reply: ProducerReply = { id, ok: true, bases: (produced.offsets ?? []).map((o) => [o.topic, o.partition, Number(o.offset)]) };
      port.postMessage(reply);
    },
    (error: unknown) => {
      const reply: ProducerReply = { id, ok: false, error: error instanceof Error ? { name: error.name, message: error.message } : { name: 'Error', message: String(error) } };
      port.postMessage(reply);
    },
  );
});
