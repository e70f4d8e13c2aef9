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
   * another process wrote (a processor taking a namespace over calls it first).
   */
  refresh(namespace: string): Promise<void>;
  /** Deletes the namespace: state, timers and progress. */
  drop(namespace: string): Promise<void>;
  close(): Promise<void>;
}
