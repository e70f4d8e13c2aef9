import { Admin } from '@platformatic/kafka';
import type { Bench, Row, ScenarioReport } from '../harness.ts';
import { format, metricsText, startSluice, sumOfSeries, verdict } from '../harness.ts';
import { sampleRss } from '../processes.ts';
import { common, sluiceOnKafka, startBroker } from './kafka.ts';

/** RSS at the last checkpoint may differ from the first by at most this fraction to count as flat. */
export const kafkaRssFlatness = 0.1;
/** Events per request: large batches keep the run short; the load is the dedup window, not HTTP. */
const perRequest = 1000;

/** Events the Kafka memory check ingests (BENCH_KAFKA_RSS_EVENTS), and how many between RSS readings. */
export function kafkaRssPlan(env: NodeJS.ProcessEnv, quick: boolean): { total: number; step: number } {
  const raw = env.BENCH_KAFKA_RSS_EVENTS;
  const total = raw === undefined || raw === '' ? (quick ? 400_000 : 10_000_000) : Number(raw);
  if (!Number.isInteger(total) || total < 40_000 || total > 100_000_000)
    throw new Error(`BENCH_KAFKA_RSS_EVENTS=${raw}: expected a whole number from 40,000 to 100,000,000`);
  // A reading every million events; with fewer than two million, four readings in all.
  const step = total >= 2_000_000 ? 1_000_000 : Math.ceil(total / 4 / perRequest) * perRequest;
  return { total, step };
}

/**
 * (12, opt-in: BENCH_ONLY=kafka-memory) Memory of Sluice on Kafka while producers choose the
 * ids: every event carries its own `id`, so each one goes through the event log's dedup
 * window. RSS is read every million events (BENCH_KAFKA_RSS_EVENTS, 10 M by default); from 1 M
 * on it should stay flat, since the window holds at most `limits.dedupWindowIds` ids per stream.
 * On a broker of BENCH_KAFKA_BOOTSTRAP the run's topics are deleted afterwards.
 */
