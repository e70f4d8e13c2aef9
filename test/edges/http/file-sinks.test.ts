/**
 * File sinks on the embedded store: records archived under
 * `<archive>/<tenant>/<dir>/<stream>/<yyyy>/<mm>/<dd>/<hh>/<partition>-<first offset>.ndjson[.gz]`,
 * rotated by size and age, each file complete once visible.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { archiveFiles } from '../../helpers/archive.ts';
import { startSluice, tempDir } from '../../helpers/sluice.ts';

async function until<T>(what: () => T, done: (value: T) => boolean, timeoutMs = 15_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = what();
    if (done(value) || Date.now() > end) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

void test('a file sink archives every record once, in hourly folders, rotated by size; gzip reads back whole', async (t) => {
  const archive = tempDir(t, 'sluice-archive-');
  const s = await startSluice(t, { delivery: { archiveDir: archive } });
  const key = await s.tenantWithKey('shop');
  assert.equal((await s.call('PUT', '/v1/types/order', { token: key, body: { schema: { type: 'object' }, partitions: 2 } })).status, 201);
  for (const [name, format] of [
    ['plain', 'ndjson'],
    ['zipped', 'ndjson.gz'],
  ] as const) {
    const created = await s.call('PUT', `/v1/subscriptions/${name}`, {
      token: key,
      body: {
        types: ['order'],
        start: 'earliest',
        destination: { kind: 'file', dir: `archive/${name}`, format, content: 'data', rotate: { bytes: 2048, seconds: 1 } },
      },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
  }
  const events = Array.from({ length: 300 }, (_, i) => ({ type: 'order', key: `c${i % 10}`, data: { n: i, note: 'x'.repeat(20) } }));
  assert.equal((await s.call('POST', '/v1/events', { token: key, body: events })).status, 200);

  for (const name of ['plain', 'zipped']) {
    const root = join(archive, 'shop', 'archive', name);
    const files = await until(
      () => archiveFiles(root),
      (found) => found.reduce((n, f) => n + f.lines.length, 0) >= events.length,
    );
    const numbers = files.flatMap((f) => f.lines.map((line) => (JSON.parse(line) as { n: number }).n)).sort((a, b) => a - b);
    assert.deepEqual(
      numbers,
      events.map((e) => e.data.n),
      `${name}: every record exactly once`,
    );
    assert.ok(files.length > 2, `${name}: rotated by size into several files (${files.length})`);
    for (const file of files) {
      assert.match(file.path, /^shop\.order\/\d{4}\/\d{2}\/\d{2}\/\d{2}\/[01]-\d{20}\.ndjson(\.gz)?$/);
    }
  }
  const status = await s.call('GET', '/v1/subscriptions/plain', { token: key });
  assert.equal(status.body.destination.kind, 'file');
  const deliveries = await s.call('GET', '/v1/subscriptions/plain/deliveries', { token: key });
  assert.match(deliveries.body.items[0].response, /^wrote shop\/archive\/plain\/shop\.order\//);
});

void test('an open file is completed by its age, and a file sink refuses paths that leave its folder', async (t) => {
  const archive = tempDir(t, 'sluice-archive-');
  const s = await startSluice(t, { delivery: { archiveDir: archive } });
  const key = await s.tenantWithKey('slow');
  assert.equal((await s.call('PUT', '/v1/types/tick', { token: key, body: { schema: { type: 'object' }, partitions: 1 } })).status, 201);
  const refused = await s.call('PUT', '/v1/subscriptions/escape', { token: key, body: { types: ['tick'], destination: { kind: 'file', dir: '../../etc' } } });
  assert.equal(refused.status, 400);
  assert.equal(refused.body.error.details[0].path, '/destination/dir');
  assert.equal(
    (
      await s.call('PUT', '/v1/subscriptions/ticks', {
        token: key,
        body: { types: ['tick'], start: 'earliest', destination: { kind: 'file', dir: 'ticks', rotate: { seconds: 1 } } },
      })
    ).status,
    201,
  );
  assert.equal((await s.call('POST', '/v1/events', { token: key, body: [{ type: 'tick', data: { n: 1 } }] })).status, 200);
  const root = join(archive, 'slow', 'ticks');
  const files = await until(
    () => archiveFiles(root),
    (found) => found.length === 1,
    10_000,
  );
  assert.equal(files.length, 1, 'one small file, completed after a second');
  const event = JSON.parse(files[0]!.lines[0]!) as { specversion: string; type: string; data: { n: number }; sluiceoffset: number };
  assert.equal(event.specversion, '1.0', 'lines are structured CloudEvents by default');
  assert.equal(event.type, 'tick');
  assert.deepEqual(event.data, { n: 1 });
  assert.match(files[0]!.path, /\/0-00000000000000000000\.ndjson$/);
});
