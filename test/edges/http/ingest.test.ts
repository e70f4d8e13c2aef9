import assert from 'node:assert/strict';
import { test } from 'node:test';
import { partitionForKey } from '../../../src/domain/partitioner.ts';
import { startSluice, type TestSluice } from '../../helpers/sluice.ts';

const fruitSchema = { type: 'object', properties: { name: { type: 'string' }, seq: { type: 'integer' } }, required: ['name'] };

async function withFruits(s: TestSluice, extra: Record<string, unknown> = {}): Promise<string> {
  const key = await s.tenantWithKey('acme');
  const created = await s.call('PUT', '/v1/types/fruits', { token: key, body: { schema: fruitSchema, ...extra } });
  assert.equal(created.status, 201);
  return key;
}

/** Every record of a stream, partition by partition. */
async function readAll(s: TestSluice, key: string, stream: string): Promise<any[]> {
  const info = await s.call('GET', `/v1/streams/${stream}`, { token: key });
  assert.equal(info.status, 200);
  const records: any[] = [];
  for (let partition = 0; partition < info.body.partitions; partition++) {
    const page = await s.call('GET', `/v1/streams/${stream}/events?partition=${partition}&limit=1000`, { token: key });
    assert.equal(page.status, 200);
    records.push(...page.body.items);
  }
  return records;
}

void test('one JSON object is accepted with 200 and its position', async (t) => {
  const s = await startSluice(t);
  const key = await withFruits(s);
  const response = await s.call('POST', '/v1/events', { token: key, body: { type: 'fruits', data: { name: 'apple' } } });
  assert.equal(response.status, 200);
  assert.equal(response.body.accepted, 1);
  assert.equal(response.body.rejected, 0);
  assert.equal(response.body.results.length, 1);
  const [result] = response.body.results;
  assert.equal(result.stream, 'acme.fruits');
  assert.equal(result.offset, 0);
  assert.match(result.id, /^[0-9a-f-]{36}$/);

  const page = await s.call('GET', `/v1/streams/acme.fruits/events?partition=${result.partition as number}`, { token: key });
  assert.equal(page.body.items.length, 1);
  const record = page.body.items[0];
  assert.equal(record.id, result.id);
  assert.deepEqual(record.data, { name: 'apple' });
  assert.equal(record.type, 'fruits');
  assert.equal(record.tenant, 'acme');
  assert.equal(record.source, '/tenants/acme');
  assert.equal(record.key, null);
  assert.ok(!Number.isNaN(Date.parse(record.time)));
});

void test('a batch answers one result per event in request order: 200, 207 or 400', async (t) => {
  const s = await startSluice(t);
  const key = await withFruits(s);

  const allGood = await s.call('POST', '/v1/events', { token: key, body: [1, 2, 3].map((seq) => ({ type: 'fruits', data: { name: `f${seq}`, seq } })) });
  assert.equal(allGood.status, 200);
  assert.equal(allGood.body.accepted, 3);
  assert.equal(new Set(allGood.body.results.map((r: { id: string }) => r.id)).size, 3);

  const mixed = await s.call('POST', '/v1/events', {
    token: key,
    body: [
      { type: 'fruits', data: { name: 'ok-0' } },
      { type: 'fruits', data: { seq: 1 } },
      { type: 'fruits', data: { name: 'ok-2' } },
      { type: 'vegetables', data: { name: 'leek' } },
      { type: 'fruits', data: { name: 'ok-4' } },
    ],
  });
  assert.equal(mixed.status, 207);
  assert.equal(mixed.body.accepted, 3);
  assert.equal(mixed.body.rejected, 2);
  const results = mixed.body.results;
  assert.equal(results.length, 5);
  assert.equal(results[0].stream, 'acme.fruits');
  assert.equal(results[1].index, 1);
  assert.equal(results[1].error.code, 'schema_validation_failed');
  assert.equal(results[2].stream, 'acme.fruits');
  assert.equal(results[3].index, 3);
  assert.equal(results[3].error.code, 'unknown_type');
  assert.equal(results[4].stream, 'acme.fruits');
  // Dead letters are stored in request order too.
  assert.equal(results[1].deadLetter.stream, 'acme._dead');
  assert.equal(results[3].deadLetter.offset, (results[1].deadLetter.offset as number) + 1);

  const noneGood = await s.call('POST', '/v1/events', {
    token: key,
    body: [
      { type: 'fruits', data: {} },
      { type: 'nope', data: {} },
    ],
  });
  assert.equal(noneGood.status, 400);
  assert.equal(noneGood.body.accepted, 0);
  assert.equal(noneGood.body.rejected, 2);
  assert.deepEqual(
    noneGood.body.results.map((r: { index: number }) => r.index),
    [0, 1],
  );

  const stored = await readAll(s, key, 'acme.fruits');
  assert.equal(stored.length, 6);
});

