import type { Bench } from '../harness.ts';
import { format } from '../harness.ts';
import type { LoadResult } from '../http-load.ts';
import { cpuSeconds, threadCpuSeconds } from '../processes.ts';
import { median } from '../stats.ts';

/** One measured round against one system, with how busy the server and the client were. */
export interface Round {
  result: LoadResult;
  /** Server CPU time over wall time: 1.0 is one core fully busy. */
  serverCpu: number;
  /** The server's CPU time over wall time by thread name (`threadCpuSeconds`). */
  serverThreads: Map<string, number>;
  clientCpu: number;
}

export interface System {
  /** Shown in the progress log: `floor`, `sluice`, or a variant of Sluice. */
  name: string;
  pid: number;
  run(durationMs: number): Promise<LoadResult>;
}

/** A server the ingest load goes to: a floor (no key; answers 202) or a Sluice (its tenant key; answers 200). */
export interface IngestTarget {
  url: string;
  pid: number;
  key?: string;
}

/**
 * A system for `alternate` that sends the ingest load to `target` for the time asked; each
 * result is also handed to `onResult` (to count what Sluice acknowledged).
 */
export function ingestSystem(
  bench: Bench,
  name: string,
  target: IngestTarget,
  load: { connections: number; eventsPerRequest: number; withIds: boolean },
  onResult: (result: LoadResult) => void = () => undefined,
): System {
  return {
    name,
    pid: target.pid,
    run: async (durationMs) => {
      const spec = { ...load, url: target.url, durationMs, timeoutMs: durationMs + 60_000 };
      const result = await bench.worker.ingest(target.key === undefined ? { ...spec, okStatuses: [202] } : { ...spec, token: target.key, okStatuses: [200] });
      onResult(result);
      return result;
    },
  };
}

async function measured(system: System, clientPid: number, durationMs: number): Promise<Round> {
  const serverBefore = cpuSeconds(system.pid);
  const threadsBefore = threadCpuSeconds(system.pid);
  const clientBefore = cpuSeconds(clientPid);
  const started = performance.now();
  const result = await system.run(durationMs);
  const wall = (performance.now() - started) / 1000;
  const serverThreads = new Map<string, number>();
  for (const [name, seconds] of threadCpuSeconds(system.pid)) serverThreads.set(name, (seconds - (threadsBefore.get(name) ?? 0)) / wall);
  return { result, serverCpu: (cpuSeconds(system.pid) - serverBefore) / wall, serverThreads, clientCpu: (cpuSeconds(clientPid) - clientBefore) / wall };
}

/**
 * Warms the systems up, then measures them in alternation, each round starting one system
 * later than the round before (with two: floor first in even rounds, Sluice first in odd
 * ones), so that drift in the machine's load hits all alike. With more than two, every other
 * round runs in reverse order, so that no system always runs right after the same one and
 * inherits what it left behind (dirty pages being written back, a warm or cold cache). The
 * rounds of the first system come back as `floor`, those of the second as `sluice`, whatever
 * they are called (the pipeline scenario compares two Sluices), and those of any others in
 * `others`, in order; `warmup` holds one result per system, in the same order.
 */
export async function alternate(
  bench: Bench,
  floor: System,
  sluice: System,
  others: readonly System[] = [],
): Promise<{ floor: Round[]; sluice: Round[]; others: Round[][]; warmup: LoadResult[] }> {
  const { warmupSeconds, seconds, rounds } = bench.settings;
  const systems = [floor, sluice, ...others];
  const warmup: LoadResult[] = [];
  if (warmupSeconds > 0) for (const system of systems) warmup.push(await system.run(warmupSeconds * 1000));
  const results = systems.map((): Round[] => []);
  const width = Math.max(6, ...systems.map((system) => system.name.length));
  for (let round = 0; round < rounds; round++) {
    const slots = systems.map((_system, turn) => (round + turn) % systems.length);
    if (systems.length > 2 && round % 2 === 1) slots.reverse();
    for (const slot of slots) {
      const system = systems[slot]!;
      const measuredRound = await measured(system, bench.worker.pid, seconds * 1000);
      results[slot]!.push(measuredRound);
      const r = measuredRound.result;
      bench.log(
        `    round ${round + 1} ${system.name.padEnd(width)} ${format.int((r.ok / r.elapsedMs) * 1000).padStart(8)} req/s  p99 ${format.ms(r.latency.p99)}  ` +
          `server CPU ${(measuredRound.serverCpu * 100).toFixed(0)}%  client CPU ${(measuredRound.clientCpu * 100).toFixed(0)}%${r.failed > 0 ? `  FAILED ${r.failed}` : ''}`,
      );
    }
  }
  return { floor: results[0]!, sluice: results[1]!, others: results.slice(2), warmup };
}

