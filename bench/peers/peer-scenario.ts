import type { Bench, ScenarioReport } from '../harness.ts';

/** One peer benchmark, run by bench/scenarios/peers.ts on a broker it shares with the others. */
export interface PeerScenario {
  /** Its name in BENCH_ONLY. */
  id: string;
  title: string;
  /** Installs (or finds in the cache) what the peer needs; answers what `run` is given, or why it cannot run. */
  prepare(bench: Bench): Promise<{ ready: string } | { skip: string }>;
  run(bench: Bench, bootstrap: string, prepared: string, workDir: string): Promise<ScenarioReport>;
}
