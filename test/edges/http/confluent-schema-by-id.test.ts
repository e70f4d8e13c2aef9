/**
 * GET /registry/schemas/ids/{id} answers bytes made once per stored schema. They must be
 * exactly what the route answered before (body and Content-Type for each Accept), never reach
 * a key of another tenant, and never outlive the key that may read them.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startSluice } from '../../helpers/sluice.ts';

const vnd = 'application/vnd.schemaregistry.v1+json; charset=utf-8';
const json = 'application/json; charset=utf-8';
// Keys in the order the registry stores JSON Schemas (sorted), so the text reads back as sent.
const schema = { properties: { name: { type: 'string' } }, required: ['name'], type: 'object' };

void test('a schema by id answers the same bytes and Content-Type every time, for each Accept a client sends', async (t) => {
  const s = await startSluice(t);
  const key = await s.tenantWithKey('acme');
  const registered = await s.call('POST', '/registry/subjects/fruits-value/versions', {
    token: key,
    body: { schemaType: 'JSON', schema: JSON.stringify(schema) },
  });
  assert.equal(registered.status, 200);
  const id = (registered.body as { id: number }).id;
  const expected = JSON.stringify({ schemaType: 'JSON', schema: JSON.stringify(schema) });
  const lookup = async (accept?: string): Promise<{ status: number; type: string | null; text: string }> => {
    const response = await fetch(`${s.url}/registry/schemas/ids/${id}`, {
      headers: { authorization: `Bearer ${key}`, ...(accept === undefined ? {} : { accept }) },
    });
    return { status: response.status, type: response.headers.get('content-type'), text: await response.text() };
  };
  for (let round = 0; round < 3; round++) {
    assert.deepEqual(await lookup(), { status: 200, type: vnd, text: expected }, `round ${round}, no Accept`);
    assert.deepEqual(
      await lookup('application/vnd.schemaregistry.v1+json, application/vnd.schemaregistry+json, application/json'),
      { status: 200, type: vnd, text: expected },
      `round ${round}, Confluent's Java client`,
    );
    assert.deepEqual(await lookup('application/json'), { status: 200, type: json, text: expected }, `round ${round}, plain JSON preferred`);
    assert.equal((await lookup('text/html')).status, 406, `round ${round}, neither type`);
  }
  const head = await fetch(`${s.url}/registry/schemas/ids/${id}`, { method: 'HEAD', headers: { authorization: `Bearer ${key}` } });
  assert.equal(head.status, 200);
  assert.equal(head.headers.get('content-type'), vnd);
  assert.equal(head.headers.get('content-length'), String(Buffer.byteLength(expected)));
  // The schema alone and the subjects holding the id are answered as before.
  assert.deepEqual((await s.call('GET', `/registry/schemas/ids/${id}/schema`, { token: key })).body, schema);
  assert.deepEqual((await s.call('GET', `/registry/schemas/ids/${id}/subjects`, { token: key })).body, ['fruits-value']);
});

void test("a schema id another tenant looked up is not found for this tenant's key, before or after, even for the same schema text", async (t) => {
  const s = await startSluice(t);
  const acme = await s.tenantWithKey('acme');
  const globex = await s.tenantWithKey('globex');
  const body = { schemaType: 'JSON', schema: JSON.stringify(schema) };
  const acmeId = ((await s.call('POST', '/registry/subjects/fruits-value/versions', { token: acme, body })).body as { id: number }).id;
  const notFound = async (token: string, id: number): Promise<void> => {
    const answer = await s.call('GET', `/registry/schemas/ids/${id}`, { token });
    assert.equal(answer.status, 404);
    assert.equal(answer.body.error_code, 40403);
  };
  await notFound(globex, acmeId);
  for (let i = 0; i < 3; i++) assert.equal((await s.call('GET', `/registry/schemas/ids/${acmeId}`, { token: acme })).status, 200);
  await notFound(globex, acmeId);
  // The same text in another tenant is another schema, with its own id and answer.
  const globexId = ((await s.call('POST', '/registry/subjects/fruits-value/versions', { token: globex, body })).body as { id: number }).id;
  assert.notEqual(globexId, acmeId);
  assert.equal((await s.call('GET', `/registry/schemas/ids/${globexId}`, { token: globex })).status, 200);
  await notFound(globex, acmeId);
  await notFound(acme, globexId);
});

void test('after its tenant is deleted, a key that read a schema by id reads nothing more', async (t) => {
  const s = await startSluice(t);
  const key = await s.tenantWithKey('acme');
  const id = (
    (await s.call('POST', '/registry/subjects/fruits-value/versions', { token: key, body: { schemaType: 'JSON', schema: JSON.stringify(schema) } })).body as {
      id: number;
    }
  ).id;
  assert.equal((await s.call('GET', `/registry/schemas/ids/${id}`, { token: key })).status, 200);
  assert.equal((await s.call('DELETE', '/v1/tenants/acme?confirm=acme')).status, 200);
  const after = await s.call('GET', `/registry/schemas/ids/${id}`, { token: key });
  assert.equal(after.status, 401);
  assert.equal(after.body.error_code, 40101);
});