void test('NDJSON: one event per line, a bad line is dead-lettered and the rest go on', async (t) => {
  const s = await startSluice(t);
  const key = await withFruits(s);
  const body = ['{"type":"fruits","data":{"name":"a"}}', '', '{"type":"fruits","data":{"name":', '{"type":"fruits","data":{"name":"c"}}', ''].join('\n');
  const response = await s.call('POST', '/v1/events', { token: key, raw: body, contentType: 'application/x-ndjson' });
  assert.equal(response.status, 207);
  assert.equal(response.body.accepted, 2);
  assert.equal(response.body.results.length, 3);
  assert.equal(response.body.results[1].index, 1);
  assert.equal(response.body.results[1].error.code, 'malformed_json');

  const dead = await s.call('GET', '/v1/dead-letters', { token: key });
  assert.equal(dead.body.items.length, 1);
  assert.equal(dead.body.items[0].code, 'malformed_json');
  assert.equal(dead.body.items[0].original, '{"type":"fruits","data":{"name":');
  const names = (await readAll(s, key, 'acme.fruits')).map((r) => r.data.name).sort();
  assert.deepEqual(names, ['a', 'c']);
});

void test('a rejected event becomes a dead letter with stage, code, message, details and the original', async (t) => {
  const s = await startSluice(t);
  const key = await withFruits(s);
  const raw = '{"type":"fruits","id":"evt-1","data":{"name":42}}';
  const response = await s.call('POST', '/v1/events', { token: key, raw });
  assert.equal(response.status, 400);
  const result = response.body.results[0];
  assert.equal(result.id, 'evt-1');
  assert.equal(result.error.code, 'schema_validation_failed');
  assert.deepEqual(result.error.details, [{ path: '/name', reason: 'must be string' }]);

  const listed = await s.call('GET', '/v1/dead-letters', { token: key });
  assert.equal(listed.status, 200);
  assert.equal(listed.body.items.length, 1);
  const deadLetter = listed.body.items[0];
  assert.equal(deadLetter.stage, 'ingest');
  assert.equal(deadLetter.code, 'schema_validation_failed');
  assert.match(deadLetter.message, /schema version 1/);
  assert.deepEqual(deadLetter.details, [{ path: '/name', reason: 'must be string' }]);
  assert.deepEqual(JSON.parse(deadLetter.original), JSON.parse(raw));
  assert.equal(deadLetter.type, 'fruits');
  assert.equal(deadLetter.id, 'evt-1');
  assert.equal(deadLetter.offset, result.deadLetter.offset);

  const filtered = await s.call('GET', '/v1/dead-letters?code=unknown_type', { token: key });
  assert.deepEqual(filtered.body.items, []);

  const fromStream = await s.call('GET', '/v1/streams/acme._dead/events', { token: key });
  assert.equal(fromStream.status, 200);
  assert.equal(fromStream.body.items.length, 1);
  assert.equal(fromStream.body.items[0].code, 'schema_validation_failed');
  assert.equal(fromStream.body.items[0].stage, 'ingest');
  assert.deepEqual(JSON.parse(fromStream.body.items[0].original), JSON.parse(raw));
  assert.equal(fromStream.body.next, 1);

  // Nothing reached the fruits stream.
  assert.equal((await readAll(s, key, 'acme.fruits')).length, 0);
});

