import { SluiceError } from './errors.ts';

/**
 * A reader's place in a partitioned stream: the next offset to read in each partition.
 * Written as `0:12,1:7,2:0,3:31` so it fits an SSE id and comes back as Last-Event-ID.
 *
 * @example formatPositions([12, 7]) // '0:12,1:7'
 */
export function formatPositions(next: readonly number[]): string {
  return next.map((offset, partition) => `${partition}:${offset}`).join(',');
}

/** Parses what {@link formatPositions} wrote; `undefined` when it is not such a vector. */
export function parsePositions(text: string, partitions: number): number[] | undefined {
  const next = new Array<number>(partitions).fill(0);
  const seen = new Set<number>();
  for (const part of text.split(',')) {
    const match = /^(\d+):(\d+)$/.exec(part.trim());
    if (match === null) return undefined;
    const partition = Number(match[1]);
    const offset = Number(match[2]);
    if (partition >= partitions || seen.has(partition) || !Number.isSafeInteger(offset)) return undefined;
    seen.add(partition);
    next[partition] = offset;
  }
  return seen.size === partitions ? next : undefined;
}

/** Where a reader with no committed progress begins: the oldest record, the next new one, or a time. */
export type StartFrom = 'earliest' | 'latest' | { time: number };

/**
 * Parses a start position as users write it.
 *
 * @example parseStartFrom('2026-01-01T00:00:00Z') // { time: 1767225600000 }
 * @throws SluiceError `invalid_position` naming what is accepted
 */
export function parseStartFrom(text: string): StartFrom {
  if (text === 'earliest' || text === 'latest') return text;
  return { time: parseTime(text) };
}

/** An RFC 3339 time (or a date) as epoch milliseconds. */
export function parseTime(text: string): number {
  // Date.parse alone would take "-1" or "1.5" for dates.
  const time = /^\d{4}-\d{2}-\d{2}([Tt ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([Zz]|[+-]\d{2}:\d{2})?)?$/.test(text) ? Date.parse(text) : Number.NaN;
  if (Number.isNaN(time)) throw new SluiceError('invalid_position', `"${text}" is not an offset, "earliest", "latest" or an RFC 3339 time`);
  return time;
}
