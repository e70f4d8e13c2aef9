/**
 * The peer benchmarks: Sluice against what users run instead of it (a Python loop, Kafka
 * Streams, Karapace). They install software of other ecosystems, so they run only when named
 * in BENCH_ONLY or with BENCH_PEERS=1, and each one reports itself skipped, with the reason,
 * when what it needs cannot be had.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Bench, ScenarioReport } from '../harness.ts';
import { trackTempDir } from '../processes.ts';
import { startBroker } from './kafka.ts';
import type { PeerScenario } from '../peers/peer-scenario.ts';
import { peerKarapace } from './peer-karapace.ts';
import { peerPython } from './peer-python.ts';
import { peerStreams } from './peer-streams.ts';

/** A one-row report saying why a scenario did not run. */
export function skippedReport(title: string, reason: string): ScenarioReport {
  const line = `skipped: ${reason}`;
  return {
    title: `${title}: ${line}`,
    setup: line,
    rows: [{ metric: title, floor: 'skipped', sluice: 'skipped', ratio: '', target: '', verdict: '' }],
    details: [line],
    misses: [],
  };
}

/** Runs the wanted peer scenarios on one broker (BENCH_KAFKA_BOOTSTRAP, or one started for them). */
export async function peerScenarios(bench: Bench, wanted: (id: string) => boolean): Promise<ScenarioReport[]> {
  const chosen = [peerPython, peerStreams, peerKarapace].filter((scenario) => wanted(scenario.id));
  const prepared: { scenario: PeerScenario; outcome: { ready: string } | { skip: string } }[] = [];
  for (const scenario of chosen) {
    bench.log(`  ${scenario.id}: preparing`);
    const outcome = await scenario.prepare(bench);
    if ('skip' in outcome) bench.log(`  ${scenario.id}: skipped: ${outcome.skip}`);
    prepared.push({ scenario, outcome });
  }
  if (prepared.every(({ outcome }) => 'skip' in outcome))
    return prepared.map(({ scenario, outcome }) => skippedReport(scenario.title, 'skip' in outcome ? outcome.skip : ''));
  const broker = await startBroker(bench);
  if (typeof broker === 'string') return prepared.map(({ scenario }) => skippedReport(scenario.title, `no Kafka broker could be started (${broker})`));
  const workDir = mkdtempSync(join(tmpdir(), 'sluice-bench-peers-'));
  const removeWorkDir = trackTempDir(workDir);
  try {
    bench.log(`  Kafka broker at ${broker.bootstrap}`);
    const reports: ScenarioReport[] = [];
    for (const { scenario, outcome } of prepared) {
      if ('skip' in outcome) reports.push(skippedReport(scenario.title, outcome.skip));
      else {
        bench.log(`  ${scenario.title}`);
        reports.push(await scenario.run(bench, broker.bootstrap, outcome.ready, workDir));
      }
    }
    return reports;
  } finally {
    removeWorkDir();
    await broker.stop();
  }
}
