import type { Rejection } from '../domain/event.ts';
import { type AppendColumns, type ResultColumns, toColumns } from '../ports/append-columns.ts';
import type { Planned, PreparedIngest } from './ingest.ts';

const accepted = 0;
const filtered = 1;
const rejected = 2;

/**
 * A prepared request as it crosses from the ingest thread: the plan in typed arrays, and the
 * records packed as the store takes them. Copying a prepared request's objects between threads
 * cost more than validating them (about 2.4 µs per event to read back); this costs a fraction
 * of that, and the records are never unpacked on the HTTP thread.
 */
export interface PackedIngest {
  plan: PackedPlan;
  columns: AppendColumns;
}

/** A request the ingest thread prepared and appended itself: what the answer needs. */
export interface StoredIngest {
  plan: PackedPlan;
  /** Where each record went, in record order. */
  results: ResultColumns;
  /** How long the append took, for the append-latency metric. */
  appendMs: number;
}

/** What the answer to a request needs of its prepared items, in typed arrays where it can. */
export interface PackedPlan {
  tenant: string;
  /** Per item: accepted, filtered or rejected (the constants above). */
  kinds: Uint8Array;
  /** Per item, its event type as an index into `types`. */
  typeOf: Uint32Array;
  types: string[];
  /** Per item: an accepted event's first record, a rejected one's dead letter, -1 for a filtered one. */
  first: Int32Array;
  /** Per accepted item, how many records (one per stream it was routed to). */
  copies: Uint32Array;
  /** Accepted items' ids, in item order. */
  ids: string[];
  /** Per record, its stream as an index into `streams`. */
  recordStream: Uint32Array;
  streams: string[];
  /** Filtered items' ids and rejected items' reasons, in item order: few, so kept as objects. */
  exceptions: PackedException[];
  deadLetters: number;
  deadStream: string;
}

type PackedException = { index: number; id: string } | { index: number; id?: string; rejection: Rejection };

/** Packs what `IngestPreparer.prepare` made for the trip to the HTTP thread (or to the store). */
export function packPrepared(prepared: PreparedIngest): PackedIngest {
  const count = prepared.plan.length;
  const columns = toColumns(prepared.records);
  const plan: PackedPlan = {
    tenant: prepared.tenant,
    kinds: new Uint8Array(count),
    typeOf: new Uint32Array(count),
    types: [],
    first: new Int32Array(count),
    copies: new Uint32Array(count),
    ids: [],
    // A copy: the columns' own arrays move to the store.
    recordStream: columns.stream.slice(),
    streams: columns.streams,
    exceptions: [],
    deadLetters: prepared.deadLetters,
    deadStream: prepared.deadStream,
  };
  const typeIndexes = new Map<string, number>();
  prepared.plan.forEach((planned, i) => {
    let typeIndex = typeIndexes.get(planned.type);
    if (typeIndex === undefined) {
      typeIndex = plan.types.push(planned.type) - 1;
      typeIndexes.set(planned.type, typeIndex);
    }
    plan.typeOf[i] = typeIndex;
    if (planned.kind === 'accepted') {
      plan.kinds[i] = accepted;
      plan.first[i] = planned.first;
      plan.copies[i] = planned.streams.length;
      plan.ids.push(planned.id);
    } else if (planned.kind === 'filtered') {
      plan.kinds[i] = filtered;
      plan.first[i] = -1;
      plan.exceptions.push({ index: i, id: planned.id });
    } else {
      plan.kinds[i] = rejected;
      plan.first[i] = planned.record;
      const exception: PackedException = { index: planned.index, rejection: planned.rejection };
      if (planned.id !== undefined) exception.id = planned.id;
      plan.exceptions.push(exception);
    }
  });
  return { plan, columns };
}

/** The plan again, for the answer. */
export function unpackPlan(packed: PackedPlan): Planned[] {
  const plan = new Array<Planned>(packed.kinds.length);
  let exception = 0;
  let acceptedItem = 0;
  for (let i = 0; i < packed.kinds.length; i++) {
    const type = packed.types[packed.typeOf[i]!]!;
    const first = packed.first[i]!;
    if (packed.kinds[i] === accepted) {
      const streams = new Array<string>(packed.copies[i]!);
      for (let copy = 0; copy < streams.length; copy++) streams[copy] = packed.streams[packed.recordStream[first + copy]!]!;
      plan[i] = { kind: 'accepted', id: packed.ids[acceptedItem++]!, type, streams, first };
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
