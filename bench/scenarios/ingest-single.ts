import type { Bench, Row, ScenarioReport } from '../harness.ts';
import { type DurableFloors, format, startDurableFloors, startSluice, verdict } from '../harness.ts';
import { median } from '../stats.ts';
import { alternate, describeThreads, failuresOf, ingestSystem, medianMicrosPerEvent, othersOf, requestsPerSecond, roundDetails } from './compare.ts';
import { measureSingleEventCommits } from './ingest-work.ts';

export const singleRatioTarget = 0.5;
export const singleP99TargetMs = 4;

/** Single events per commit in the in-process measure: about what Sluice's group commits held under this load (18–20 when counted). */
const eventsPerSingleCommit = 20;

/** (2) Single-event ingest, durable: one event per request over 50 connections, closed loop. */
export async function singleIngest(bench: Bench): Promise<ScenarioReport> {
  const { settings } = bench;
  bench.log('  (2) single-event ingest');
  const sluice = await startSluice(bench);
  let durables: DurableFloors | undefined;
  const rows: Row[] = [];
  const details: string[] = [];
  const misses: string[] = [];
  try {
    durables = await startDurableFloors();
    const floors = durables.floors;
    let acknowledged = 0;
    const load = { connections: settings.singleConnections, eventsPerRequest: 1, withIds: false };
    const measured = await alternate(
      bench,
      ingestSystem(bench, 'floor', { url: bench.floorUrl, pid: bench.floorPid }, load),
      ingestSystem(bench, 'sluice', sluice, load, (result) => (acknowledged += result.ok)),
      floors.map((floor) => ingestSystem(bench, floor.name, floor, load)),
    );
    const stored = await sluice.storedEvents();
    const rate = (rounds: typeof measured.floor): number => median(rounds.map((round) => requestsPerSecond(round.result)));
    const p = (rounds: typeof measured.floor, which: 'p50' | 'p99'): number => median(rounds.map((round) => round.result.latency[which]));
    const floorRate = rate(measured.floor);
    const sluiceRate = rate(measured.sluice);
    const ratio = sluiceRate / floorRate;
    const p99 = p(measured.sluice, 'p99');
    rows.push(
      {
        metric: 'requests/s',
        floor: format.int(floorRate),
        sluice: format.int(sluiceRate),
        ratio: format.ratio(ratio),
        target: `≥ ${singleRatioTarget}× floor`,
        verdict: verdict(ratio >= singleRatioTarget),
      },
      { metric: 'p50', floor: format.ms(p(measured.floor, 'p50')), sluice: format.ms(p(measured.sluice, 'p50')), ratio: '', target: '', verdict: '' },
      {
        metric: 'p99',
        floor: format.ms(p(measured.floor, 'p99')),
        sluice: format.ms(p99),
        ratio: '',
        target: `≤ ${singleP99TargetMs} ms`,
        verdict: verdict(p99 <= singleP99TargetMs),
      },
    );
    const others = othersOf(measured);
    others.forEach(({ rounds }, index) => {
      const { name, does } = floors[index]!;
      rows.push(
        {
          metric: `requests/s, ${name}: ${does}`,
          floor: format.int(rate(rounds)),
          sluice: format.int(sluiceRate),
          ratio: format.ratio(sluiceRate / rate(rounds)),
          target: '',
          verdict: '',
        },
        { metric: `p99, ${name}`, floor: format.ms(p(rounds, 'p99')), sluice: format.ms(p99), ratio: '', target: '', verdict: '' },
      );
    });
    if (ratio < singleRatioTarget)
      misses.push(
        `single-event ingest: ${format.int(sluiceRate)} requests/s is ${format.ratio(ratio)} of the floor's ${format.int(floorRate)} (target ≥ ${singleRatioTarget}×)`,
      );
    if (!(p99 <= singleP99TargetMs))
      misses.push(`single-event ingest: p99 ${format.ms(p99)} > ${singleP99TargetMs} ms at ${settings.singleConnections} connections`);
    const unit = (result: (typeof measured.floor)[number]['result']): string => `${format.int(requestsPerSecond(result))} requests/s`;
    details.push(
      ...roundDetails('floor', measured.floor, unit),
      ...roundDetails('Sluice', measured.sluice, unit),
      ...others.flatMap(({ rounds }, index) => roundDetails(floors[index]!.name, rounds, unit)),
    );
    const floorsCpu = others.map(({ rounds }, index) => `the ${floors[index]!.name} ${medianMicrosPerEvent(rounds, 1).toFixed(1)} µs`).join(', ');
    const cpuLine = `server CPU per request: the floor ${medianMicrosPerEvent(measured.floor, 1).toFixed(1)} µs, ${floorsCpu}, Sluice ${medianMicrosPerEvent(measured.sluice, 1).toFixed(1)} µs (${describeThreads(measured.sluice, 1)})`;
    bench.log(`    ${cpuLine}`);
    details.push(cpuLine);
    const commits = await measureSingleEventCommits(bench, eventsPerSingleCommit);
    const commitLine = `Sluice's store step in process (bench/scenarios/ingest-work.ts: the embedded log, WAL, synchronous=FULL, no HTTP or threads), ${commits.perCommit} single events per commit: ${commits.wallMs.toFixed(3)} ms of wall time and ${commits.cpuMs.toFixed(3)} ms of CPU per commit`;
    bench.log(`    ${commitLine}`);
    details.push(commitLine);
    details.push(`Sluice: ${format.int(stored)} events stored, ${format.int(acknowledged)} acknowledged (${stored === acknowledged ? 'equal' : 'MISMATCH'})`);
    if (stored !== acknowledged) misses.push(`single-event ingest: ${stored} events stored but ${acknowledged} acknowledged`);
    for (const problem of failuresOf(measured.sluice, measured.warmup.slice(0, 2))) misses.push(`single-event ingest: ${problem}`);
    others.forEach(({ failures }, index) => {
      for (const problem of failures) misses.push(`single-event ingest, ${floors[index]!.name}: ${problem}`);
    });
  } finally {
    await Promise.allSettled([sluice.stop(), durables?.stop()]);
  }
  return {
    title: '2. Single-event ingest (durable)',
    setup: `one ~${bench.eventBytes}-byte event per request (JSON object), ${settings.singleConnections} keep-alive connections, closed loop; latency is per request, measured by the load generator.`,
    rows,
    details,
    misses,
  };
}