void test('an unknown type is dead-lettered with unknown_type', async (t) => {
  const s = await startSluice(t);
  const key = await s.tenantWithKey('acme');
  const response = await s.call('POST', '/v1/events', { token: key, body: { type: 'ghosts', data: { boo: true } } });
  assert.equal(response.status, 400);
  assert.equal(response.body.results[0].error.code, 'unknown_type');
  const dead = await s.call('GET', '/v1/dead-letters?type=ghosts', { token: key });
  assert.equal(dead.body.items.length, 1);
  assert.equal(dead.body.items[0].code, 'unknown_type');
  assert.deepEqual(JSON.parse(dead.body.items[0].original).data, { boo: true });
  const streams = await s.call('GET', '/v1/streams', { token: key });
  assert.deepEqual(
    streams.body.items.map((stream: { name: string }) => stream.name),
    ['acme._dead'],
  );
});

void test('a repeated event id answers the original position with duplicate:true and is stored once', async (t) => {
  const s = await startSluice(t);
  const key = await withFruits(s);
  const event = { type: 'fruits', id: 'order-7', data: { name: 'apple' } };
  const first = await s.call('POST', '/v1/events', { token: key, body: event });
  assert.equal(first.status, 200);
  assert.equal(first.body.results[0].duplicate, undefined);

  const second = await s.call('POST', '/v1/events', { token: key, body: { ...event, data: { name: 'changed' } } });
  assert.equal(second.status, 200);
  assert.equal(second.body.accepted, 0);
  assert.equal(second.body.duplicates, 1);
  assert.equal(second.body.results[0].duplicate, true);
  assert.equal(second.body.results[0].id, 'order-7');
  assert.equal(second.body.results[0].partition, first.body.results[0].partition);
  assert.equal(second.body.results[0].offset, first.body.results[0].offset);

  // Within one batch too.
  const batch = await s.call('POST', '/v1/events', {
    token: key,
    body: [
      { type: 'fruits', id: 'order-8', data: { name: 'pear' } },
      { type: 'fruits', id: 'order-8', data: { name: 'pear' } },
    ],
  });
  assert.equal(batch.body.results[0].duplicate, undefined);
  assert.equal(batch.body.results[1].duplicate, true);
  assert.equal(batch.body.results[1].offset, batch.body.results[0].offset);
  assert.deepEqual([batch.body.accepted, batch.body.duplicates, batch.body.rejected], [1, 1, 0]);

  const stored = await readAll(s, key, 'acme.fruits');
  assert.deepEqual(stored.map((r) => r.id).sort(), ['order-7', 'order-8']);
  assert.deepEqual(stored.find((r) => r.id === 'order-7').data, { name: 'apple' });
});

void test('CloudEvents are deduplicated on source and id: one id from two sources is two events', async (t) => {
  const s = await startSluice(t);
  const key = await withFruits(s);
  const cloudEvent = (source: string, name: string) => ({ specversion: '1.0', type: 'fruits', id: 'ce-1', source, data: { name } });
  const first = await s.call('POST', '/v1/events', {
    token: key,
    body: [cloudEvent('/shop/a', 'apple'), cloudEvent('/shop/b', 'pear'), cloudEvent('/shop/a', 'again')],
  });
  assert.equal(first.status, 200);
  assert.deepEqual([first.body.accepted, first.body.duplicates], [2, 1]);
  assert.deepEqual(
    first.body.results.map((r: { duplicate?: true }) => r.duplicate ?? false),
    [false, false, true],
  );

  const again = await s.call('POST', '/v1/events', { token: key, body: cloudEvent('/shop/b', 'changed') });
  assert.deepEqual([again.body.accepted, again.body.duplicates], [0, 1]);
  assert.equal(again.body.results[0].offset, first.body.results[1].offset);

  const stored = await readAll(s, key, 'acme.fruits');
  assert.deepEqual(stored.map((r) => `${r.source} ${r.data.name}`).sort(), ['/shop/a apple', '/shop/b pear']);
});

