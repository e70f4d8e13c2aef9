import { join } from 'node:path';
import type { Bench } from '../harness.ts';
import { runInstallScript } from '../peers/install.ts';
import type { PeerScenario } from '../peers/peer-scenario.ts';
import { spawnPeer } from '../peers/peer-process.ts';
import { compareWithSluice, type ProcessorPeer } from '../peers/processor-comparison.ts';

/** Sluice's source must at least match the Kafka Streams topology's records/s, in less memory. */
export const kafkaStreamsTarget = 1;

/** The JVM heap limit given to the topology (BENCH_PEER_STREAMS_HEAP), as a deployment would set one. */
function streamsHeap(): string {
  const heap = process.env.BENCH_PEER_STREAMS_HEAP ?? '512m';
  if (!/^\d+[kmg]$/i.test(heap)) throw new Error(`BENCH_PEER_STREAMS_HEAP=${heap}: expected a size such as 512m`);
  return heap;
}

/** The topology as a peer, run with `java -cp classpath`; each round gets a state directory under `workDir`. */
export function streamsTopology(classpath: string, workDir: string, heap = streamsHeap()): ProcessorPeer {
  let rounds = 0;
  return {
    label: 'Kafka Streams',
    description:
      `The Kafka Streams topology (bench/peers/streams/UserLoginProcessor.java; kafka-streams at the broker's version, networknt json-schema-validator 3 with format assertions, Jackson 3; java -Xmx${heap}, ` +
      'default settings: one stream thread, at-least-once, plus acks=all and an idempotent producer) parses each value, validates it, renames and converts in Java, and splits into a valid and an invalid topic.',
    start: (round) =>
      spawnPeer(
        'Kafka Streams',
        'java',
        [
          `-Xmx${heap}`,
          '-Dorg.slf4j.simpleLogger.defaultLogLevel=warn',
          '-cp',
          classpath,
          'UserLoginProcessor',
          JSON.stringify({ ...round, stateDir: join(workDir, `streams-${++rounds}`) }),
        ],
        { env: { PATH: process.env.PATH, HOME: process.env.HOME } },
      ),
  };
}

/**
 * Sluice's Kafka source against a Kafka Streams topology doing the same work
 * (bench/peers/streams/UserLoginProcessor.java, built by scripts/peers/kafka-streams.sh).
 */
export const peerStreams: PeerScenario = {
  id: 'peer-streams',
  title: 'P2. Kafka source vs a Kafka Streams topology',
  async prepare() {
    const built = await runInstallScript('kafka-streams.sh');
    return 'skip' in built ? built : { ready: built.path };
  },
  run(bench: Bench, bootstrap: string, classpath: string, workDir: string) {
    return compareWithSluice(bench, bootstrap, workDir, streamsTopology(classpath, workDir), {
      title: this.title,
      rateTarget: kafkaStreamsTarget,
      memoryTarget: true,
    });
  },
};
