import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { resolveKafkaOptions } from '../../../src/adapters/kafka/client-options.ts';
import { deleteTestTopics, kafkaBrokers } from '../../helpers/kafka.ts';
import { startSluice } from '../../helpers/sluice.ts';

void test('on Kafka, limits.dedupWindowIds reaches the event log: a repeat beyond the window is stored again', { timeout: 60_000 }, async (t) => {
  const brokers = kafkaBrokers(t);
  if (brokers === undefined) return;
  const topicPrefix = `sluicehttp-${randomBytes(4).toString('hex')}-`;
  t.after(() => deleteTestTopics(resolveKafkaOptions({ brokers, topicPrefix })));
  const s = await startSluice(t, { kafka: { brokers, topicPrefix }, limits: { dedupWindowIds: 2 } });
  const key = await s.tenantWithKey('acme');
  assert.equal((await s.call('PUT', '/v1/types/fruits', { token: key, body: { schema: true, partitions: 1 } })).status, 201);
  const send = async (id: string): Promise<{ duplicate?: boolean; offset: number }> =>
    (await s.call('POST', '/v1/events', { token: key, body: { type: 'fruits', id, data: { id } } })).body.results[0];

  for (const id of ['e1', 'e2', 'e3']) await send(id);
  assert.equal((await send('e3')).duplicate, true, 'within the last two ids');
  const again = await send('e1');
  assert.deepEqual([again.duplicate, again.offset], [undefined, 3], 'e1 fell out of the window: stored again');
});