export function requestsPerSecond(result: LoadResult): number {
  return result.elapsedMs > 0 ? (result.ok / result.elapsedMs) * 1000 : Number.NaN;
}

/** Lines describing each round, and the failures seen, for the report's details. */
export function roundDetails(label: string, rounds: Round[], unit: (result: LoadResult) => string): string[] {
  return rounds.map((round, index) => {
    const r = round.result;
    const failures = r.failed > 0 ? `; ${r.failed} failed (${r.errors.slice(0, 2).join(' | ')})` : '';
    return `${label} round ${index + 1}: ${unit(r)}, p50 ${format.ms(r.latency.p50)}, p99 ${format.ms(r.latency.p99)}, server CPU ${(round.serverCpu * 100).toFixed(0)}%, load-generator CPU ${(round.clientCpu * 100).toFixed(0)}%${failures}`;
  });
}

/** Errors that mean the harness or the system is broken rather than slow. */
export function failuresOf(rounds: Round[], warmup: LoadResult[] = []): string[] {
  const problems: string[] = [];
  for (const result of [...warmup, ...rounds.map((round) => round.result)]) {
    if (result.failed > 0) problems.push(`${result.failed} requests failed: ${result.errors.slice(0, 3).join(' | ')}`);
    else if (result.errors.length > 0) problems.push(result.errors.slice(0, 3).join(' | '));
  }
  return problems;
}

/** Each of `alternate`'s other systems, in order: its rounds, and what failed in them or in its warm-up. */
export function othersOf(measured: { others: Round[][]; warmup: LoadResult[] }): { rounds: Round[]; failures: string[] }[] {
  return measured.others.map((rounds, index) => ({ rounds, failures: failuresOf(rounds, measured.warmup.slice(2 + index, 3 + index)) }));
}

/** Sluice's threads by the names Node gives them at the OS (`new Worker(…, { name })`), in the order shown. */
const threadNames: readonly (readonly [string, string])[] = [
  ['MainThread', 'the HTTP thread'],
  ['sluice-ingest', 'the ingest thread'],
  ['sluice-store', 'the store thread'],
  ['sluice-wal', 'the checkpoint thread'],
  ['V8Worker', "V8's helper threads (concurrent collection, compilation)"],
];

/** Server CPU microseconds per event (per request where a request holds one event) by thread, medians of the rounds; the rest as "other threads". */
export function describeThreads(rounds: readonly Round[], perRequest: number): string {
  const micros = (round: Round, share: number): number => microsPerEvent(round, share, perRequest);
  const known = new Set(threadNames.map(([name]) => name));
  const parts = threadNames.map(([name, label]) => `${label} ${median(rounds.map((round) => micros(round, round.serverThreads.get(name) ?? 0))).toFixed(2)}`);
  const other = median(
    rounds.map((round) =>
      micros(
        round,
        [...round.serverThreads].filter(([name]) => !known.has(name)).reduce((sum, [, share]) => sum + share, 0),
      ),
    ),
  );
  return `${parts.join(', ')}, other threads ${other.toFixed(2)} µs`;
}

/** The median over rounds of the server's CPU microseconds per event. */
export function medianMicrosPerEvent(rounds: readonly Round[], perRequest: number): number {
  return median(rounds.map((round) => microsPerEvent(round, round.serverCpu, perRequest)));
}

/** CPU microseconds per event of a round, from a CPU share (CPU seconds over wall seconds). */
export function microsPerEvent(round: Round, share: number, perRequest: number): number {
  return (share / (requestsPerSecond(round.result) * perRequest)) * 1e6;
}
