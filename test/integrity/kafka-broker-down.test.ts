/**
 * Sluice on a Kafka broker that goes away: ingest must answer 503 `store_unavailable` with
 * Retry-After in bounded time instead of hanging, and work again by itself once the broker is
 * back; `sluice start --kafka` on a broker that is down must wait with a clear log line and
 * serve once the broker is up.
 *
 * These tests stop and start a broker, so they start their own (scripts/kafka.sh --name) and
 * never touch the one in SLUICE_TEST_KAFKA; that variable only says Kafka tests are wanted.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { MultipleErrors, NetworkError, TimeoutError } from '@platformatic/kafka';
import { toSluiceError } from '../../src/edges/http/error-handler.ts';
import { toPortError } from '../../src/adapters/kafka/port-errors.ts';
import { StoreUnavailable } from '../../src/ports/errors.ts';
import { spawnSluice } from '../helpers/process.ts';
import { adminToken, tempDir } from '../helpers/sluice.ts';
import { brokerName, kafkaSkip, kafkaWanted, listening, runKafkaScript, spawnLoggedSluice, timedCall, topicPrefix } from './kafka-faults.ts';
import { callJson, readPartition } from './load.ts';

const name = brokerName('down');
let bootstrap = '';

before(async () => {
  if (!kafkaWanted) return;
  bootstrap = await runKafkaScript(['start', '--name', name, '--fresh']);
});

after(async () => {
  if (!kafkaWanted) return;
  await runKafkaScript(['stop', '--name', name]);
});

const type = 'pings';
const schema = { type: 'object', required: ['n'], properties: { n: { type: 'integer' } } };

/** Creates a tenant, a key and the type; answers the key. */
async function setUp(url: string, tenant: string): Promise<string> {
  await callJson(url, 'POST', '/v1/tenants', adminToken, { id: tenant }, 201);
  const { key } = (await callJson(url, 'POST', `/v1/tenants/${tenant}/keys`, adminToken, { scopes: ['produce', 'consume', 'manage'] }, 201)) as { key: string };
  await callJson(url, 'PUT', `/v1/types/${type}`, key, { schema, partitions: 2 }, 201);
  return key;
}

function events(prefix: string, count: number): { type: string; id: string; data: { n: number } }[] {
  return Array.from({ length: count }, (_, n) => ({ type, id: `${prefix}-${n}`, data: { n } }));
}

void test(
  'sluice start --kafka waits for a broker that is down, logging each retry, and serves once it is up',
  { skip: kafkaSkip, timeout: 90_000 },
  async (t) => {
    await runKafkaScript(['stop', '--name', name, '--keep']);
    const sluice = spawnLoggedSluice(t, ['--data-dir', tempDir(t, 'sluice-kafka-down-'), '--kafka', bootstrap], {
      SLUICE_ADMIN_TOKEN: adminToken,
      SLUICE_KAFKA_TOPIC_PREFIX: topicPrefix(),
    });
    const retry = await sluice.waitForLog((entry) => entry.msg === 'Kafka is not reachable yet; retrying', 30_000);
    assert.deepEqual(retry.brokers, [bootstrap], 'the retry log line names the brokers it waits for');
    assert.equal(typeof retry.retryInMs, 'number');
    assert.equal(
      sluice.logs.some((entry) => entry.msg === 'sluice is listening'),
      false,
      'sluice listened before Kafka was reachable',
    );

    const restarted = await runKafkaScript(['start', '--name', name]);
    assert.equal(restarted, bootstrap, 'the broker came back on other ports');
    const url = await listening(sluice, 60_000);
    const connected = sluice.logs.find((entry) => entry.msg === 'connected to Kafka');
    assert.ok(connected !== undefined, 'no "connected to Kafka" line');
    t.diagnostic(`connected after ${String(connected.attempt)} attempts`);

    const key = await setUp(url, 'waited');
    const answer = await timedCall(url, 'POST', '/v1/events', key, events('w', 5), 30_000);
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    assert.equal(answer.body.accepted, 5);
  },
);