export async function kafkaMemory(bench: Bench): Promise<ScenarioReport> {
  const { total, step } = kafkaRssPlan(process.env, bench.settings.quick);
  const title = '12. Memory on Kafka with producer ids (RSS of the Sluice process)';
  const sharedBroker = (process.env.BENCH_KAFKA_BOOTSTRAP ?? '') !== '';
  const broker = await startBroker(bench);
  if (typeof broker === 'string') {
    const line = `skipped: no Kafka broker could be started (${broker}); see docs/internals/kafka-dev.md`;
    bench.log(`  kafka-memory: ${line}`);
    return { title, setup: line, rows: [], details: [], misses: [] };
  }
  const kafka = sluiceOnKafka(broker.bootstrap);
  const prefix = kafka.env.SLUICE_KAFKA_TOPIC_PREFIX!;
  bench.log(
    `  (12) RSS of Sluice on Kafka (${broker.bootstrap}) while ${format.int(total)} events with producer ids are stored, read every ${format.int(step)}`,
  );
  const series: { events: number; rss: number; peak: number; rate: number; heap: Heap }[] = [];
  const details: string[] = [];
  const misses: string[] = [];
  let baseline = Number.NaN;
  try {
    const sluice = await startSluice(bench, kafka);
    try {
      baseline = sluice.rss();
      let ingested = 0;
      while (ingested < total) {
        const events = Math.min(step, total - ingested);
        const requests = Math.ceil(events / perRequest);
        const sampler = sampleRss(sluice.pid, 200);
        const result = await bench.worker.ingest({
          url: sluice.url,
          token: sluice.key,
          connections: 4,
          requests,
          eventsPerRequest: perRequest,
          withIds: true,
          okStatuses: [200],
          // Bounded, but slow enough for a busy machine: at least 1,000 events/s.
          timeoutMs: Math.max(300_000, events),
        });
        const peak = sampler.stop().peak;
        if (result.failed > 0) throw new Error(`ingest with ids on Kafka: ${result.failed} requests failed: ${result.errors.join(' | ')}`);
        ingested += result.ok * perRequest;
        const point = {
          events: ingested,
          rss: sluice.rss(),
          peak,
          rate: (result.ok * perRequest * 1000) / result.elapsedMs,
          heap: await heapOf(sluice.url, bench.adminToken),
        };
        series.push(point);
        bench.log(
          `    ${format.int(point.events)} events: RSS ${format.mb(point.rss)} (peak ${format.mb(point.peak)}; main thread's heap ${format.mb(point.heap.used)} used of ${format.mb(point.heap.total)}, ${format.mb(point.heap.external)} outside it), ${format.int(point.rate)} events/s`,
        );
      }
      const stored = await sluice.storedEvents();
      if (stored !== ingested) misses.push(`kafka-memory: ${format.int(stored)} events in the stream for ${format.int(ingested)} sent (every id was new)`);
    } finally {
      await sluice.stop();
    }
  } finally {
    if (sharedBroker) await deleteTopics(broker.bootstrap, prefix);
    await broker.stop();
  }

  const rows: Row[] = series.map((point) => ({
    metric: `RSS after ${format.int(point.events)} events with ids`,
    floor: '',
    sluice: `${format.mb(point.rss)} (peak ${format.mb(point.peak)}; heap ${format.mb(point.heap.used)} of ${format.mb(point.heap.total)}, external ${format.mb(point.heap.external)}; ${format.int(point.rate)} events/s)`,
    ratio: '',
    target: '',
    verdict: '',
  }));
  // Compared from 1 M on (the window is full from 500,000), or from half-way in a shorter run.
  const first = series.find((point) => point.events >= Math.min(1_000_000, total / 2)) ?? series[0]!;
  const last = series.at(-1)!;
  const growth = (last.rss - first.rss) / first.rss;
  const flat = Math.abs(growth) <= kafkaRssFlatness;
  rows.push({
    metric: `RSS change ${format.int(first.events)} → ${format.int(last.events)} events`,
    floor: '',
    sluice: `${growth >= 0 ? '+' : ''}${(growth * 100).toFixed(1)}%`,
    ratio: '',
    target: `flat (±${kafkaRssFlatness * 100}%) from 1 M to 10 M`,
    verdict: verdict(flat),
  });
  if (!flat)
    misses.push(
      `kafka-memory: RSS changed ${(growth * 100).toFixed(1)}% from ${format.int(first.events)} to ${format.int(last.events)} events (limit ±${kafkaRssFlatness * 100}%)`,
    );
  details.push(`RSS ${format.mb(baseline)} after start-up and setup`);
  details.push('the dedup window has its defaults (limits.dedupWindowIds 500,000 per stream, limits.dedupWindowMs 24 h): full from 500,000 events on');
  return {
    title,
    setup: `RSS read from /proc/<pid>/status (VmRSS) after every ${format.int(step)} events; ${format.int(total)} events with producer-chosen ids (all new) in requests of ${perRequest} over 4 connections into one 4-partition stream of Sluice on Kafka (one local broker).`,
    rows,
    details,
    misses,
  };
}

/** The main thread's V8 heap and the memory outside it that it accounts for (typed arrays, buffers). */
interface Heap {
  used: number;
  total: number;
  external: number;
}

/** Reads the heap figures from Sluice's own /metrics (prom-client's Node.js metrics). */
async function heapOf(url: string, adminToken: string): Promise<Heap> {
  const text = await metricsText(url, adminToken);
  const metric = (name: string): number => sumOfSeries(text, `sluice_${name}`);
  return { used: metric('nodejs_heap_size_used_bytes'), total: metric('nodejs_heap_size_total_bytes'), external: metric('nodejs_external_memory_bytes') };
}

/** Deletes the topics a run left on a broker it did not start. */
async function deleteTopics(bootstrap: string, prefix: string): Promise<void> {
  const admin = new Admin({ ...common, clientId: 'bench-cleanup', bootstrapBrokers: [bootstrap] });
  try {
    const topics = (await admin.listTopics()).filter((topic) => topic.startsWith(prefix));
    if (topics.length > 0) await admin.deleteTopics({ topics });
  } catch {
    // Best effort: the topics are under a prefix of this run alone.
  } finally {
    await admin.close().catch(() => undefined);
  }
}
