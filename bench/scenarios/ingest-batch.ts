import { availableParallelism } from 'node:os';
import type { Bench, Row, ScenarioReport } from '../harness.ts';
import { type DurableFloors, format, startDurableFloors, startSluice, verdict } from '../harness.ts';
import { sampleRss } from '../processes.ts';
import { median } from '../stats.ts';
import { alternate, describeThreads, failuresOf, ingestSystem, medianMicrosPerEvent, othersOf, requestsPerSecond, roundDetails } from './compare.ts';
import { measureDiskLimit } from './disk-limit.ts';
import { measureIngestWork } from './ingest-work.ts';

export const batchTarget = 250_000;
export const batchRatioTarget = 0.35;

/**
 * (1) Batched ingest: requests of 100 (BENCH_EVENTS_PER_REQUEST) ~300-byte events against the 6-property schema,
 * durable, closed loop; once without ids and once with a producer-chosen id on every
 * event (the dedupe index path). Each variant runs on a fresh Sluice whose RSS is sampled
 * throughout, for the memory table.
 */
export async function batchedIngest(bench: Bench): Promise<ScenarioReport> {
  const { settings } = bench;
  const perRequest = settings.eventsPerRequest;
  const rows: Row[] = [];
  const details: string[] = [];
  const misses: string[] = [];
  bench.facts.batchPeakRss = [];
  let sluiceWithoutIds = 0;
  /** Server CPU microseconds per event, without ids, medians of the rounds. */
  const cpuPerEvent = { floor: 0, sluice: 0 };
  let threadsPerEvent = '';
  for (const withIds of [false, true]) {
    const variant = withIds ? 'with producer ids' : 'without ids';
    bench.log(`  (1) batched ingest, ${variant}`);
    const sluice = await startSluice(bench);
    let durables: DurableFloors | undefined;
    try {
      // The durable floors do not look at producer ids, so once is enough.
      if (!withIds) durables = await startDurableFloors();
      const floors = durables?.floors ?? [];
      const baseline = sluice.rss();
      const sampler = sampleRss(sluice.pid, 50);
      let acknowledged = 0;
      const load = { connections: settings.batchConnections, eventsPerRequest: perRequest, withIds };
      const measured = await alternate(
        bench,
        ingestSystem(bench, 'floor', { url: bench.floorUrl, pid: bench.floorPid }, load),
        ingestSystem(bench, 'sluice', sluice, load, (result) => (acknowledged += result.ok * perRequest)),
        floors.map((floor) => ingestSystem(bench, floor.name, floor, load)),
      );
      const peak = sampler.stop().peak;
      bench.facts.batchPeakRss.push({ variant, peak, baseline });
      const stored = await sluice.storedEvents();

      const eventsPerSecond = (rounds: typeof measured.floor): number => median(rounds.map((round) => requestsPerSecond(round.result) * perRequest));
      const floorRate = eventsPerSecond(measured.floor);
      const sluiceRate = eventsPerSecond(measured.sluice);
      if (!withIds) {
        sluiceWithoutIds = sluiceRate;
        cpuPerEvent.floor = medianMicrosPerEvent(measured.floor, perRequest);
        cpuPerEvent.sluice = medianMicrosPerEvent(measured.sluice, perRequest);
        threadsPerEvent = describeThreads(measured.sluice, perRequest);
        const onIngestThread = await sluice.metric('sluice_ingest_requests_total', { prepared_on: 'ingest_thread' });
        const onHttpThread = await sluice.metric('sluice_ingest_requests_total', { prepared_on: 'http_thread' });
        threadsPerEvent += `; ${format.percent(onIngestThread / (onIngestThread + onHttpThread))} of the requests were prepared on the ingest thread, the rest on the HTTP thread`;
        bench.log(`    Sluice's server CPU per event by thread: ${threadsPerEvent}`);
      }
      const met = sluiceRate >= batchTarget && sluiceRate >= batchRatioTarget * floorRate;
      rows.push({
        metric: `events/s, ${variant}`,
        floor: format.int(floorRate),
        sluice: format.int(sluiceRate),
        ratio: format.ratio(sluiceRate / floorRate),
        target: `≥ ${format.int(batchTarget)} and ≥ ${batchRatioTarget}× floor`,
        verdict: verdict(met),
      });
      const p99 = (rounds: typeof measured.floor): number => median(rounds.map((round) => round.result.latency.p99));
      rows.push({
        metric: `request p99, ${variant}`,
        floor: format.ms(p99(measured.floor)),
        sluice: format.ms(p99(measured.sluice)),
        ratio: format.ratio(p99(measured.sluice) / p99(measured.floor)),
        target: '',
        verdict: '',
      });
      const unit = (result: (typeof measured.floor)[number]['result']): string => `${format.int(requestsPerSecond(result) * perRequest)} events/s`;
      if (!met)
        misses.push(
          `batched ingest ${variant}: ${format.int(sluiceRate)} events/s, ${format.ratio(sluiceRate / floorRate)} of the floor (target ≥ ${format.int(batchTarget)} and ≥ ${batchRatioTarget}×)`,
        );
      details.push(...roundDetails(`floor, ${variant},`, measured.floor, unit), ...roundDetails(`Sluice, ${variant},`, measured.sluice, unit));
      details.push(
        `Sluice, ${variant}: ${format.int(stored)} events stored, ${format.int(acknowledged)} acknowledged (${stored === acknowledged ? 'equal' : 'MISMATCH'}); data directory ${format.mb(sluice.diskBytes())}`,
      );
      if (stored !== acknowledged) misses.push(`batched ingest ${variant}: ${stored} events stored but ${acknowledged} acknowledged`);
      for (const problem of failuresOf(measured.sluice, measured.warmup.slice(0, 2))) misses.push(`batched ingest ${variant}: ${problem}`);
      othersOf(measured).forEach(({ rounds, failures }, index) => {
        const { name, does, source } = floors[index]!;
        const rate = eventsPerSecond(rounds);
        rows.push({
          metric: `events/s without ids, ${name}: ${does}`,
          floor: format.int(rate),
          sluice: format.int(sluiceRate),
          ratio: format.ratio(sluiceRate / rate),
          target: '',
          verdict: '',
        });
        details.push(...roundDetails(`${name}, ${variant},`, rounds, unit));
        details.push(
          `${name}: ${format.ratio(rate / floorRate)} of the floor's events/s, ${medianMicrosPerEvent(rounds, perRequest).toFixed(2)} µs of server CPU per event (${source})`,
        );
        for (const problem of failures) misses.push(`batched ingest, ${name}: ${problem}`);
      });
    } finally {
      await Promise.allSettled([sluice.stop(), durables?.stop()]);
    }
  }
  const perFlush = settings.batchConnections * perRequest;
  bench.log(`  (1) the disk's limit: bare node:sqlite loops, ${perFlush} events per commit`);
  for (const limit of await measureDiskLimit(bench, perFlush)) {
    const layout = limit.layout === 'rows' ? 'one row per record' : 'one row per partition per commit';
    rows.push({
      metric: `events/s, bare node:sqlite loop, ${layout}`,
      floor: format.int(limit.eventsPerSecond),
      sluice: format.int(sluiceWithoutIds),
      ratio: format.ratio(sluiceWithoutIds / limit.eventsPerSecond),
      target: '',
      verdict: '',
    });
    details.push(
      `bare node:sqlite loop, ${layout}: ${format.int(limit.eventsPerSecond)} events/s, ${(limit.cpuPerEvent * 1e6).toFixed(2)} µs CPU per event (bench/sqlite-floor.ts: the same stored bytes, WAL, synchronous=FULL, ${perFlush} events per commit over 4 partitions, no HTTP, parsing or validation)`,
    );
  }
  bench.log("  (1) Sluice's own work per event, in process");
  const work = await measureIngestWork(bench, perRequest, perFlush);
  const steps = work.parse + work.prepare + work.pack + work.store;
  const cores = availableParallelism();
  rows.push({
    metric: "µs CPU per event: Sluice's steps in process, one thread (floor column) / Sluice's server, without ids",
    floor: steps.toFixed(2),
    sluice: cpuPerEvent.sluice.toFixed(2),
    ratio: format.ratio(cpuPerEvent.sluice / steps),
    target: '',
    verdict: '',
  });
  details.push(
    `Sluice's steps in process (bench/scenarios/ingest-work.ts, the real code on one thread, no HTTP, no thread crossings, CPU time): parse ${work.parse.toFixed(2)} µs per event, ` +
      `validate, place and make the record text ${work.prepare.toFixed(2)} (of which the schema validator ${work.validate.toFixed(2)}), pack for the store thread ${work.pack.toFixed(2)}, ` +
      `store (SQLite inserts and commits, WAL, synchronous=FULL, ${perFlush} events per commit) ${work.store.toFixed(2)}; ${steps.toFixed(2)} µs in all. ` +
      `With a new producer id on every event (a random UUID: the dedup window, and the id log in the same commit) the store step takes ${work.storeWithIds.toFixed(2)}. ` +
      `On ${cores} cores these steps alone allow at most ${format.int((cores * 1e6) / steps)} events/s; adding the HTTP floor's own ${cpuPerEvent.floor.toFixed(2)} µs of server CPU per event ` +
      `for receiving and answering the same requests (it parses them too, so parsing counts twice) at most ${format.int((cores * 1e6) / (steps + cpuPerEvent.floor))}, before the load generator's share. ` +
      `Sluice's server spent ${cpuPerEvent.sluice.toFixed(2)} µs per event: ${threadsPerEvent}.`,
  );
  return {
    title: '1. Batched ingest (durable)',
    setup: `${perRequest} events of ~${bench.eventBytes} bytes per request (JSON array), ${settings.batchConnections} keep-alive connections, closed loop; Sluice validates each event against the 6-property schema and answers only after the SQLite commit (WAL, synchronous=FULL). With producer ids, every event carries a new random UUID as its id.`,
    rows,
    details,
    misses,
  };
}
