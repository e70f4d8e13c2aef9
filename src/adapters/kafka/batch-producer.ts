/**
 * An idempotent acks=all producer that sends the record batches of record-batch.ts. The
 * @platformatic/kafka producer does everything around them: connections, metadata, the
 * producer id, the Produce request's framing and the parsing of its answer.
 *
 * - Sequences: per partition, the next sequence number of this producer id; a batch takes
 *   `count` of them. The broker stores a batch once per producer id and sequence, so a batch
 *   sent again after a lost answer is not stored twice.
 * - A round is one request per broker, and several requests one after the other when a
 *   partition's share would pass the broker's batch limit (`message.max.bytes`, 1 MiB by
 *   default), which keeps each partition's order.
 * - Failures: partitions that answer a retriable error (leader moved, not enough replicas,
 *   timeouts, lost connections) are sent again, with the same bytes, after the metadata is
 *   refreshed, up to `retries` times. Anything else, or too many retries, fails the round and
 *   starts a new producer id, so no later batch depends on one that may be missing.
 */
import type { Connection, Producer } from '@platformatic/kafka';
import { createAPI, produceV11, ProduceAcks, ResponseError, Writer } from '@platformatic/kafka';
import { valueStart, type ProduceColumns } from './produce-columns.ts';
import { encodeRecordBatch, type ProducerIdentity } from './record-batch.ts';

/**
 * Most bytes of one partition in one request: under the broker's default 1 MiB batch limit,
 * with room for the headers' share of each record that the estimate leaves out.
 */
const PARTITION_BYTES_PER_REQUEST = 768 * 1024;
/** Bytes a record costs beyond its key, value and header values (lengths, names, deltas). */
const RECORD_OVERHEAD_ESTIMATE = 160;
/** Kafka error codes worth sending the same batch again for. */
const RETRIABLE = new Set([
  3, // UNKNOWN_TOPIC_OR_PARTITION (metadata not there yet)
  5, // LEADER_NOT_AVAILABLE
  6, // NOT_LEADER_OR_FOLLOWER
  7, // REQUEST_TIMED_OUT
  13, // NETWORK_EXCEPTION
  19, // NOT_ENOUGH_REPLICAS
  20, // NOT_ENOUGH_REPLICAS_AFTER_APPEND
  56, // KAFKA_STORAGE_ERROR
  74, // FENCED_LEADER_EPOCH
  75, // UNKNOWN_LEADER_EPOCH
]);
const SEQUENCE_WRAP = 2 ** 31;

/** The records of one topic-partition in one request, and the batch that carries them. */
interface Slice {
  topic: string;
  partition: number;
  indexes: number[];
  batch?: Buffer;
}

/** The record batches of one Produce request, by topic and partition. */
export interface TopicData {
  name: string;
  partitions: { index: number; records: Buffer }[];
}

function createProduceRequest(acks: number, timeoutMs: number, topics: TopicData[]): Writer {
  return Writer.create()
    .appendString(null) // no transactional id
    .appendInt16(acks)
    .appendInt32(timeoutMs)
    .appendArray(topics, (topicWriter, topic) => {
      topicWriter.appendString(topic.name).appendArray(topic.partitions, (partitionWriter, partition) => {
        partitionWriter
          .appendInt32(partition.index)
          .appendUnsignedVarInt(partition.records.length + 1)
          .append(partition.records);
      });
    })
    .appendTaggedFields();
}

const produce = createAPI(0, 11, createProduceRequest, produceV11.parseResponse);

/**
 * One Produce request (v11, acks=all) of ready record batches on `connection`; rejects with the
 * client's ResponseError, which holds the answer, when a partition answered an error.
 */
export function sendBatches(connection: Connection, timeoutMs: number, topics: TopicData[]): Promise<ProduceAnswer> {
  return produce.async(connection, ProduceAcks.ALL, timeoutMs, topics);
}

export interface PartitionAnswer {
  index: number;
  errorCode: number;
  baseOffset: bigint;
}

/** The part of a Produce answer the batch producer reads. */
export interface ProduceAnswer {
  responses: { name: string; partitionResponses: PartitionAnswer[] }[];
}

export interface BatchProducerOptions {
  /** Broker-side wait for the in-sync replicas, and the client's request timeout. */
  timeoutMs: number;
  retries: number;
  retryDelayMs: number;
}

export class BatchProducer {
  readonly #client: Producer;
  readonly #options: BatchProducerOptions;
  readonly #sequences = new Map<string, number>();
  #identity: ProducerIdentity | undefined;

  constructor(client: Producer, options: BatchProducerOptions) {
    this.#client = client;
    this.#options = options;
  }

  /** Sends every record of `columns`; answers each record's offset. One call at a time. */
  async send(columns: ProduceColumns): Promise<Float64Array> {
    const offsets = new Float64Array(columns.topic.length);
    try {
      for (const request of splitRequests(columns)) await this.#sendRequest(columns, request, offsets);
    } catch (error) {
      // Later batches of this producer id would follow a batch that may be missing.
      this.#identity = undefined;
      this.#sequences.clear();
      throw error;
    }
    return offsets;
  }

