import type { Rejection } from '../domain/event.ts';
import { type AppendColumns, toColumns } from '../ports/append-columns.ts';
import type { Planned, PreparedIngest } from './ingest.ts';

const accepted = 0;
const filtered = 1;
const rejected = 2;

/**
 * A prepared request as it crosses from the ingest thread: the records packed as the store
 * takes them, and the plan in typed arrays. Copying a prepared request's objects between
 * threads cost more than validating them (about 2.4 µs per event to read back); this costs a
 * fraction of that, and the records are never unpacked on the HTTP thread.
 */
export interface PackedIngest {
  tenant: string;
  columns: AppendColumns;
  /** Per item: accepted, filtered or rejected (the constants above). */
  kinds: Uint8Array;
  /** Per item, its event type as an index into `types`. */
  typeOf: Uint32Array;
  types: string[];
  /** Per item: an accepted event's first record, a rejected one's dead letter, -1 for a filtered one. */
  first: Int32Array;
  /** Per accepted item, how many records (one per stream it was routed to). */
  copies: Uint32Array;
  /** Filtered items' ids and rejected items' reasons, in item order: few, so kept as objects. */
  exceptions: PackedException[];
  deadLetters: number;
  deadStream: string;
}

type PackedException = { index: number; id: string } | { index: number; id?: string; rejection: Rejection };

/** Packs what `IngestPreparer.prepare` made for the trip to the HTTP thread. */
export function packPrepared(prepared: PreparedIngest): PackedIngest {
  const count = prepared.plan.length;
  const packed: PackedIngest = {
    tenant: prepared.tenant,
    columns: toColumns(prepared.records),
    kinds: new Uint8Array(count),
    typeOf: new Uint32Array(count),
    types: [],
    first: new Int32Array(count),
    copies: new Uint32Array(count),
    exceptions: [],
    deadLetters: prepared.deadLetters,
    deadStream: prepared.deadStream,
  };
  const typeIndexes = new Map<string, number>();
  prepared.plan.forEach((planned, i) => {
    let typeIndex = typeIndexes.get(planned.type);
    if (typeIndex === undefined) {
      typeIndex = packed.types.push(planned.type) - 1;
      typeIndexes.set(planned.type, typeIndex);
    }
    packed.typeOf[i] = typeIndex;
    if (planned.kind === 'accepted') {
      packed.kinds[i] = accepted;
      packed.first[i] = planned.first;
      packed.copies[i] = planned.streams.length;
    } else if (planned.kind === 'filtered') {
      packed.kinds[i] = filtered;
      packed.first[i] = -1;
      packed.exceptions.push({ index: i, id: planned.id });
    } else {
      packed.kinds[i] = rejected;
      packed.first[i] = planned.record;
      const exception: PackedException = { index: planned.index, rejection: planned.rejection };
      if (planned.id !== undefined) exception.id = planned.id;
      packed.exceptions.push(exception);
    }
  });
  return packed;
}

/**
 * The plan again, for the answer: an accepted event's id and streams are read from its
 * records in the columns, the rest from the exceptions.
 */
export function unpackPlan(packed: PackedIngest): Planned[] {
  const { columns } = packed;
  const idStarts = recordIdStarts(columns);
  const plan = new Array<Planned>(packed.kinds.length);
  let exception = 0;
  for (let i = 0; i < packed.kinds.length; i++) {
    const type = packed.types[packed.typeOf[i]!]!;
    const first = packed.first[i]!;
    if (packed.kinds[i] === accepted) {
      const streams = new Array<string>(packed.copies[i]!);
      for (let copy = 0; copy < streams.length; copy++) streams[copy] = columns.streams[columns.stream[first + copy]!]!;
      const start = idStarts[first]!;
      plan[i] = { kind: 'accepted', id: columns.text.slice(start, start + columns.lengths[first * 4]!), type, streams, first };
      continue;
    }
    const entry = packed.exceptions[exception++]!;
    if (!('rejection' in entry)) {
      plan[i] = { kind: 'filtered', id: entry.id, type };
      continue;
    }
    const planned: Planned = { kind: 'rejected', index: entry.index, type, rejection: entry.rejection, record: first };
    if (entry.id !== undefined) planned.id = entry.id;
    plan[i] = planned;
  }
  return plan;
}

/** Where each record's text (its id first) starts in `columns.text`. */
function recordIdStarts(columns: AppendColumns): Int32Array {
  const count = columns.stream.length;
  const starts = new Int32Array(count);
  let position = 0;
  for (let i = 0; i < count; i++) {
    starts[i] = position;
    const keyLength = columns.lengths[i * 4 + 1]!;
    position += columns.lengths[i * 4]! + columns.lengths[i * 4 + 2]! + columns.lengths[i * 4 + 3]! + (keyLength < 0 ? 0 : keyLength);
  }
  return starts;
}
