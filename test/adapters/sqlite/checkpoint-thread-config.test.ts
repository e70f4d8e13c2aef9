import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { startSluice } from '../../helpers/sluice.ts';

const schema = { type: 'object', properties: { n: { type: 'integer' } }, required: ['n'] };

for (const checkpointThread of [true, false]) {
  void test(`a server with store.checkpointThread ${checkpointThread} stores events${checkpointThread ? ', with the shared WAL index a second connection needs' : ', holding the file alone, without a -shm file'}`, async (t) => {
    const s = await startSluice(t, { store: { checkpointThread } });
    const key = await s.tenantWithKey('acme');
    assert.equal((await s.call('PUT', '/v1/types/counts', { token: key, body: { schema } })).status, 201);
    const events = Array.from({ length: 50 }, (_, n) => ({ type: 'counts', data: { n } }));
    const ingested = await s.call('POST', '/v1/events', { token: key, body: events });
    assert.equal(ingested.status, 200);
    assert.equal((ingested.body as { accepted: number }).accepted, 50);
    assert.equal(existsSync(join(s.dataDir, 'sluice.db-shm')), checkpointThread);
    assert.ok(existsSync(join(s.dataDir, 'sluice.lock')));
  });
}