  async #sendRequest(columns: ProduceColumns, slices: Slice[], offsets: Float64Array): Promise<void> {
    const identity = (this.#identity ??= await this.#client.initIdempotentProducer({}));
    for (const slice of slices) {
      const slot = `${slice.topic}:${slice.partition}`;
      const sequence = this.#sequences.get(slot) ?? 0;
      slice.batch = encodeRecordBatch(columns, slice.indexes, identity, sequence);
      this.#sequences.set(slot, (sequence + slice.indexes.length) % SEQUENCE_WRAP);
    }
    let pending = slices;
    for (let attempt = 0; ; attempt++) {
      const failed = await this.#sendOnce(pending, offsets, attempt > 0);
      if (failed.slices.length === 0) return;
      if (!failed.retriable || attempt >= this.#options.retries) throw failed.error;
      pending = failed.slices;
      await new Promise((resolve) => setTimeout(resolve, this.#options.retryDelayMs));
    }
  }

  /** One attempt: a request per broker; answers the slices that failed and whether to retry. */
  async #sendOnce(slices: Slice[], offsets: Float64Array, refresh: boolean): Promise<{ slices: Slice[]; retriable: boolean; error: unknown }> {
    const failed: Slice[] = [];
    let retriable = true;
    let firstError: unknown;
    const byConnection = new Map<Connection, Slice[]>();
    try {
      const topics = [...new Set(slices.map((slice) => slice.topic))];
      const metadata = await this.#client.metadata({ topics, forceUpdate: refresh });
      for (const slice of slices) {
        const leader = metadata.topics.get(slice.topic)?.partitions[slice.partition]?.leader;
        const broker = leader === undefined ? undefined : metadata.brokers.get(leader);
        if (broker === undefined) {
          failed.push(slice);
          firstError ??= new Error(`no leader is known for ${slice.topic}/${slice.partition}`);
          continue;
        }
        const connection = await this.#client.connections.get(broker);
        const list = byConnection.get(connection);
        if (list === undefined) byConnection.set(connection, [slice]);
        else list.push(slice);
      }
    } catch (error) {
      return { slices, retriable: true, error };
    }
    await Promise.all(
      [...byConnection].map(async ([connection, group]) => {
        let answers: Map<string, PartitionAnswer>;
        try {
          answers = answersOf(await sendBatches(connection, this.#options.timeoutMs, topicData(group)));
        } catch (error) {
          firstError ??= error;
          if (!(error instanceof ResponseError) || error.response === undefined) {
            // No answer at all (connection lost, timeout): whether anything was stored is unknown;
            // the same batches again are stored at most once.
            failed.push(...group);
            return;
          }
          answers = answersOf(error.response as ProduceAnswer);
        }
        for (const slice of group) {
          const answer = answers.get(`${slice.topic}:${slice.partition}`);
          if (answer === undefined || answer.errorCode !== 0) {
            failed.push(slice);
            if (answer !== undefined && !RETRIABLE.has(answer.errorCode)) retriable = false;
            continue;
          }
          const base = Number(answer.baseOffset);
          slice.indexes.forEach((i, n) => (offsets[i] = base + n));
        }
      }),
    );
    return { slices: failed, retriable, error: firstError ?? new Error('the broker did not answer every partition') };
  }
}

function topicData(slices: readonly Slice[]): TopicData[] {
  const topics = new Map<string, TopicData>();
  for (const slice of slices) {
    let topic = topics.get(slice.topic);
    if (topic === undefined) {
      topic = { name: slice.topic, partitions: [] };
      topics.set(slice.topic, topic);
    }
    topic.partitions.push({ index: slice.partition, records: slice.batch! });
  }
  return [...topics.values()];
}

function answersOf(response: ProduceAnswer): Map<string, PartitionAnswer> {
  const answers = new Map<string, PartitionAnswer>();
  for (const topic of response.responses) for (const partition of topic.partitionResponses) answers.set(`${topic.name}:${partition.index}`, partition);
  return answers;
}

/**
 * The round's records by topic-partition, in order, cut into requests so that no partition
 * carries more than PARTITION_BYTES_PER_REQUEST in one: request k takes the k-th piece of
 * every partition.
 */
function splitRequests(columns: ProduceColumns): Slice[][] {
  const pieces = new Map<string, Slice[]>();
  const bytes = new Map<string, number>();
  for (let i = 0; i < columns.topic.length; i++) {
    const topic = columns.topic[i]!;
    const partition = columns.partition[i]!;
    const slot = `${topic}:${partition}`;
    const size =
      RECORD_OVERHEAD_ESTIMATE +
      columns.valueEnds[i]! -
      valueStart(columns, i) +
      (columns.key[i]?.length ?? 0) +
      columns.id[i]!.length +
      columns.time[i]!.length +
      columns.type[i]!.length +
      columns.source[i]!.length;
    let list = pieces.get(slot);
    if (list === undefined) {
      list = [{ topic, partition, indexes: [] }];
      pieces.set(slot, list);
      bytes.set(slot, 0);
    }
    let used = bytes.get(slot)!;
    if (used > 0 && used + size > PARTITION_BYTES_PER_REQUEST) {
      list.push({ topic, partition, indexes: [] });
      used = 0;
    }
    list.at(-1)!.indexes.push(i);
    bytes.set(slot, used + size);
  }
  const requests: Slice[][] = [];
  for (const list of pieces.values()) {
    list.forEach((slice, k) => (requests[k] ??= []).push(slice));
  }
  return requests;
}
