import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Bench } from '../harness.ts';
import { trackTempDir } from '../processes.ts';
import { median } from '../stats.ts';

const run = promisify(execFile);
const script = new URL('../sqlite-floor.ts', import.meta.url).pathname;

export interface DiskLimit {
  layout: 'rows' | 'batches';
  /** Median events/s over the rounds. */
  eventsPerSecond: number;
  /** CPU seconds per event, median. */
  cpuPerEvent: number;
}

/**
 * Runs the bare node:sqlite loop (bench/sqlite-floor.ts) in a process of its own for each
 * layout, the two alternating over the bench's rounds: what the disk and SQLite allow for
 * the bytes batched ingest stores, with the same fsync policy and commit size.
 */
export async function measureDiskLimit(bench: Bench, perFlush: number): Promise<DiskLimit[]> {
  const samples = { rows: [] as { rate: number; cpu: number }[], batches: [] as { rate: number; cpu: number }[] };
  for (let round = 0; round < bench.settings.rounds; round++) {
    for (const layout of round % 2 === 0 ? (['rows', 'batches'] as const) : (['batches', 'rows'] as const)) {
      const dir = mkdtempSync(join(tmpdir(), 'sluice-bench-disk-'));
      const cleanup = trackTempDir(dir);
      try {
        const { stdout } = await run(process.execPath, [script, layout, dir, String(perFlush), String(bench.settings.seconds * 1000)]);
        const result = JSON.parse(stdout) as { events: number; seconds: number; cpuSeconds: number };
        samples[layout].push({ rate: result.events / result.seconds, cpu: result.cpuSeconds / result.events });
        bench.log(`    disk limit, ${layout}, round ${round + 1}: ${Math.round(result.events / result.seconds).toLocaleString('en-US')} events/s`);
      } finally {
        cleanup();
      }
    }
  }
  return (['rows', 'batches'] as const).map((layout) => ({
    layout,
    eventsPerSecond: median(samples[layout].map((sample) => sample.rate)),
    cpuPerEvent: median(samples[layout].map((sample) => sample.cpu)),
  }));
}