void test('the partition key picks the partition: the same key always lands together, in order', async (t) => {
  const s = await startSluice(t);
  const key = await withFruits(s, { partitionKey: '/name', partitions: 4 });
  const names = ['apple', 'pear', 'plum', 'cherry', 'fig', 'kiwi'];
  let seq = 0;
  for (let round = 0; round < 3; round++) {
    const body = names.map((name) => ({ type: 'fruits', data: { name, seq: seq++ } }));
    const response = await s.call('POST', '/v1/events', { token: key, body });
    assert.equal(response.status, 200);
    response.body.results.forEach((result: { partition: number }, i: number) => {
      assert.equal(result.partition, partitionForKey(names[i]!, 4), names[i]);
    });
  }
  // An explicit key beats the partition key.
  const explicit = await s.call('POST', '/v1/events', { token: key, body: { type: 'fruits', key: 'fig', data: { name: 'apple', seq: seq++ } } });
  assert.equal(explicit.body.results[0].partition, partitionForKey('fig', 4));

  const records = await readAll(s, key, 'acme.fruits');
  assert.equal(records.length, 19);
  const byKey = new Map<string, { partition: number; seq: number }[]>();
  for (const record of records) {
    const list = byKey.get(record.key) ?? [];
    list.push({ partition: record.partition, seq: record.data.seq });
    byKey.set(record.key, list);
  }
  for (const [name, list] of byKey) {
    assert.equal(new Set(list.map((r) => r.partition)).size, 1, `key ${name} is in one partition`);
    const seqs = list.map((r) => r.seq);
    assert.deepEqual(
      seqs,
      [...seqs].sort((a, b) => a - b),
      `key ${name} keeps its order`,
    );
  }
  assert.equal(byKey.get('fig')!.length, 4);
  assert.ok(new Set(records.map((r) => r.partition)).size > 1, 'the keys spread over several partitions');
});

void test('a partition key that points at nothing usable is refused with invalid_key', async (t) => {
  const s = await startSluice(t);
  const key = await s.tenantWithKey('acme');
  await s.call('PUT', '/v1/types/users', { token: key, body: { schema: { type: 'object' }, partitionKey: '/user/id' } });
  const response = await s.call('POST', '/v1/events', {
    token: key,
    body: [
      { type: 'users', data: { user: { id: 7 } } },
      { type: 'users', data: { user: {} } },
      { type: 'users', data: { user: { id: { nested: true } } } },
      { type: 'users', data: { user: { id: 'u'.repeat(1025) } } },
      { type: 'users', key: 'k'.repeat(1025), data: { user: { id: 1 } } },
    ],
  });
  assert.equal(response.status, 207);
  assert.equal(response.body.results[0].partition, partitionForKey('7', 4));
  assert.equal(response.body.results[1].error.code, 'invalid_key');
  assert.equal(response.body.results[1].error.details[0].path, '/user/id');
  assert.equal(response.body.results[2].error.code, 'invalid_key');
  assert.equal(response.body.results[3].error.code, 'invalid_key');
  assert.equal(response.body.results[4].error.code, 'invalid_event');
  assert.equal(response.body.results[4].error.details[0].path, '/key');
});

