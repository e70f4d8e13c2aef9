/**
 * The records of one partition that a subscription has read but not finished, and which of
 * them may be sent now. Records of one key go out in offset order: a record waits while an
 * earlier record of its key is in flight or waiting for a retry; other keys go on. Records
 * without a key have no order among themselves. Progress (the offset a commit may store) is
 * the first record not yet finished, so nothing after a stuck record is committed.
 */
export interface WindowRecord {
  offset: number;
  key: string | null;
}

/** Records sent together (one request), retried together. */
export interface DeliveryUnit<R extends WindowRecord> {
  readonly records: R[];
  /** Attempts made so far. */
  attempts: number;
  /** Epoch milliseconds before which the unit is not sent again. */
  retryAt: number;
  /** When the first attempt was made (epoch milliseconds), for the record's history. */
  firstAttemptAt: number;
}

interface Slot<R extends WindowRecord> {
  record: R;
  unit: DeliveryUnit<R> | undefined;
  done: boolean;
}

export class PartitionWindow<R extends WindowRecord> {
  #slots: Slot<R>[] = [];
  /** Slots before this index are finished; they are dropped in bulk, not one shift at a time. */
  #head = 0;
  /** Units handed out and not finished: in flight, or waiting for their retry. */
  readonly #open = new Set<DeliveryUnit<R>>();
  readonly #waiting = new Set<DeliveryUnit<R>>();
  /** The slots of each open unit, so finishing one does not scan the window. */
  readonly #unitSlots = new Map<DeliveryUnit<R>, Slot<R>[]>();
  /** The offset after the last record added. */
  #end: number;
  /** The first offset not finished. */
  #progress: number;

  constructor(start: number) {
    this.#end = start;
    this.#progress = start;
  }

  /** Records held, finished or not. */
  get size(): number {
    return this.#slots.length - this.#head;
  }

  /** The next offset to read into the window. */
  get end(): number {
    return this.#end;
  }

  /** The offset a commit may store: every record before it is finished. */
  get progress(): number {
    return this.#progress;
  }

  get inFlight(): number {
    return this.#open.size - this.#waiting.size;
  }

  /** Adds records read from the log, in offset order, starting at `end`. */
  add(records: readonly R[]): void {
    for (const record of records) {
      if (record.offset < this.#end) continue;
      this.#slots.push({ record, unit: undefined, done: false });
      this.#end = record.offset + 1;
    }
  }

  /** Moves past an offset range that holds no records for this reader (e.g. all filtered out). */
  skipTo(offset: number): void {
    if (offset <= this.#end) return;
    this.#end = offset;
    this.#advance();
  }

  /**
   * The next unit to send, of up to `maxRecords` records: a retry that is due, else the
   * earliest records whose keys are free. `undefined` when nothing may go now.
   */
  next(maxRecords: number, now: number): DeliveryUnit<R> | undefined {
    for (const unit of this.#waiting) {
      if (unit.retryAt <= now) {
        this.#waiting.delete(unit);
        return unit;
      }
    }
    const busy = new Set<string>();
    const taken = new Set<string>();
    const records: R[] = [];
    const slots: Slot<R>[] = [];
    for (let i = this.#head; i < this.#slots.length; i++) {
      const slot = this.#slots[i]!;
      if (records.length >= maxRecords) break;
      if (slot.done) continue;
      const key = slot.record.key;
      if (slot.unit !== undefined) {
        if (key !== null) busy.add(key);
        continue;
      }
      if (key !== null) {
        if (busy.has(key)) continue;
        // A single-record unit must not overtake its key; a batch may carry the key's next records in order.
        if (taken.has(key) && maxRecords === 1) continue;
        taken.add(key);
      }
      records.push(slot.record);
      slots.push(slot);
    }
    if (records.length === 0) return undefined;
    const unit: DeliveryUnit<R> = { records, attempts: 0, retryAt: 0, firstAttemptAt: now };
    for (const slot of slots) slot.unit = unit;
    this.#open.add(unit);
    this.#unitSlots.set(unit, slots);
    return unit;
  }

  /** The earliest time a waiting retry falls due, or `undefined`. */
  nextRetryAt(): number | undefined {
    let earliest: number | undefined;
    for (const unit of this.#waiting) if (earliest === undefined || unit.retryAt < earliest) earliest = unit.retryAt;
    return earliest;
  }

  /** The unit was delivered, or given up on (dead-lettered): its records are finished. */
  finish(unit: DeliveryUnit<R>): void {
    if (!this.#open.delete(unit)) return;
    this.#waiting.delete(unit);
    for (const slot of this.#unitSlots.get(unit) ?? []) slot.done = true;
    this.#unitSlots.delete(unit);
    this.#advance();
  }

  /** The unit failed and will be sent again at `retryAt`; its keys stay blocked until then. */
  retryLater(unit: DeliveryUnit<R>, retryAt: number): void {
    if (!this.#open.has(unit)) return;
    unit.retryAt = retryAt;
    this.#waiting.add(unit);
  }

  /** Units waiting for a retry; `retryNow` makes them all due (a resumed subscription). */
  retryNow(): void {
    for (const unit of this.#waiting) unit.retryAt = 0;
  }

  #advance(): void {
    while (this.#head < this.#slots.length && this.#slots[this.#head]!.done) this.#head++;
    if (this.#head > 1024 && this.#head * 2 > this.#slots.length) {
      this.#slots = this.#slots.slice(this.#head);
      this.#head = 0;
    }
    this.#progress = this.#slots[this.#head]?.record.offset ?? this.#end;
  }
}
