/**
 * The unique ids of one stream that the Kafka event log recognises repeats by: an IdWindow
 * kept level with the topic.
 *
 * - Built on first use from the window only: per partition, from the latest of the log start,
 *   the first record received within `ms` (ListOffsets by time) and the `ids`-th record from
 *   the end. So a start reads at most `ids` records per partition, however long the topic.
 *   The partitions are read side by side and merged by time, so the window keeps the newest ids
 *   of the whole stream.
 * - Caught up before each writer round (records other processes wrote), one catch-up at a time.
 * - After a round, `settle` adds the round's own ids and, where other processes wrote into the
 *   partition since the check, reads what they wrote and applies the later-copy rule
 *   (later-copies.ts).
 */
import type { DedupWindow } from '../../ports/event-log.ts';
import { IdWindow, type WindowPosition } from '../id-window.ts';
import { laterCopies, type CopyCandidate } from './later-copies.ts';

/** A unique record as a scan of the topic finds it. */
export interface ScannedId extends CopyCandidate {
  /** When it was received (the Kafka timestamp), epoch ms. */
  time: number;
}

/** What the index reads the stream's topic through. */
export interface IdSource {
  partitions(): Promise<number>;
  /** Per partition: the log start offsets (-2), the high watermarks (-1), or the first offset at or after a time (-1 when none). */
  offsets(at: 'start' | 'end' | number, partitions: number): Promise<number[]>;
  /** The unique records of one partition in [from, to), reading at most `limit` records; answers them and the offset reached. */
  scan(partition: number, from: number, to: number, limit: number): Promise<{ ids: ScannedId[]; next: number }>;
}

/** A record of this process's round, as `settle` needs it. */
export interface OwnRecord {
  offset: number;
  /** Set for unique records. */
  key: string | undefined;
  time: number;
}

/** Records read per scan request, spread over the partitions being read. */
const SCAN_RECORDS = 20_000;

export class IdIndex {
  readonly #window: IdWindow;
  readonly #limit: DedupWindow;
  readonly #source: IdSource;
  readonly #now: () => number;
  /** Per partition, the next offset whose id is not in the window yet (everything before it was read). */
  readonly #scanned: number[] = [];
  #catchingUp: Promise<void> = Promise.resolve();

  constructor(limit: DedupWindow, source: IdSource, now: () => number = Date.now) {
    this.#limit = { ...limit };
    this.#window = new IdWindow(limit);
    this.#source = source;
    this.#now = now;
  }

  /** Ids the window holds. */
  get size(): number {
    return this.#window.size;
  }

  get(key: string): WindowPosition | undefined {
    return this.#window.get(key, this.#now());
  }

