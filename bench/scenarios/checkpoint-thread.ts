import type { Bench, Row, ScenarioReport, SluiceUnderTest } from '../harness.ts';
import { format, startSluice } from '../harness.ts';
import { median } from '../stats.ts';
import { alternate, failuresOf, requestsPerSecond, roundDetails, type Round, type System } from './compare.ts';

/**
 * (13) The embedded store's checkpoint thread, on and off (`SLUICE_CHECKPOINT_THREAD`): two
 * Sluices side by side under the same loads, their rounds alternated, so that the machine's
 * drift hits both alike. Batched ingest without and with producer ids, and single events.
 * Only when named: `BENCH_ONLY=checkpoints`.
 */
export async function checkpointThread(bench: Bench): Promise<ScenarioReport> {
  const { settings } = bench;
  const rows: Row[] = [];
  const details: string[] = [];
  const misses: string[] = [];
  const loads = [
    { label: 'batched, without ids', perRequest: settings.eventsPerRequest, connections: settings.batchConnections, withIds: false },
    { label: 'batched, with producer ids', perRequest: settings.eventsPerRequest, connections: settings.batchConnections, withIds: true },
    { label: 'single events', perRequest: 1, connections: settings.singleConnections, withIds: false },
  ];
  for (const load of loads) {
    bench.log(`  (13) checkpoint thread off and on, ${load.label}`);
    const off = await startSluice(bench, { env: { SLUICE_CHECKPOINT_THREAD: 'false' } });
    try {
      const on = await startSluice(bench);
      try {
        const system = (name: string, sluice: SluiceUnderTest): System => ({
          name,
          pid: sluice.pid,
          run: (durationMs) =>
            bench.worker.ingest({
              url: sluice.url,
              token: sluice.key,
              connections: load.connections,
              durationMs,
              eventsPerRequest: load.perRequest,
              withIds: load.withIds,
              okStatuses: [200],
              timeoutMs: durationMs + 60_000,
            }),
        });
        const measured = await alternate(bench, system('thread off', off), system('thread on', on));
        const rate = (rounds: Round[]): number => median(rounds.map((round) => requestsPerSecond(round.result) * load.perRequest));
        const p99 = (rounds: Round[]): number => median(rounds.map((round) => round.result.latency.p99));
        rows.push({
          metric: `events/s, ${load.label} (floor column: thread off)`,
          floor: format.int(rate(measured.floor)),
          sluice: format.int(rate(measured.sluice)),
          ratio: format.ratio(rate(measured.sluice) / rate(measured.floor)),
          target: '',
          verdict: '',
        });
        rows.push({
          metric: `p99, ${load.label}`,
          floor: format.ms(p99(measured.floor)),
          sluice: format.ms(p99(measured.sluice)),
          ratio: '',
          target: '',
          verdict: '',
        });
        const unit = (result: Round['result']): string => `${format.int(requestsPerSecond(result) * load.perRequest)} events/s`;
        details.push(...roundDetails(`thread off, ${load.label},`, measured.floor, unit), ...roundDetails(`thread on, ${load.label},`, measured.sluice, unit));
        misses.push(...failuresOf([...measured.floor, ...measured.sluice], measured.warmup));
      } finally {
        await on.stop();
      }
    } finally {
      await off.stop();
    }
  }
  return {
    title: '13. The embedded store’s checkpoint thread, off and on',
    setup: `Two Sluices, SLUICE_CHECKPOINT_THREAD=false and the default, under the same loads (batched: ${settings.eventsPerRequest} events per request on ${settings.batchConnections} connections; single events on ${settings.singleConnections}), rounds alternated.`,
    rows,
    details,
    misses,
  };
}
