/**
 * Sluice on a three-node Kafka cluster with replication factor 3 (min ISR 2): one node is
 * killed under load. Producers keep going as real ones would: a 503 is retried after a pause
 * with the same events (same ids), so the retry is safe. When the load ends, every
 * acknowledged event must be stored exactly once, where it was acknowledged, with dense
 * offsets and each producer's events of one key in the order they were sent.
 *
 * The test starts its own cluster (scripts/kafka.sh --name) and stops it afterwards;
 * SLUICE_TEST_KAFKA only says that Kafka tests are wanted. Three brokers on two cores are
 * heavy, so the load is small.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { spawnSluice } from '../helpers/process.ts';
import { adminToken, tempDir } from '../helpers/sluice.ts';
import { brokerName, kafkaSkip, runKafkaScript, timedCall, topicPrefix } from './kafka-faults.ts';
import { callJson, readPartition, type SentData } from './load.ts';

const tenant = 'replicated';
const type = 'ticks';
const stream = `${tenant}.${type}`;
const partitions = 6;
const keys = Array.from({ length: 12 }, (_, i) => `k${i}`);

const schema = {
  type: 'object',
  required: ['k', 'p', 'seq'],
  additionalProperties: false,
  properties: { k: { type: 'string' }, p: { type: 'string' }, seq: { type: 'integer', minimum: 0 } },
};

interface Report {
  acknowledged: Map<string, { partition: number; offset: number }>;
  sent: Map<string, SentData>;
  /** Status of every answer other than 200. */
  refused: number[];
  /** The longest time one request took, and the longest a 503 took. */
  slowestMs: number;
  slowestRefusalMs: number;
  unexpected: string[];
}

/** Sends batches one at a time until `stop()`; a 503 is sent again, unchanged, after a pause. */
async function produceWithRetry(url: string, token: string, producer: string, stop: () => boolean, onAcknowledged: (count: number) => void): Promise<Report> {
  const report: Report = { acknowledged: new Map(), sent: new Map(), refused: [], unexpected: [], slowestMs: 0, slowestRefusalMs: 0 };
  const sequence = new Map<string, number>();
  let counter = 0;
  for (let request = 0; request < 2000 && !stop(); request++) {
    const events = Array.from({ length: 1 + Math.floor(Math.random() * 10) }, () => {
      const k = keys[Math.floor(Math.random() * keys.length)]!;
      const seq = sequence.get(k) ?? 0;
      sequence.set(k, seq + 1);
      const id = `${producer}-${counter++}`;
      report.sent.set(id, { k, p: producer, seq });
      return { type, id, data: { k, p: producer, seq } };
    });
    // The same batch until it is acknowledged, however long the cluster needs (bounded).
    for (let attempt = 0; ; attempt++) {
      const answer = await timedCall(url, 'POST', '/v1/events', token, events, 60_000);
      report.slowestMs = Math.max(report.slowestMs, answer.elapsedMs);
      if (answer.status === 503) report.slowestRefusalMs = Math.max(report.slowestRefusalMs, answer.elapsedMs);
      if (answer.status === 200) {
        for (const result of answer.body.results as { id: string; partition: number; offset: number }[])
          report.acknowledged.set(result.id, { partition: result.partition, offset: result.offset });
        onAcknowledged(events.length);
        break;
      }
      report.refused.push(answer.status);
      if (answer.status !== 503 || attempt >= 40) {
        report.unexpected.push(`${answer.status} ${JSON.stringify(answer.body).slice(0, 300)}`);
        return report;
      }
      await sleep(500);
    }
  }
  return report;
}

