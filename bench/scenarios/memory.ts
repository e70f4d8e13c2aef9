import type { Bench, Row, ScenarioReport } from '../harness.ts';
import { format, startSluice, verdict } from '../harness.ts';
import { sampleRss } from '../processes.ts';

/** RSS at the last checkpoint may exceed the first by at most this fraction to count as flat. */
export const rssGrowthLimit = 0.25;
const checkpoints = 4;

/**
 * (4) Memory: the peak RSS of Sluice during batched ingest (sampled by scenario 1), and
 * whether RSS grows with the number of stored events: a fresh Sluice is filled with
 * `rssEvents` events in batches while RSS is read at each quarter.
 */
export async function memory(bench: Bench): Promise<ScenarioReport> {
  const { settings } = bench;
  const rows: Row[] = [];
  const details: string[] = [];
  const misses: string[] = [];
  for (const peak of bench.facts.batchPeakRss ?? []) {
    rows.push({ metric: `peak RSS during (1), ${peak.variant}`, floor: '', sluice: format.mb(peak.peak), ratio: '', target: '', verdict: '' });
    details.push(`(1) ${peak.variant}: RSS ${format.mb(peak.baseline)} after start-up, peak ${format.mb(peak.peak)} (sampled every 50 ms)`);
  }

  const total = settings.rssEvents;
  const perRequest = settings.rssEventsPerRequest;
  bench.log(`  (4) RSS while storing ${format.int(total)} events`);
  const sluice = await startSluice(bench);
  const series: { stored: number; rss: number; peak: number; disk: number }[] = [];
  try {
    const baseline = sluice.rss();
    details.push(`fresh Sluice: RSS ${format.mb(baseline)} after start-up and setup`);
    details.push(
      "RSS includes SQLite's page cache, which fills up to its configured size (PRAGMA cache_size in src/adapters/sqlite/database.ts) before it stays flat: with less data than that, some growth is expected.",
    );
    const requestsPerCheckpoint = Math.ceil(total / perRequest / checkpoints);
    for (let checkpoint = 1; checkpoint <= checkpoints; checkpoint++) {
      const sampler = sampleRss(sluice.pid, 50);
      const result = await bench.worker.ingest({
        url: sluice.url,
        token: sluice.key,
        connections: 4,
        requests: requestsPerCheckpoint,
        eventsPerRequest: perRequest,
        withIds: false,
        okStatuses: [200],
        timeoutMs: 300_000,
      });
      const peak = sampler.stop().peak;
      if (result.failed > 0) throw new Error(`filling the store: ${result.failed} requests failed: ${result.errors.join(' | ')}`);
      const stored = await sluice.storedEvents();
      const point = { stored, rss: sluice.rss(), peak, disk: sluice.diskBytes() };
      series.push(point);
      bench.log(
        `    ${format.int(stored)} events stored: RSS ${format.mb(point.rss)} (peak ${format.mb(peak)}), data ${format.mb(point.disk)}, ${format.int((result.ok * perRequest * 1000) / result.elapsedMs)} events/s`,
      );
    }
  } finally {
    await sluice.stop();
  }
  for (const point of series) {
    rows.push({
      metric: `RSS after ${format.int(point.stored)} events stored`,
      floor: '',
      sluice: `${format.mb(point.rss)} (peak ${format.mb(point.peak)}; data ${format.mb(point.disk)})`,
      ratio: '',
      target: '',
      verdict: '',
    });
  }
  const first = series[0]!;
  const last = series.at(-1)!;
  const growth = (last.rss - first.rss) / first.rss;
  const flat = growth <= rssGrowthLimit;
  rows.push({
    metric: `RSS growth ${format.int(first.stored)} → ${format.int(last.stored)} events`,
    floor: '',
    sluice: `${growth >= 0 ? '+' : ''}${(growth * 100).toFixed(1)}% (data ${format.mb(first.disk)} → ${format.mb(last.disk)})`,
    ratio: '',
    target: `≤ +${rssGrowthLimit * 100}% (does not grow with stored events)`,
    verdict: verdict(flat),
  });
  if (!flat)
    misses.push(
      `memory: RSS grew ${(growth * 100).toFixed(1)}% from ${format.int(first.stored)} to ${format.int(last.stored)} stored events (limit +${rssGrowthLimit * 100}%)`,
    );
  if (last.stored < total) misses.push(`memory: only ${last.stored} of ${total} events were stored`);
  return {
    title: '4. Memory (RSS of the Sluice process)',
    setup: `RSS read from /proc/<pid>/status (VmRSS). Growth check: a fresh Sluice stores ${format.int(total)} events in requests of ${perRequest} over 4 connections; RSS is read after each quarter.`,
    rows,
    details,
    misses,
  };
}
