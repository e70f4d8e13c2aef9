import { randomUUID } from 'node:crypto';
import { partitionForKey } from '../src/domain/partitioner.ts';
import type { FloorStore } from './floor-store.ts';
import { benchPartitions } from './workload.ts';

/**
 * The validating floors' work for one body, the least Sluice's answer stands for, done the
 * plainest way: each event's `data` checked against the bench's schema, and a valid one given
 * a random UUID, a partition from its `customer_id` (Sluice's partitioner) and its data as JSON
 * text, one line per record.
 */
export interface ValidatedBody {
  /** The valid events' records, one line each. */
  records: string;
  /** Per event, its partition, or -1 when it is invalid. */
  partitions: Int8Array;
  /** The valid events' ids (UUIDs, 36 characters each), one after another. */
  ids: string;
  /** The valid events per partition. */
  counts: Int32Array;
  accepted: number;
}

const uuidLength = 36;

export function validateBody(parsed: unknown, validate: (data: unknown) => boolean): ValidatedBody {
  const events: unknown[] = Array.isArray(parsed) ? parsed : [parsed];
  const partitions = new Int8Array(events.length);
  const counts = new Int32Array(benchPartitions);
  let records = '';
  let ids = '';
  let accepted = 0;
  events.forEach((event, index) => {
    const data = typeof event === 'object' && event !== null ? (event as { data?: unknown }).data : undefined;
    if (data === undefined || !validate(data)) {
      partitions[index] = -1;
      return;
    }
    const id = randomUUID();
    // The schema requires `customer_id` as a string, so every valid event has it.
    const partition = partitionForKey((data as { customer_id: string }).customer_id, benchPartitions);
    partitions[index] = partition;
    counts[partition]!++;
    ids += id;
    records += `${id}\t${partition}\t${JSON.stringify(data)}\n`;
    accepted++;
  });
  return { records, partitions, ids, counts, accepted };
}

/** The answer once the body is stored: every event's id, partition and offset (from each partition's first), or its index and error. */
export function validatedAnswer(body: ValidatedBody, bases: ArrayLike<number>): string {
  const { partitions, ids, accepted } = body;
  const taken = new Array<number>(benchPartitions).fill(0);
  let json = `{"accepted":${accepted},"rejected":${partitions.length - accepted},"results":[`;
  let valid = 0;
  for (let index = 0; index < partitions.length; index++) {
    if (index > 0) json += ',';
    const partition = partitions[index]!;
    if (partition < 0) {
      json += `{"index":${index},"error":"schema_validation_failed"}`;
      continue;
    }
    const id = ids.slice(valid * uuidLength, ++valid * uuidLength);
    json += `{"id":"${id}","partition":${partition},"offset":${bases[partition]! + taken[partition]!++}}`;
  }
  return `${json}]}`;
}

/** A validating floor's handling of one parsed body on an HTTP thread: validate it, store its records, answer once they are committed. */
export function keepValidated(parsed: unknown, validate: (data: unknown) => boolean, store: FloorStore, answer: (json: string) => void): void {
  const validated = validateBody(parsed, validate);
  store.keep(validated.records, validated.counts, (bases) => answer(validatedAnswer(validated, bases!)));
}
