import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test, type TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../../src/edges/config/config.ts';
import { createSluice } from '../../src/sluice.ts';
import { adminToken, tempDir } from '../helpers/sluice.ts';

const examples = fileURLToPath(new URL('../../examples/', import.meta.url));

async function startExample(t: TestContext, name: string, tenant: string) {
  const config = loadConfig({ configFile: `${examples}${name}/sluice.yaml`, flags: { port: 0, dataDir: tempDir(t), logLevel: 'silent', adminToken }, env: {} });
  const sluice = await createSluice(config);
  const url = await sluice.listen();
  t.after(() => sluice.close());
  const call = async (method: string, path: string, token: string, body?: string, contentType = 'application/json') => {
    const response = await fetch(`${url}${path}`, { method, headers: { authorization: `Bearer ${token}`, 'content-type': contentType }, ...(body === undefined ? {} : { body }) });
    return { status: response.status, body: (await response.json()) as any };
  };
  const key = (await call('POST', `/v1/tenants/${tenant}/keys`, adminToken, JSON.stringify({ scopes: ['produce', 'consume', 'manage'] }))).body.key as string;
  const produce = (type: string) => {
    const lines = readFileSync(`${examples}${name}/events.ndjson`, 'utf8').trim().split('\n');
    return call('POST', '/v1/events', key, lines.map((line) => JSON.stringify({ type, data: JSON.parse(line) })).join('\n'), 'application/x-ndjson');
  };
  const readAll = async (stream: string) => {
    const info = (await call('GET', `/v1/streams/${stream}`, key)).body;
    const items: any[] = [];
    for (let partition = 0; partition < info.partitions; partition++) items.push(...(await call('GET', `/v1/streams/${stream}/events?partition=${partition}&limit=1000`, key)).body.items);
    return items;
  };
  return { call, key, produce, readAll };
}

void test('examples/user-login: events are reshaped, personal data never stored, a null user_id is dead-lettered', async (t) => {
  const example = await startExample(t, 'user-login', 'mobile');
  const answer = await example.produce('user-login');
  assert.equal(answer.status, 207);
  assert.equal(answer.body.accepted, 2);
  assert.equal(answer.body.results[2].error.code, 'schema_validation_failed');
  assert.deepEqual(answer.body.results[2].error.details, [{ path: '/user_id', reason: 'must be string' }]);

  const records = await example.readAll('mobile.user-login');
  assert.equal(records.length, 2);
  for (const record of records) {
    assert.deepEqual(Object.keys(record.data).sort(), ['app_version', 'created_at', 'device_id', 'device_type', 'ip', 'locale', 'processed_at', 'user_id']);
    assert.match(record.data.created_at, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    assert.match(record.data.processed_at, /Z$/);
    assert.match(record.data.ip, /^[0-9a-f]{64}$/);
    assert.match(record.data.device_id, /^\*+[A-Z0-9]{4}$/);
  }
  const first = records.find((record) => record.data.user_id === 'u-1001');
  assert.equal(first.data.created_at, new Date(1763800000 * 1000).toISOString());
  const stored = JSON.stringify(records);
  for (const secret of ['203.0.113.7', '198.51.100.23', 'A1B2C3D4E5F6', 'ZX9Y8W7V6U5T']) assert.ok(!stored.includes(secret), `${secret} must not be stored`);
});

void test('examples/routing: each destination has its stream, urgent events are audited, unknown ones are no_route dead letters', async (t) => {
  const example = await startExample(t, 'routing', 'backoffice');
  const answer = await example.produce('dispatch');
  assert.equal(answer.status, 207);
  assert.equal(answer.body.accepted, 3);
  assert.equal(answer.body.results[3].error.code, 'no_route');
  assert.deepEqual(
    answer.body.results[2].routes.map((route: { stream: string }) => route.stream),
    ['backoffice.logistics', 'backoffice.audit'],
  );
  const ids = async (type: string) => (await example.readAll(`backoffice.${type}`)).map((record) => record.data.account_id);
  assert.deepEqual(await ids('finance'), ['acc-1']);
  assert.deepEqual(await ids('marketing'), ['acc-2']);
  assert.deepEqual(await ids('logistics'), ['acc-3']);
  assert.deepEqual(await ids('audit'), ['acc-3']);
  assert.deepEqual(await ids('dispatch'), []);
  const dead = (await example.call('GET', '/v1/dead-letters?code=no_route', example.key)).body.items;
  assert.equal(dead.length, 1);
  assert.equal(dead[0].stage, 'transform');
});

void test('examples/correlation: complete transactions are aggregated once; an incomplete one waits, open, with what is missing', async (t) => {
  const example = await startExample(t, 'correlation', 'payments');
  const body = readFileSync(`${examples}correlation/events.ndjson`, 'utf8');
  const answer = await example.call('POST', '/v1/events', example.key, body, 'application/x-ndjson');
  assert.equal(answer.status, 200);
  assert.equal(answer.body.accepted, 13);
  let aggregated: any[] = [];
  for (let i = 0; i < 100 && aggregated.length < 2; i++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    aggregated = await example.readAll('payments.Events_Aggregated');
  }
  assert.deepEqual(aggregated.map((record) => record.data.key).sort(), ['tx-1', 'tx-3']);
  for (const record of aggregated) assert.deepEqual(Object.keys(record.data.events).sort(), ['Events-TypeA', 'Events-TypeB', 'Events-TypeC', 'Events-TypeD', 'Events-TypeE']);
  const open = (await example.call('GET', '/v1/correlations/transactions/instances/tx-2', example.key)).body;
  assert.deepEqual(Object.keys(open.open.events).sort(), ['Events-TypeA', 'Events-TypeB', 'Events-TypeC']);
  const status = (await example.call('GET', '/v1/correlations/transactions', example.key)).body;
  assert.equal(status.open, 1);
  assert.equal(status.counts.complete, 2);
});
