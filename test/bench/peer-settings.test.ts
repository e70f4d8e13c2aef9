import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { readSettings, type Bench } from '../../bench/harness.ts';
import { startBroker } from '../../bench/scenarios/kafka.ts';
import { peerScenarios } from '../../bench/scenarios/peers.ts';

/** Sets environment variables for one test and puts the old values back after it. */
function withEnv(t: TestContext, values: Record<string, string | undefined>): void {
  const before = Object.fromEntries(Object.keys(values).map((name) => [name, process.env[name]]));
  const apply = (entries: Record<string, string | undefined>): void => {
    for (const [name, value] of Object.entries(entries)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  };
  apply(values);
  t.after(() => apply(before));
}

const quietBench = { log: () => undefined } as unknown as Bench;

void test('peer scenarios run when named in BENCH_ONLY, or in a full run with BENCH_PEERS=1', () => {
  const named = readSettings({ BENCH_ONLY: 'peer-python,peer-streams,peer-karapace' });
  assert.deepEqual([...named.only!], ['peer-python', 'peer-streams', 'peer-karapace']);
  assert.equal(named.peers, false);
  assert.equal(readSettings({}).peers, false);
  assert.equal(readSettings({ BENCH_PEERS: '1' }).peers, true);
  assert.throws(() => readSettings({ BENCH_ONLY: 'peer-ruby' }), /unknown scenario "peer-ruby"/);
});

void test('BENCH_KAFKA_BOOTSTRAP makes the Kafka scenarios use that broker, which they never stop', async (t) => {
  withEnv(t, { BENCH_KAFKA_BOOTSTRAP: '127.0.0.1:1' });
  const broker = await startBroker(quietBench);
  assert.ok(typeof broker !== 'string');
  assert.equal(broker.bootstrap, '127.0.0.1:1');
  await broker.stop();
  process.env.BENCH_KAFKA_BOOTSTRAP = 'two words';
  const refused = await startBroker(quietBench);
  assert.equal(refused, 'BENCH_KAFKA_BOOTSTRAP=two words: expected one host:port');
});

void test('without Karapace’s source, the Karapace scenario reports itself skipped with where it looked, before any broker is started', async (t) => {
  const cache = mkdtempSync(join(tmpdir(), 'sluice-peers-cache-'));
  t.after(() => rmSync(cache, { recursive: true, force: true }));
  // A broker address that nothing listens on: the scenario must not need one to be skipped.
  withEnv(t, { SLUICE_PEERS_CACHE: cache, SLUICE_KARAPACE_SRC: undefined, SLUICE_KARAPACE_GIT: undefined, BENCH_KAFKA_BOOTSTRAP: '127.0.0.1:1' });
  const reports = await peerScenarios(quietBench, (id) => id === 'peer-karapace');
  assert.equal(reports.length, 1);
  assert.match(reports[0]!.title, new RegExp(`skipped: Karapace source not found at ${join(cache, 'karapace-src')}`));
  assert.deepEqual(reports[0]!.misses, []);
});
