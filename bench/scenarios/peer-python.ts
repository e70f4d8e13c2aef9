import { fileURLToPath } from 'node:url';
import type { Bench } from '../harness.ts';
import { runInstallScript } from '../peers/install.ts';
import { spawnPeer } from '../peers/peer-process.ts';
import { compareWithSluice, type ProcessorPeer } from '../peers/processor-comparison.ts';
import type { PeerScenario } from '../peers/peer-scenario.ts';

/** Sluice's source must move records at least this many times as fast as the Python loop. */
export const pythonLoopTarget = 3;

const program = fileURLToPath(new URL('../peers/python/user_login_processor.py', import.meta.url));

/** The Python loop as a peer, run by the venv's `python` (scripts/peers/python-loop.sh). */
export function pythonLoop(python: string): ProcessorPeer {
  return {
    label: 'Python loop',
    description:
      'The Python loop (bench/peers/python/user_login_processor.py, CPython with confluent-kafka 2.16 and jsonschema 4.26 from PyPI) consumes batches of ≤ 500 in a fresh group, validates with Draft202012Validator and its format checker, ' +
      'renames and converts in plain Python, produces valid and invalid records to two topics through an idempotent acks=all producer (linger.ms 5), flushes and commits synchronously after each batch.',
    start: (round) =>
      spawnPeer('Python loop', python, [program, JSON.stringify(round)], { env: { PATH: process.env.PATH, HOME: process.env.HOME, PYTHONUNBUFFERED: '1' } }),
  };
}

/**
 * Sluice's Kafka source against the consume–validate–transform–produce loop most teams write
 * in Python (bench/peers/python/user_login_processor.py: confluent-kafka and jsonschema, in
 * the venv scripts/peers/python-loop.sh makes).
 */
export const peerPython: PeerScenario = {
  id: 'peer-python',
  title: 'P1. Kafka source vs a Python consume–validate–produce loop',
  async prepare() {
    const installed = await runInstallScript('python-loop.sh');
    return 'skip' in installed ? installed : { ready: installed.path };
  },
  run(bench: Bench, bootstrap: string, python: string, workDir: string) {
    return compareWithSluice(bench, bootstrap, workDir, pythonLoop(python), { title: this.title, rateTarget: pythonLoopTarget, memoryTarget: false });
  },
};
