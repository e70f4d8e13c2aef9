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
