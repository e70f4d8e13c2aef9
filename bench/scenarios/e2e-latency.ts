import type { E2eResult } from '../e2e.ts';
import type { Bench, Row, ScenarioReport } from '../harness.ts';
import { format, startSluice, verdict } from '../harness.ts';
import { median } from '../stats.ts';
import { benchStream } from '../workload.ts';

export const e2eP99TargetMs = 10;

/**
 * (3) End-to-end latency at a paced 5,000 events/s: from the ingest answer to the event's
 * arrival over an SSE live tail, matched by event id. There is no floor for this one.
 */
export async function endToEndLatency(bench: Bench): Promise<ScenarioReport> {
  const { settings } = bench;
  bench.log('  (3) end-to-end latency, ingest answer → SSE');
  const sluice = await startSluice(bench);
  const details: string[] = [];
  const misses: string[] = [];
  const rounds: E2eResult[] = [];
  try {
    const spec = (seconds: number) => ({
      url: sluice.url,
      token: sluice.key,
      stream: benchStream,
      eventsPerSecond: settings.e2eEventsPerSecond,
      batchSize: settings.e2eBatchSize,
      durationMs: seconds * 1000,
      drainMs: 5000,
    });
    if (settings.warmupSeconds > 0) await bench.worker.e2e(spec(settings.warmupSeconds));
    for (let round = 0; round < settings.rounds; round++) {
      const result = await bench.worker.e2e(spec(settings.seconds));
      rounds.push(result);
      bench.log(
        `    round ${round + 1}: ${format.int(result.achievedEventsPerSecond)} events/s sent, p50 ${format.ms(result.latency.p50)}, p99 ${format.ms(result.latency.p99)}, max ${format.ms(result.latency.max)}, missing ${result.missing}`,
      );
      details.push(
        `round ${round + 1}: ${format.int(result.sent)} events sent at ${format.int(result.achievedEventsPerSecond)}/s, ${format.int(result.received)} received over SSE, ${result.missing} missing, ` +
          `${result.skippedTicks} ticks skipped; answer→SSE p50 ${format.ms(result.latency.p50)}, p99 ${format.ms(result.latency.p99)}, max ${format.ms(result.latency.max)}, min ${format.ms(result.latency.min)}; ` +
          `ingest request p50 ${format.ms(result.ingest.p50)}, p99 ${format.ms(result.ingest.p99)}${result.errors.length > 0 ? `; errors: ${result.errors.slice(0, 3).join(' | ')}` : ''}`,
      );
    }
  } finally {
    await sluice.stop();
  }
  const p50 = median(rounds.map((r) => r.latency.p50));
  const p99 = median(rounds.map((r) => r.latency.p99));
  const max = Math.max(...rounds.map((r) => r.latency.max));
  const sentRate = median(rounds.map((r) => r.achievedEventsPerSecond));
  const missing = rounds.reduce((sum, r) => sum + r.missing, 0);
  const errors = rounds.flatMap((r) => r.errors);
  const rows: Row[] = [
    { metric: 'events/s sent', floor: '', sluice: format.int(sentRate), ratio: '', target: `${format.int(settings.e2eEventsPerSecond)}`, verdict: '' },
    { metric: 'answer → SSE p50', floor: '', sluice: format.ms(p50), ratio: '', target: '', verdict: '' },
    { metric: 'answer → SSE p99', floor: '', sluice: format.ms(p99), ratio: '', target: `≤ ${e2eP99TargetMs} ms`, verdict: verdict(p99 <= e2eP99TargetMs) },
    { metric: 'answer → SSE max', floor: '', sluice: format.ms(max), ratio: '', target: '', verdict: '' },
    { metric: 'events never seen on the tail', floor: '', sluice: format.int(missing), ratio: '', target: '0', verdict: verdict(missing === 0) },
  ];
  if (!(p99 <= e2eP99TargetMs)) misses.push(`end-to-end: p99 ${format.ms(p99)} > ${e2eP99TargetMs} ms`);
  if (missing > 0) misses.push(`end-to-end: ${missing} acknowledged events never arrived on the tail within 5 s`);
  if (errors.length > 0) misses.push(`end-to-end: errors: ${errors.slice(0, 3).join(' | ')}`);
  return {
    title: '3. End-to-end latency, ingest answer → SSE receipt',
    setup: `a paced ${format.int(settings.e2eEventsPerSecond)} events/s (batches of ${settings.e2eBatchSize} every ${(1000 * settings.e2eBatchSize) / settings.e2eEventsPerSecond} ms, open loop) while one SSE tail (fetch streaming, same process) follows the stream; each event's latency is its SSE arrival minus its ingest answer, matched by id.`,
    rows,
    details,
    misses,
  };
}
