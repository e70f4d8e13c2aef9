/**
 * Keyed state and timers of stateful processors (correlations, docs/correlations.md). A
 * namespace is one processor's state; each key holds a JSON text and, optionally, the time
 * its timer is due. Progress (the input offsets the state already reflects) is written in
 * the same transaction as the state, so after a crash the processor neither applies an
 * event twice nor skips one.
 */

export interface StateEntry {
  key: string;
  /** JSON text. */
  value: string;
  /** Epoch milliseconds when the key's timer is due, or `null` for none. */
  deadline: number | null;
}

/** A key's new value (`null` deletes the key and its timer). */
export interface StateWrite {
  key: string;
  value: string | null;
  deadline: number | null;
}

/** The offset before which a stream partition's records are reflected in the state. */
export interface StateProgress {
  stream: string;
  partition: number;
  offset: number;
}

/** One shard of a namespace whose keys are split by the input partition they hash to. */
export interface NamespaceShard {
  base: string;
  shard: number;
  shards: number;
}

/**
 * The namespace of one shard: `<base>#<shard>/<shards>`, or the base alone when there is one
 * shard. Adapters may keep the shards of a base together (on Kafka, one changelog topic with a
 * partition per shard).
 */
export function shardNamespace(base: string, shard: number, shards: number): string {
  return shards === 1 ? base : `${base}#${shard}/${shards}`;
}

export function namespaceShard(namespace: string): NamespaceShard {
  const match = /^(.*)#(\d+)\/(\d+)$/.exec(namespace);
  if (match === null) return { base: namespace, shard: 0, shards: 1 };
  return { base: match[1]!, shard: Number(match[2]), shards: Number(match[3]) };
}

export interface StateStore {
  /** The entries of those keys that exist. */
  get(namespace: string, keys: readonly string[]): Promise<StateEntry[]>;
  /** Writes and progress together: all of them or none. */
  apply(namespace: string, writes: readonly StateWrite[], progress: readonly StateProgress[]): Promise<void>;
  /** Entries whose deadline is at or before `now`, earliest first, at most `limit`. */
  due(namespace: string, now: number, limit: number): Promise<StateEntry[]>;
  /** The earliest deadline in the namespace, or `undefined` when no timer is set. */
  nextDeadline(namespace: string): Promise<number | undefined>;
  progress(namespace: string): Promise<StateProgress[]>;
  /** Entries in key order after `after`, at most `limit` (to page through them). */
  list(namespace: string, limit: number, after?: string): Promise<StateEntry[]>;
  /** How many keys the namespace holds. */
  size(namespace: string): Promise<number>;
  /**
   * Drops what this process holds of the namespace in memory, so that the next read sees what
   * another process wrote.
   */
  refresh(namespace: string): Promise<void>;
  /**
   * Makes this process the namespace's only writer, then reads it afresh (a processor taking a
   * namespace over calls it first). Where several processes share the store, an `apply` by a
   * process that claimed the namespace earlier fails from then on, so a stalled owner that
   * wakes up cannot overwrite its successor's state.
   */
  claim(namespace: string): Promise<void>;
  /** Deletes the namespace: state, timers and progress (on Kafka, every shard of its base). */
  drop(namespace: string): Promise<void>;
  close(): Promise<void>;
}