void test('an explicit schemaVersion validates against that version', async (t) => {
  const s = await startSluice(t);
  const key = await withFruits(s);
  const v2 = { type: 'object', properties: { name: { type: 'string' }, colour: { type: 'string' } }, required: ['name', 'colour'] };
  const second = await s.call('PUT', '/v1/types/fruits', { token: key, body: { schema: v2, compatibility: 'NONE' } });
  assert.equal(second.body.version, 2);
  const first = await s.call('GET', '/v1/types/fruits/versions/1', { token: key });

  const response = await s.call('POST', '/v1/events', {
    token: key,
    body: [
      { type: 'fruits', schemaVersion: 1, data: { name: 'apple' } },
      { type: 'fruits', data: { name: 'apple' } },
      { type: 'fruits', data: { name: 'apple', colour: 'red' } },
      { type: 'fruits', schemaVersion: 3, data: { name: 'apple' } },
    ],
  });
  assert.equal(response.status, 207);
  assert.equal(response.body.results[0].stream, 'acme.fruits');
  assert.equal(response.body.results[1].error.code, 'schema_validation_failed');
  assert.equal(response.body.results[1].error.details[0].path, '/colour');
  assert.equal(response.body.results[2].stream, 'acme.fruits');
  assert.equal(response.body.results[3].error.code, 'unknown_version');

  const records = await readAll(s, key, 'acme.fruits');
  const byId = new Map(records.map((r) => [r.id, r]));
  assert.equal(byId.get(response.body.results[0].id).schemaId, first.body.schemaId);
  assert.equal(byId.get(response.body.results[2].id).schemaId, second.body.schemaId);
});

void test('producer attributes (source, subject, time) are kept on the record', async (t) => {
  const s = await startSluice(t);
  const key = await withFruits(s);
  const response = await s.call('POST', '/v1/events', {
    token: key,
    body: { type: 'fruits', id: 'a-1', source: '/orchard/3', subject: 'tree-9', time: '2026-01-31T12:00:00Z', data: { name: 'apple' } },
  });
  assert.equal(response.status, 200);
  const [record] = await readAll(s, key, 'acme.fruits');
  assert.equal(record.id, 'a-1');
  assert.equal(record.source, '/orchard/3');
  assert.equal(record.subject, 'tree-9');
  assert.equal(record.time, '2026-01-31T12:00:00Z');
  const badTime = await s.call('POST', '/v1/events', { token: key, body: { type: 'fruits', time: 'yesterday', data: { name: 'apple' } } });
  assert.equal(badTime.status, 400);
  assert.equal(badTime.body.results[0].error.code, 'invalid_event');
  assert.equal(badTime.body.results[0].error.details[0].path, '/time');
});

void test('GET /v1/streams/{stream}/events/{id} answers one event by its id; a CloudEvent by source and id; 404 says how', async (t) => {
  const s = await startSluice(t);
  const key = await withFruits(s, { partitions: 3 });
  const sent = await s.call('POST', '/v1/events', {
    token: key,
    body: [
      { type: 'fruits', id: 'order-9', data: { name: 'plum' } },
      { type: 'fruits', data: { name: 'generated id' } },
      { specversion: '1.0', type: 'fruits', id: 'ce-7', source: '/shop', data: { name: 'kiwi' } },
    ],
  });
  assert.equal(sent.status, 200);
  const one = await s.call('GET', '/v1/streams/acme.fruits/events/order-9', { token: key });
  assert.equal(one.status, 200);
  assert.deepEqual(
    [one.body.id, one.body.data, one.body.partition, one.body.offset],
    ['order-9', { name: 'plum' }, sent.body.results[0].partition, sent.body.results[0].offset],
  );
  // On the embedded store an id Sluice generated is found too.
  const generated = await s.call('GET', `/v1/streams/acme.fruits/events/${String(sent.body.results[1].id)}`, { token: key });
  assert.deepEqual(generated.body.data, { name: 'generated id' });
  const cloudEvent = await s.call('GET', '/v1/streams/acme.fruits/events/ce-7?source=%2Fshop', { token: key });
  assert.deepEqual(cloudEvent.body.data, { name: 'kiwi' });
  const missing = await s.call('GET', '/v1/streams/acme.fruits/events/nope', { token: key });
  assert.equal(missing.status, 404);
  assert.equal(missing.body.error.code, 'not_found');
  assert.match(missing.body.error.details[0].reason, /source/);
  const other = await s.tenantWithKey('globex');
  assert.equal((await s.call('GET', '/v1/streams/acme.fruits/events/order-9', { token: other })).status, 404);
});
