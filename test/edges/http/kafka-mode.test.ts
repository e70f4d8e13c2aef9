import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { deleteTestTopics, kafkaBrokers } from '../../helpers/kafka.ts';
import { resolveKafkaOptions } from '../../../src/adapters/kafka/client-options.ts';
import { startSluice } from '../../helpers/sluice.ts';

// The same HTTP API on a real Kafka broker: every port on Kafka, nothing in the data directory but the admin token.
void test(
  'on Kafka: tenants, types, ingest with dead letters, reads, consumer groups and the tail work as on the embedded store',
  { timeout: 60_000 },
  async (t) => {
    const brokers = kafkaBrokers(t);
    if (brokers === undefined) return;
    const topicPrefix = `sluicehttp-${randomBytes(4).toString('hex')}-`;
    t.after(() => deleteTestTopics(resolveKafkaOptions({ brokers, topicPrefix })));
    const s = await startSluice(t, { kafka: { brokers, topicPrefix } });
    const key = await s.tenantWithKey('acme');
    const type = await s.call('PUT', '/v1/types/fruits', {
      token: key,
      body: { schema: { type: 'object', required: ['name'], properties: { name: { type: 'string' } } }, partitions: 2, partitionKey: '/name' },
    });
    assert.equal(type.status, 201);

    const answer = await s.call('POST', '/v1/events', {
      token: key,
      body: [
        { type: 'fruits', id: 'e1', data: { name: 'apple' } },
        { type: 'fruits', id: 'e2', data: { name: 'pear' } },
        { type: 'fruits', data: { colour: 'red' } },
        { type: 'fruits', id: 'e1', data: { name: 'apple' } },
      ],
    });
    assert.equal(answer.status, 207);
    assert.deepEqual([answer.body.accepted, answer.body.duplicates], [2, 1]);
    assert.equal(answer.body.results[3].duplicate, true, 'a repeated id is stored once');
    assert.equal(answer.body.results[2].error.code, 'schema_validation_failed');

    const stream = await s.call('GET', '/v1/streams/acme.fruits', { token: key });
    assert.equal(stream.body.partitions, 2);
    assert.equal(
      stream.body.endOffsets.reduce((sum: number, n: number) => sum + n, 0),
      2,
    );
    const dead = await s.call('GET', '/v1/dead-letters', { token: key });
    assert.equal(dead.body.items.length, 1);

    const read: string[] = [];
    for (let partition = 0; partition < 2; partition++) {
      const page = await s.call('GET', `/v1/streams/acme.fruits/events?partition=${partition}`, { token: key });
      read.push(...page.body.items.map((item: { id: string }) => item.id));
    }
    assert.deepEqual(read.sort(), ['e1', 'e2']);

    const poll = await s.call('POST', '/v1/groups/billing/poll', { token: key, body: { streams: ['acme.fruits'], member: 'm1' } });
    assert.equal(poll.status, 200);
    assert.equal(poll.body.items.length, 2);
    const commit = await s.call('POST', '/v1/groups/billing/commit', { token: key, body: { member: 'm1' } });
    assert.equal(commit.status, 200);
    const group = await s.call('GET', '/v1/groups/billing', { token: key });
    assert.equal(
      group.body.offsets.reduce((sum: number, o: { lag: number }) => sum + o.lag, 0),
      0,
    );
  },
);
