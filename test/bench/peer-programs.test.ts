import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { Admin } from '@platformatic/kafka';
import { runInstallScript } from '../../bench/peers/install.ts';
import { deleteTopics, fillLoginTopic, readValues, recordsInTopic } from '../../bench/peers/login-topics.ts';
import type { ProcessorPeer } from '../../bench/peers/processor-comparison.ts';
import { loginPartitions, loginPipeline, loginRecords, loginSchema } from '../../bench/peers/user-login.ts';
import { common, createTopic, rawProducer } from '../../bench/scenarios/kafka.ts';
import { pythonLoop } from '../../bench/scenarios/peer-python.ts';
import { streamsTopology } from '../../bench/scenarios/peer-streams.ts';
import { compileSteps } from '../../src/domain/transforms/compile.ts';
import { JsonSchemaCompiler } from '../../src/services/schemas/json-schema.ts';
import { kafkaBrokers } from '../helpers/kafka.ts';

/**
 * The peers Sluice is measured against must do the same work: on the same records, each
 * program must sort exactly the records Sluice rejects into its invalid topic, and write
 * every valid one as Sluice's pipeline does (but for the processed_at instant).
 */
async function checkPeer(t: TestContext, makePeer: (workDir: string) => Promise<ProcessorPeer | string>): Promise<void> {
  const brokers = kafkaBrokers(t);
  if (brokers === undefined) return;
  const workDir = mkdtempSync(join(tmpdir(), 'sluice-peer-test-'));
  t.after(() => rmSync(workDir, { recursive: true, force: true }));
  const peer = await makePeer(workDir);
  if (typeof peer === 'string') {
    t.skip(peer);
    return;
  }
  const bootstrap = brokers[0]!;
  const admin = new Admin({ ...common, clientId: 'peer-test', bootstrapBrokers: [bootstrap] });
  const producer = rawProducer(bootstrap, 'peer-test');
  const topics: string[] = [];
  t.after(async () => {
    await deleteTopics(admin, topics);
    await producer.close().catch(() => undefined);
    await admin.close().catch(() => undefined);
  });
  const records = loginRecords(1000, 5);
  const input = `peer-test-${randomBytes(4).toString('hex')}`;
  const round = {
    bootstrap,
    input,
    valid: `${input}-valid`,
    invalid: `${input}-invalid`,
    group: `${input}-group`,
    expected: records.length,
    schemaFile: join(workDir, 'schema.json'),
  };
  writeFileSync(round.schemaFile, JSON.stringify(loginSchema));
  topics.push(input, round.valid, round.invalid);
  await fillLoginTopic(admin, producer, input, records);
  await createTopic(admin, producer, round.valid, loginPartitions);
  await createTopic(admin, producer, round.invalid, loginPartitions);

  const running = await peer.start(round);
  t.after(() => running.stop());
  running.go();
  const deadline = Date.now() + 120_000;
  while ((await recordsInTopic(admin, round.valid)) + (await recordsInTopic(admin, round.invalid)) < records.length) {
    assert.ok(Date.now() < deadline, `${peer.label} did not process ${records.length} records in 120 s: ${running.stderr().slice(-1000)}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }

  const expectedInvalid = records.filter((record) => !record.valid);
  const invalid = (await readValues(bootstrap, round.invalid, records.length, 5000)).map((value) => JSON.parse(value) as { error: string; record: string });
  assert.deepEqual(invalid.map((rejected) => rejected.record).sort(), expectedInvalid.map((record) => record.value).sort());
  for (const rejected of invalid) assert.ok(rejected.error.length > 0);

  const validate = new JsonSchemaCompiler().compile(loginSchema);
  const transform = compileSteps(loginPipeline.steps, {
    now: () => new Date(0),
    salt: 'unused',
    compileSchema: (schema) => new JsonSchemaCompiler().compile(schema),
  });
  const expectedValid = records
    .filter((record) => record.valid)
    .map((record) => {
      const data = JSON.parse(record.value) as unknown;
      assert.equal(validate(data), undefined);
      const outcome = transform(data);
      assert.ok(outcome.ok);
      return { ...(outcome.data as Record<string, unknown>), processed_at: 'set' };
    });
  const valid = (await readValues(bootstrap, round.valid, records.length, 5000)).map((value) => {
    const data = JSON.parse(value) as Record<string, unknown>;
    assert.match(String(data.processed_at), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    return { ...data, processed_at: 'set' };
  });
  const byDevice = (list: Record<string, unknown>[]): Record<string, unknown>[] =>
    [...list].sort((a, b) => String(a.device_id).localeCompare(String(b.device_id)));
  assert.deepEqual(byDevice(valid), byDevice(expectedValid));
}

void test('the Python loop sorts and reshapes user logins as Sluice’s source does', { timeout: 900_000 }, async (t) => {
  await checkPeer(t, async () => {
    const installed = await runInstallScript('python-loop.sh');
    return 'skip' in installed ? installed.skip : pythonLoop(installed.path);
  });
});

void test('the Kafka Streams topology sorts and reshapes user logins as Sluice’s source does', { timeout: 900_000 }, async (t) => {
  await checkPeer(t, async (workDir) => {
    const built = await runInstallScript('kafka-streams.sh');
    return 'skip' in built ? built.skip : streamsTopology(built.path, workDir, '256m');
  });
});