void test(
  'broker down while running: ingest answers 503 store_unavailable with Retry-After, and recovers by itself',
  { skip: kafkaSkip, timeout: 90_000 },
  async (t) => {
    // The broker may still be stopped if the previous test failed half-way; start is idempotent.
    await runKafkaScript(['start', '--name', name]);
    const server = await spawnSluice(t, ['--data-dir', tempDir(t, 'sluice-kafka-down-'), '--kafka', bootstrap], {
      SLUICE_ADMIN_TOKEN: adminToken,
      SLUICE_KAFKA_TOPIC_PREFIX: topicPrefix(),
    });
    const key = await setUp(server.url, 'outage');
    const stream = `outage.${type}`;
    const acknowledged = new Map<string, { partition: number; offset: number }>();
    const remember = (body: { results: { id: string; partition: number; offset: number }[] }): void => {
      for (const result of body.results) acknowledged.set(result.id, { partition: result.partition, offset: result.offset });
    };

    const before = await timedCall(server.url, 'POST', '/v1/events', key, events('before', 10), 30_000);
    assert.equal(before.status, 200, JSON.stringify(before.body));
    remember(before.body);

    await runKafkaScript(['stop', '--name', name, '--keep']);
    const during = events('during', 10);
    // Bounded: the client's limits (10 s timeout, 3 retries) must surface the outage well within 45 s.
    const refused = await timedCall(server.url, 'POST', '/v1/events', key, during, 45_000);
    t.diagnostic(`ingest with the broker down answered ${refused.status} after ${refused.elapsedMs} ms`);
    assert.equal(refused.status, 503, JSON.stringify(refused.body));
    assert.equal(refused.body.error.code, 'store_unavailable');
    assert.equal(typeof refused.body.error.fix, 'string');
    const retryAfter = Number(refused.headers.get('retry-after'));
    assert.ok(Number.isInteger(retryAfter) && retryAfter > 0, `Retry-After is "${refused.headers.get('retry-after')}"`);
    // Reads and group polls need the broker too: 503 store_unavailable in bounded time, not a 500.
    const read = await timedCall(server.url, 'GET', `/v1/streams/${stream}/events?partition=0&from=0&limit=10`, key, undefined, 45_000);
    const polled = await timedCall(server.url, 'POST', '/v1/groups/g/poll', key, { streams: [stream], member: 'm', waitMs: 0 }, 45_000);
    t.diagnostic(`with the broker down, a read answered ${read.status} ${JSON.stringify(read.body).slice(0, 200)} after ${read.elapsedMs} ms`);
    t.diagnostic(`with the broker down, a group poll answered ${polled.status} ${JSON.stringify(polled.body).slice(0, 200)} after ${polled.elapsedMs} ms`);
    for (const [what, answer] of [
      ['a read', read],
      ['a group poll', polled],
    ] as const) {
      assert.equal(answer.status, 503, `${what} with the broker down: ${JSON.stringify(answer.body)}`);
      assert.equal(answer.body.error.code, 'store_unavailable');
      assert.ok(Number(answer.headers.get('retry-after')) > 0, `${what}: no Retry-After`);
    }
    // The process stays up and keeps answering what does not need the broker.
    const health = await timedCall(server.url, 'GET', '/healthz', key, undefined, 10_000);
    assert.equal(health.status, 200);

    await runKafkaScript(['start', '--name', name]);
    // Retry as a producer would, after Retry-After, with the same ids: no restart of Sluice.
    let recovered: Awaited<ReturnType<typeof timedCall>> | undefined;
    const statuses: number[] = [];
    for (let attempt = 0; attempt < 30 && recovered === undefined; attempt++) {
      const answer = await timedCall(server.url, 'POST', '/v1/events', key, during, 45_000);
      statuses.push(answer.status);
      if (answer.status === 200) recovered = answer;
      else {
        assert.equal(answer.status, 503, JSON.stringify(answer.body));
        await sleep(1000);
      }
    }
    t.diagnostic(`after the broker came back, the retries answered ${statuses.join(', ')}`);
    assert.ok(recovered !== undefined, `ingest did not recover: ${statuses.join(', ')}`);
    assert.equal(recovered.body.accepted, during.length);
    remember(recovered.body);
    // The catalog follower is back too: a key can be made (after Retry-After, if it has not
    // caught up yet), and it works.
    let newKey: string | undefined;
    const keyStatuses: number[] = [];
    for (let attempt = 0; attempt < 30 && newKey === undefined; attempt++) {
      const answer = await timedCall(server.url, 'POST', '/v1/tenants/outage/keys', adminToken, { scopes: ['produce', 'consume'] }, 45_000);
      keyStatuses.push(answer.status);
      if (answer.status === 201) newKey = answer.body.key as string;
      else {
        assert.equal(answer.status, 503, JSON.stringify(answer.body));
        await sleep(1000);
      }
    }
    t.diagnostic(`making a key after the broker came back answered ${keyStatuses.join(', ')}`);
    assert.ok(newKey !== undefined, `the catalog did not recover: ${keyStatuses.join(', ')}`);
    const later = await timedCall(server.url, 'POST', '/v1/events', newKey, events('after', 10), 30_000);
    assert.equal(later.status, 200, JSON.stringify(later.body));
    remember(later.body);

    // Every acknowledged event is stored exactly once, where it was acknowledged.
    const stored = new Map<string, { partition: number; offset: number }>();
    for (let partition = 0; partition < 2; partition++) {
      const records = await readPartition(server.url, key, stream, partition, 1000);
      for (const record of records) {
        assert.equal(stored.has(record.id), false, `event ${record.id} is stored twice`);
        stored.set(record.id, { partition: record.partition, offset: record.offset });
      }
    }
    assert.equal(acknowledged.size, 30);
    for (const [id, position] of acknowledged) assert.deepEqual(stored.get(id), position, `event ${id} is not where it was acknowledged`);
    assert.equal(stored.size, acknowledged.size, 'the stream holds events that were never acknowledged');
  },
);

void test('Kafka client errors for an unreachable cluster leave the adapter as StoreUnavailable, answered 503 store_unavailable with Retry-After, not internal', () => {
  const network = new NetworkError('Connection to 127.0.0.1:1 failed.');
  const retried = new MultipleErrors('Listing topics failed.', [network, new NetworkError('again')]);
  const timedOut = new MultipleErrors('Producing failed.', [new TimeoutError('Request timed out.')]);
  for (const error of [network, retried, timedOut, new Error('wrapped', { cause: retried })]) {
    const portError = toPortError(error);
    assert.ok(portError instanceof StoreUnavailable, error.message);
    const mapped = toSluiceError(portError);
    assert.equal(mapped.code, 'store_unavailable', error.message);
    assert.equal(mapped.status, 503);
    assert.ok((mapped.retryAfter ?? 0) > 0);
  }
  // Anything else stays an internal error.
  assert.equal(toSluiceError(toPortError(new Error('boom')) as Error).code, 'internal');
  assert.equal(toSluiceError(toPortError(new MultipleErrors('Fetch failed.', [new Error('decoding')])) as Error).code, 'internal');
  // The HTTP edge knows no Kafka client codes: only the port's error class.
  assert.equal(toSluiceError(network).code, 'internal');
});
