/**
 * The records of one writer round on their way to the producer thread, and how they become
 * Kafka messages there. Columns (arrays of strings and typed arrays) copy between threads
 * several times faster than an array of small objects, as for the SQLite store thread.
 */
import type { MessageToProduce } from '@platformatic/kafka';
import type { AppendRecord } from '../../ports/event-log.ts';

export interface ProduceColumns {
  topic: string[];
  partition: Int32Array;
  id: string[];
  unique: Uint8Array;
  key: (string | null)[];
  /** Receive time, epoch milliseconds. */
  timestamp: Float64Array;
  type: string[];
  source: string[];
  time: string[];
  subject: (string | null)[];
  /** NaN when the record has no schema id. */
  schemaId: Float64Array;
  /** The data as JSON text. */
  value: string[];
}

export function toProduceColumns(records: readonly AppendRecord[], topicOf: (stream: string) => string): ProduceColumns {
  const count = records.length;
  const columns: ProduceColumns = {
    topic: new Array<string>(count),
    partition: new Int32Array(count),
    id: new Array<string>(count),
    unique: new Uint8Array(count),
    key: new Array<string | null>(count),
    timestamp: new Float64Array(count),
    type: new Array<string>(count),
    source: new Array<string>(count),
    time: new Array<string>(count),
    subject: new Array<string | null>(count),
    schemaId: new Float64Array(count),
    value: new Array<string>(count),
  };
  records.forEach((record, i) => {
    const { attributes } = record;
    columns.topic[i] = topicOf(record.stream);
    columns.partition[i] = record.partition;
    columns.id[i] = record.id;
    columns.unique[i] = record.unique ? 1 : 0;
    columns.key[i] = record.key;
    columns.timestamp[i] = record.timestamp;
    columns.type[i] = attributes.type;
    columns.source[i] = attributes.source;
    columns.time[i] = attributes.time;
    columns.subject[i] = attributes.subject ?? null;
    columns.schemaId[i] = attributes.schemaId ?? Number.NaN;
    columns.value[i] = record.value;
  });
  return columns;
}

/** Header names as bytes, made once: every record carries most of them. */
const names = {
  specversion: Buffer.from('ce_specversion'),
  id: Buffer.from('ce_id'),
  type: Buffer.from('ce_type'),
  source: Buffer.from('ce_source'),
  time: Buffer.from('ce_time'),
  subject: Buffer.from('ce_subject'),
  contentType: Buffer.from('content-type'),
  schemaId: Buffer.from('sluice_schemaid'),
  receivedAt: Buffer.from('sluice_receivedat'),
  unique: Buffer.from('sluice_unique'),
};
const specversion = Buffer.from('1.0');
const applicationJson = Buffer.from('application/json');
const one = Buffer.from('1');

/**
 * The Kafka messages of one round: key, value, receive time and the headers of the CloudEvents
 * Kafka binding plus Sluice's own (docs/kafka.md). Header values the records of a round share
 * (type, source, time, schema id, receive time) are encoded once; the client only reads the
 * buffers, so records may share them.
 */
export function toMessages(columns: ProduceColumns): MessageToProduce[] {
  const shared = new Map<string, Buffer>();
  const bytes = (text: string): Buffer => {
    let encoded = shared.get(text);
    if (encoded === undefined) {
      encoded = Buffer.from(text);
      shared.set(text, encoded);
    }
    return encoded;
  };
  const count = columns.topic.length;
  const messages = new Array<MessageToProduce>(count);
  for (let i = 0; i < count; i++) {
    const timestamp = columns.timestamp[i]!;
    const headers = new Map<Buffer, Buffer>();
    headers.set(names.specversion, specversion);
    headers.set(names.id, Buffer.from(columns.id[i]!));
    headers.set(names.type, bytes(columns.type[i]!));
    headers.set(names.source, bytes(columns.source[i]!));
    headers.set(names.time, bytes(columns.time[i]!));
    const subject = columns.subject[i];
    if (subject !== null && subject !== undefined) headers.set(names.subject, Buffer.from(subject));
    headers.set(names.contentType, applicationJson);
    const schemaId = columns.schemaId[i]!;
    if (!Number.isNaN(schemaId)) headers.set(names.schemaId, bytes(String(schemaId)));
    headers.set(names.receivedAt, bytes(String(timestamp)));
    if (columns.unique[i] === 1) headers.set(names.unique, one);
    const message: MessageToProduce = { topic: columns.topic[i]!, partition: columns.partition[i]!, value: Buffer.from(columns.value[i]!), timestamp: BigInt(timestamp), headers };
    const key = columns.key[i];
    if (key !== null && key !== undefined) message.key = Buffer.from(key);
    messages[i] = message;
  }
  return messages;
}
