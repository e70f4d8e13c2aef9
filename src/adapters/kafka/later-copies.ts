/**
 * Which copies of a unique id two processes stored at once readers skip.
 *
 * Kafka cannot check and write in one step: a process checks an id against its window, then
 * writes, and another process may write the same id in between. So every unique record
 * carries `checkedTo` (header `sluice_checkedto`): the offset of its partition up to which
 * its writer had read the partition's ids when it decided to write it. Records in
 * `[checkedTo, start of its batch)` were written by others after that check (the writer's own
 * records there belong to the same round and never share an id). If one of them has the same
 * id, the record is a later copy: every process answers its appender as a duplicate of the
 * earlier one, and `read` leaves it out. The rule reads only the log, so every process and
 * every reader decides the same, and the earliest copy in the partition is always kept.
 */

/** A unique record as the rule sees it. */
export interface CopyCandidate {
  offset: number;
  /** What repeats are recognised by (the id, or a CloudEvent's source and id). */
  key: string;
  /** Where its writer's check ended; undefined for records written without one (never a later copy). */
  checkedTo: number | undefined;
  /** The first offset of the Kafka record batch it came in. */
  batchStart: number;
}

/** Where a record's check left a gap that others may have written into, if anywhere. */
export function uncheckedRange(record: Pick<CopyCandidate, 'checkedTo' | 'batchStart'>): { from: number; to: number } | undefined {
  const { checkedTo, batchStart } = record;
  return checkedTo !== undefined && checkedTo < batchStart ? { from: checkedTo, to: batchStart } : undefined;
}

/**
 * The later copies among `candidates` (unique records of one partition), with the offset of
 * the earlier copy each repeats. `before` holds the unique records of the same partition
 * that come before the candidates, back to the lowest `checkedTo` among them, so the gaps can
 * be checked; records already among the candidates need not be in it.
 *
 * @example
 * laterCopies([{ offset: 7, key: 'a', checkedTo: 5, batchStart: 7 }], [{ offset: 6, key: 'a' }]) // Map { 7 => 6 }
 */
export function laterCopies(candidates: readonly CopyCandidate[], before: readonly { offset: number; key: string }[] = []): Map<number, number> {
  const later = new Map<number, number>();
  // Only ids of records with a gap can repeat an earlier one: look those up, nothing else.
  const wanted = new Set<string>();
  for (const record of candidates) if (uncheckedRange(record) !== undefined) wanted.add(record.key);
  if (wanted.size === 0) return later;
  /** key → offsets of the records with that key, ascending. */
  const seen = new Map<string, number[]>();
  const note = (offset: number, key: string): void => {
    if (!wanted.has(key)) return;
    const offsets = seen.get(key);
    if (offsets === undefined) seen.set(key, [offset]);
    else offsets.push(offset);
  };
  for (const record of before) note(record.offset, record.key);
  for (const record of candidates) note(record.offset, record.key);
  for (const offsets of seen.values()) offsets.sort((a, b) => a - b);
  for (const record of candidates) {
    const gap = uncheckedRange(record);
    if (gap === undefined) continue;
    const earlier = seen.get(record.key)?.find((offset) => offset >= gap.from && offset < gap.to && offset < record.offset);
    if (earlier !== undefined) later.set(record.offset, earlier);
  }
  return later;
}
