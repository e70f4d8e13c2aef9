/**
 * The fan-out Sluice replaces ("validate → S3 → SNS → subscribers"): two producers send
 * readings (id, created_at in epoch ms, value 0–100); valid ones are pushed to two
 * subscriber endpoints, invalid ones wait in the dead letters with the reason.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Webhook } from 'standardwebhooks';
import { startReceiver } from '../../helpers/receiver.ts';
import { startSluice } from '../../helpers/sluice.ts';

const schema = {
  type: 'object',
  required: ['id', 'created_at', 'value'],
  additionalProperties: false,
  properties: { id: { type: 'string' }, created_at: { type: 'integer', minimum: 0 }, value: { type: 'number', minimum: 0, maximum: 100 } },
};

void test('producer1 and producer2: valid readings reach both subscribers, invalid ones are dead letters', async (t) => {
  const s = await startSluice(t, { delivery: { allowPrivateNetworks: true } });
  const key = await s.tenantWithKey('sensors');
  assert.equal((await s.call('PUT', '/v1/types/reading', { token: key, body: { schema, partitionKey: '/id' } })).status, 201);
  const analytics = await startReceiver(t);
  const alerts = await startReceiver(t);
  const secrets: string[] = [];
  for (const [name, receiver] of [
    ['analytics', analytics],
    ['alerts', alerts],
  ] as const) {
    const created = await s.call('PUT', `/v1/subscriptions/${name}`, { token: key, body: { types: ['reading'], destination: { url: receiver.url } } });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    secrets.push(created.body.secret as string);
  }
  const now = Date.now();
  const valid = ['producer1', 'producer2'].flatMap((producer) =>
    Array.from({ length: 25 }, (_, i) => ({ type: 'reading', source: producer, data: { id: `${producer}-${i}`, created_at: now + i, value: (i * 7) % 101 } })),
  );
  const invalid = [
    { type: 'reading', source: 'producer1', data: { id: 'producer1-bad-1', created_at: now, value: 150 } },
    { type: 'reading', source: 'producer2', data: { id: 'producer2-bad-1', created_at: 'yesterday', value: 5 } },
    { type: 'reading', source: 'producer2', data: { id: 'producer2-bad-2', value: 5 } },
  ];
  const answer = await s.call('POST', '/v1/events', { token: key, body: [...valid, ...invalid] });
  assert.equal(answer.status, 207, JSON.stringify(answer.body));

  for (const [i, receiver] of [analytics, alerts].entries()) {
    await receiver.until((r) => r.length === valid.length);
    const webhook = new Webhook(secrets[i]!);
    const ids = receiver.requests.map((r) => (webhook.verify(r.body, r.headers as Record<string, string>) as { data: { id: string } }).data.id).sort();
    assert.deepEqual(ids, valid.map((e) => e.data.id).sort());
    const sources = new Set(receiver.requests.map((r) => (JSON.parse(r.body) as { source: string }).source));
    assert.deepEqual([...sources].sort(), ['producer1', 'producer2']);
  }
  const dead = await s.call('GET', '/v1/dead-letters', { token: key });
  assert.equal(dead.body.items.length, 3);
  for (const item of dead.body.items) {
    assert.equal(item.stage, 'ingest');
    assert.equal(item.code, 'schema_validation_failed');
  }
});