void test('3-node cluster, replication factor 3: killing one node under load loses no acknowledged event', { skip: kafkaSkip, timeout: 150_000 }, async (t) => {
  const name = brokerName('cluster');
  t.after(() => runKafkaScript(['cluster-stop', '--name', name]));
  const started = Date.now();
  const bootstrap = await runKafkaScript(['cluster-start', '--name', name, '--fresh'], 150_000);
  t.diagnostic(`cluster ${bootstrap} up after ${Date.now() - started} ms`);
  const server = await spawnSluice(
    t,
    ['--data-dir', tempDir(t, 'sluice-cluster-')],
    {
      SLUICE_ADMIN_TOKEN: adminToken,
      SLUICE_KAFKA_BROKERS: bootstrap,
      SLUICE_KAFKA_TOPIC_PREFIX: topicPrefix(),
      SLUICE_KAFKA_REPLICATION_FACTOR: '3',
    },
    60_000,
  );
  await callJson(server.url, 'POST', '/v1/tenants', adminToken, { id: tenant }, 201);
  const { key } = (await callJson(server.url, 'POST', `/v1/tenants/${tenant}/keys`, adminToken, { scopes: ['produce', 'consume', 'manage'] }, 201)) as {
    key: string;
  };
  await callJson(server.url, 'PUT', `/v1/types/${type}`, key, { schema, partitions, partitionKey: '/k' }, 201);

  let stop = false;
  let acknowledgedSoFar = 0;
  const load = Array.from({ length: 4 }, (_, i) =>
    produceWithRetry(
      server.url,
      key,
      `p${i}`,
      () => stop,
      (count) => (acknowledgedSoFar += count),
    ),
  );
  // Once the load flows, kill a node, and keep the load going on the two that are left.
  for (let waited = 0; acknowledgedSoFar === 0 && waited < 30_000; waited += 20) await sleep(20);
  await sleep(1000);
  const node = 1 + Math.floor(Math.random() * 3);
  await runKafkaScript(['stop-node', String(node), '--name', name, '--kill'], 60_000);
  const killedAt = Date.now();
  const beforeKill = acknowledgedSoFar;
  await sleep(4000);
  stop = true;
  const reports = await Promise.all(load);
  t.diagnostic(`node ${node} killed after ${beforeKill} events were acknowledged; load ended ${Date.now() - killedAt} ms later`);

  const acknowledged = new Map<string, { partition: number; offset: number }>();
  const sent = new Map<string, SentData>();
  const refused: number[] = [];
  for (const report of reports) {
    assert.deepEqual(report.unexpected, [], 'a producer got an answer other than 200 or a retried 503');
    for (const [id, position] of report.acknowledged) acknowledged.set(id, position);
    for (const [id, data] of report.sent) sent.set(id, data);
    refused.push(...report.refused);
  }
  t.diagnostic(`${acknowledged.size} events acknowledged; ${refused.length} answers were 503 and retried`);
  t.diagnostic(`slowest request ${Math.max(...reports.map((r) => r.slowestMs))} ms; slowest 503 ${Math.max(...reports.map((r) => r.slowestRefusalMs))} ms`);
  assert.ok(acknowledged.size > 0);
  // The producers retry until acknowledged, so every event sent is acknowledged.
  assert.equal(acknowledged.size, sent.size, 'an event was sent but never acknowledged');

  // The catalog works on the two nodes left (its partition's leader may have been the one
  // killed): a key made now is accepted, after Retry-After if the follower is catching up.
  let reader: string | undefined;
  const keyStatuses: number[] = [];
  for (let attempt = 0; attempt < 30 && reader === undefined; attempt++) {
    const answer = await timedCall(server.url, 'POST', `/v1/tenants/${tenant}/keys`, adminToken, { scopes: ['consume'] }, 45_000);
    keyStatuses.push(answer.status);
    if (answer.status === 201) reader = answer.body.key as string;
    else {
      assert.equal(answer.status, 503, JSON.stringify(answer.body));
      await sleep(1000);
    }
  }
  t.diagnostic(`making a key with node ${node} down answered ${keyStatuses.join(', ')}`);
  assert.ok(reader !== undefined, `the catalog did not work with node ${node} down: ${keyStatuses.join(', ')}`);

  // Read back through the surviving nodes: exactly once, where acknowledged, in order.
  const info = (await callJson(server.url, 'GET', `/v1/streams/${stream}`, reader, undefined, 200)) as { partitions: number; endOffsets: number[] };
  const stored = new Set<string>();
  for (let partition = 0; partition < partitions; partition++) {
    const records = await readPartition(server.url, reader, stream, partition, sent.size);
    assert.equal(records.length, info.endOffsets[partition], `partition ${partition}: the end offset is not the number of records`);
    const lastSeq = new Map<string, number>();
    records.forEach((record, index) => {
      assert.equal(record.offset, index, `partition ${partition}: offsets are not dense from 0`);
      assert.equal(stored.has(record.id), false, `event ${record.id} is stored twice`);
      stored.add(record.id);
      assert.deepEqual(record.data, sent.get(record.id), `event ${record.id} is not what was sent`);
      assert.deepEqual(acknowledged.get(record.id), { partition, offset: record.offset }, `event ${record.id} is not where it was acknowledged`);
      const sequence = `${record.data.p}/${record.data.k}`;
      assert.ok(record.data.seq > (lastSeq.get(sequence) ?? -1), `${sequence}: seq ${record.data.seq} out of order`);
      lastSeq.set(sequence, record.data.seq);
    });
  }
  assert.equal(stored.size, acknowledged.size, 'acknowledged events are missing');
});
