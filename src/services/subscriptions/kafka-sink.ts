import type { KafkaDestination, SchemaFormat } from '../../domain/catalog-docs.ts';
import type { StoredRecord } from '../../domain/event.ts';
import { deadLetterType, parseStreamName } from '../../domain/names.ts';
import { partitionForKey } from '../../domain/partitioner.ts';
import { structuredCloudEvent } from '../../domain/subscriptions/cloudevent.ts';
import { schemaFormatOf } from '../../domain/subscriptions/sink-destinations.ts';
import { cloudEventHeaders, errorShaped, sinkKeyReader } from '../../domain/subscriptions/sink-values.ts';
import { encodeFrame } from '../../domain/wire-format.ts';
import type { SinkInputProgress, SinkMessage, SinkProducer } from '../../ports/sink-producer.ts';
import type { Serializer, StoredSchema } from '../schemas/serializers.ts';
import { createSerializer } from '../schemas/serializers.ts';
import type { AttemptResult } from './send.ts';

/** Where a Kafka sink finds the schemas it writes with. */
export interface SinkSchemas {
  /** The id of the type's latest live schema, or `undefined` when the tenant has no such type. */
  latestId(tenant: string, type: string): number | undefined;
  /** A stored schema with what its references pull in; `undefined` when there is no such id. */
  stored(schemaId: number): StoredSchema | undefined;
}

/** A record a sink cannot write however often it tries (it does not fit the schema, say). */
export interface Unwritable {
  record: StoredRecord;
  reason: string;
}

const maxCachedSerializers = 500;

/**
 * Turns records into messages for a Kafka sink's topic and writes them: the value in the
 * sink's format (the data, a structured CloudEvent, or Confluent's wire format with a
 * registered schema's id), the key passed through or read from the data, the partition by
 * Kafka's own murmur2 of the key so keyed consumers see what a Java producer would give.
 */
export class KafkaSink {
  readonly #producer: SinkProducer;
  readonly #schemas: SinkSchemas;
  readonly #serializers = new Map<number, Serializer>();
  #roundRobin = 0;

  constructor(producer: SinkProducer, schemas: SinkSchemas) {
    this.#producer = producer;
    this.#schemas = schemas;
  }

  /**
   * One attempt at writing `records`; those that can never be written come back to be
   * dead-lettered. `transaction`: write them and the input's progress in one transaction.
   */
  async send(
    tenant: string,
    destination: KafkaDestination,
    records: readonly StoredRecord[],
    timeoutMs: number,
    transaction?: { id: string; commit: SinkInputProgress },
  ): Promise<{ result: AttemptResult; unwritable: Unwritable[] }> {
    const started = performance.now();
    const unwritable: Unwritable[] = [];
    try {
      const partitions = await this.#producer.partitions(destination.brokers, destination.topic);
      const messages: SinkMessage[] = [];
      const keyOf = sinkKeyReader(destination.key);
      for (const record of records) {
        let message: SinkMessage;
        try {
          message = this.#message(tenant, destination, record, keyOf, partitions);
        } catch (error) {
          unwritable.push({ record, reason: (error as Error).message });
          continue;
        }
        messages.push(message);
      }
      if (transaction === undefined) await this.#producer.produce(destination.brokers, messages, timeoutMs);
      else await this.#producer.produceExactlyOnce(transaction.id, messages, transaction.commit, timeoutMs);
      return { result: { outcome: 'delivered', excerpt: '', latencyMs: performance.now() - started }, unwritable };
    } catch (error) {
      // The topic may have gained partitions or moved: look again before the next attempt.
      await this.#producer.partitions(destination.brokers, destination.topic, true).catch(() => undefined);
      return { result: { outcome: 'retry', error: `kafka: ${(error as Error).message}`, excerpt: '', latencyMs: performance.now() - started }, unwritable: [] };
    }
  }

  prepare(transactionalId: string): Promise<void> {
    return this.#producer.prepareExactlyOnce(transactionalId);
  }

  release(transactionalId: string): Promise<void> {
    return this.#producer.releaseExactlyOnce(transactionalId);
  }

  #message(tenant: string, destination: KafkaDestination, record: StoredRecord, keyOf: ReturnType<typeof sinkKeyReader>, partitions: number): SinkMessage {
    let parsed: unknown;
    const data = (): unknown => (parsed ??= JSON.parse(record.value) as unknown);
    const deadLetter = parseStreamName(record.stream)?.type === deadLetterType;
    let value: Buffer;
    let contentType = 'application/json';
    if (deadLetter && destination.format !== 'cloudevents') {
      value = Buffer.from(errorShaped(record.value, destination.errorShape));
    } else if (destination.format === 'json') {
      value = Buffer.from(record.value);
    } else if (destination.format === 'cloudevents') {
      value = Buffer.from(structuredCloudEvent(record));
      contentType = 'application/cloudevents+json';
    } else {
      value = this.#wireFormat(tenant, destination, record, data());
      contentType =
        destination.format === 'avro'
          ? 'application/vnd.apache.avro+binary'
          : destination.format === 'protobuf'
            ? 'application/x-protobuf'
            : 'application/json';
    }
    const key = keyOf(record, data);
    const message: SinkMessage = {
      topic: destination.topic,
      partition: key === null ? this.#roundRobin++ % partitions : partitionForKey(key, partitions),
      key: key === null ? null : Buffer.from(key),
      value,
    };
    if (destination.headers === 'cloudevents') {
      message.headers = Object.fromEntries(Object.entries(cloudEventHeaders(record, contentType)).map(([name, text]) => [name, Buffer.from(text)]));
    }
    return message;
  }

  /** Confluent's wire format: magic byte, schema id, (Protobuf: message indexes,) payload. */
  #wireFormat(tenant: string, destination: KafkaDestination, record: StoredRecord, data: unknown): Buffer {
    const want = schemaFormatOf(destination.format)!;
    // A routed record keeps its own type in a stream of another: the stream's type is what the sink writes.
    const streamType = parseStreamName(record.stream)?.type ?? record.attributes.type;
    const type = destination.schemaType ?? streamType;
    // The version the record was validated against when that is the type written, else the type's latest.
    const own = destination.schemaType === undefined && record.attributes.type === streamType ? record.attributes.schemaId : undefined;
    const schemaId = own ?? this.#schemas.latestId(tenant, type);
    if (schemaId === undefined) throw new Error(`event type "${type}" has no schema to write ${destination.format} with`);
    const serializer = this.#serializer(schemaId, type, want);
    return encodeFrame(schemaId, serializer.messageIndexes, serializer.encode(data));
  }

  #serializer(schemaId: number, type: string, want: SchemaFormat): Serializer {
    let serializer = this.#serializers.get(schemaId);
    if (serializer === undefined) {
      const stored = this.#schemas.stored(schemaId);
      if (stored === undefined) throw new Error(`schema id ${schemaId} is no longer stored`);
      if (stored.format !== want)
        throw new Error(
          `event type "${type}" has a ${stored.format} schema (id ${schemaId}); this sink writes ${want}: register a ${want} version, or name an output type with destination.schemaType`,
        );
      serializer = createSerializer(stored);
      if (this.#serializers.size >= maxCachedSerializers) this.#serializers.clear();
      this.#serializers.set(schemaId, serializer);
    }
    if (serializer.format !== want) throw new Error(`event type "${type}" has a ${serializer.format} schema (id ${schemaId}); this sink writes ${want}`);
    return serializer;
  }
}