  /** Per partition, where the window's knowledge of the partition ends: a record's `checkedTo`. */
  checkpoint(): number[] {
    return [...this.#scanned];
  }

  /** Reads what was written since the last catch-up (the window, the first time). One at a time. */
  catchUp(): Promise<void> {
    const next = this.#catchingUp.then(() => this.#catchUp());
    this.#catchingUp = next.catch(() => undefined);
    return next;
  }

  async #catchUp(): Promise<void> {
    const partitions = await this.#source.partitions();
    const ends = await this.#source.offsets('end', partitions);
    if (this.#scanned.length < partitions) await this.#startWindow(partitions, ends);
    await this.#read(ends);
  }

  /** Where reading starts for partitions not read yet: the window's first record, at most `ids` back. */
  async #startWindow(partitions: number, ends: number[]): Promise<void> {
    const [starts, recent] = await Promise.all([this.#source.offsets('start', partitions), this.#source.offsets(this.#now() - this.#limit.ms, partitions)]);
    for (let partition = this.#scanned.length; partition < partitions; partition++) {
      const end = ends[partition] ?? 0;
      const firstRecent = recent[partition] ?? -1;
      this.#scanned[partition] = Math.max(starts[partition] ?? 0, firstRecent < 0 ? end : firstRecent, end - this.#limit.ids);
    }
  }

  /** Reads every partition up to `ends`, merged by time, into the window. */
  async #read(ends: number[]): Promise<void> {
    const cursors = ends
      .map((end, partition) => ({ partition, end, next: this.#scanned[partition] ?? end, ids: [] as ScannedId[], at: 0 }))
      .filter((cursor) => cursor.next < cursor.end);
    if (cursors.length === 0) return;
    const chunk = Math.max(500, Math.floor(SCAN_RECORDS / cursors.length));
    for (;;) {
      const empty = cursors.filter((cursor) => cursor.at >= cursor.ids.length && cursor.next < cursor.end);
      await Promise.all(
        empty.map(async (cursor) => {
          this.#advanceScanned(cursor.partition, cursor.next);
          const { ids, next } = await this.#source.scan(cursor.partition, cursor.next, cursor.end, chunk);
          cursor.ids = ids;
          cursor.at = 0;
          // A scan that gets nowhere (records deleted meanwhile) ends this partition's reading.
          cursor.next = next > cursor.next ? next : cursor.end;
        }),
      );
      let oldest: (typeof cursors)[number] | undefined;
      for (const cursor of cursors) {
        const head = cursor.ids[cursor.at];
        if (head !== undefined && (oldest === undefined || head.time < oldest.ids[oldest.at]!.time)) oldest = cursor;
      }
      if (oldest === undefined) break;
      const id = oldest.ids[oldest.at++]!;
      this.#window.add(id.key, oldest.partition, id.offset, id.time, this.#now());
    }
    for (const cursor of cursors) this.#advanceScanned(cursor.partition, cursor.next);
  }

  #advanceScanned(partition: number, next: number): void {
    this.#scanned[partition] = Math.max(this.#scanned[partition] ?? 0, next);
  }

  /**
   * Takes in what this process's round wrote to one partition (`own`, ascending offsets):
   * where other processes wrote between `checkedTo` and the round's records, reads their
   * records and decides which of the round's ids are later copies. Answers those, each with
   * the offset of the earlier copy.
   */
  async settle(partition: number, own: readonly OwnRecord[], checkedTo: number): Promise<Map<number, number>> {
    const gaps: { from: number; to: number }[] = [];
    /** Where the run of own records each own offset belongs to starts. */
    const runStart = new Map<number, number>();
    let cursor = checkedTo;
    let start = checkedTo;
    for (const record of own) {
      if (record.offset > cursor) {
        gaps.push({ from: cursor, to: record.offset });
        start = record.offset;
      }
      runStart.set(record.offset, start);
      cursor = record.offset + 1;
    }
    const others: ScannedId[] = [];
    for (const gap of gaps) {
      for (let from = gap.from; from < gap.to;) {
        const { ids, next } = await this.#source.scan(partition, from, gap.to, gap.to - from);
        others.push(...ids);
        if (next <= from) break;
        from = next;
      }
    }
    const mine: ScannedId[] = [];
    for (const record of own) {
      if (record.key !== undefined)
        mine.push({ offset: record.offset, key: record.key, time: record.time, checkedTo, batchStart: runStart.get(record.offset)! });
    }
    const later = laterCopies(mine, others);
    // In offset order, so that of two copies in the partition the earlier is the one kept.
    const now = this.#now();
    for (const id of [...others, ...mine].sort((a, b) => a.offset - b.offset)) this.#window.add(id.key, partition, id.offset, id.time, now);
    for (const record of mine) {
      const earlier = later.get(record.offset);
      if (earlier !== undefined && this.#window.get(record.key, now)?.offset === record.offset) this.#window.moveTo(record.key, partition, earlier);
    }
    // Everything from checkedTo to the round's last record is in the window now.
    this.#advanceScanned(partition, cursor);
    return later;
  }

  /**
   * Records of a round without unique ids in this stream: when they follow on from the
   * window's knowledge of the partition without a gap, the next catch-up need not read them.
   */
  skipOwn(partition: number, offsets: readonly number[]): void {
    let expected = this.#scanned[partition];
    if (expected === undefined) return;
    for (const offset of offsets) {
      if (offset !== expected) return;
      expected++;
    }
    this.#scanned[partition] = expected;
  }
}
