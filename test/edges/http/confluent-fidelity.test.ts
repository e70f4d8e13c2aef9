/**
 * Details of Confluent Schema Registry's API that stock clients and build tools rely on:
 * the root, trailing slashes, compatibility before the first registration and without a
 * version, content negotiation, and listing only soft-deleted subjects or versions.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { answerType } from '../../../src/edges/http/routes/confluent-accept.ts';
import { startSluice } from '../../helpers/sluice.ts';

const avro = (fields: object[]) => ({ schema: JSON.stringify({ type: 'record', name: 'Fruit', fields }) });
const name = { name: 'name', type: 'string' };
const weight = { name: 'weight', type: 'int' };

void test('the registry root, trailing slashes, and compatibility of a subject with no versions yet', async (t) => {
  const s = await startSluice(t);
  const key = await s.tenantWithKey('acme');
  const root = await s.call('GET', '/registry/', { token: key });
  assert.equal(root.status, 200);
  assert.deepEqual(root.body, {});
  assert.deepEqual((await s.call('GET', '/registry', { token: key })).body, {});

  const before = await s.call('POST', '/registry/compatibility/subjects/acme.fruits-value/versions/latest?verbose=true', { token: key, body: avro([name]) });
  assert.equal(before.status, 200, JSON.stringify(before.body));
  assert.deepEqual(before.body, { is_compatible: true, messages: [] });

  assert.equal((await s.call('POST', '/registry/subjects/acme.fruits-value/versions/', { token: key, body: avro([name]) })).status, 200);
  assert.equal((await s.call('GET', '/registry/config/acme.fruits-value/?defaultToGlobal=true', { token: key })).status, 200);
  assert.deepEqual((await s.call('GET', '/registry/subjects/acme.fruits-value/versions/', { token: key })).body, [1]);

  // Without a version: the check a registration makes (BACKWARD: a new field needs a default).
  const added = await s.call('POST', '/registry/compatibility/subjects/acme.fruits-value/versions', { token: key, body: avro([name, weight]) });
  assert.equal(added.status, 200, JSON.stringify(added.body));
  assert.equal(added.body.is_compatible, false);
  const withDefault = await s.call('POST', '/registry/compatibility/subjects/acme.fruits-value/versions', {
    token: key,
    body: avro([name, { ...weight, default: 0 }]),
  });
  assert.equal(withDefault.body.is_compatible, true);
  // A version that does not exist is still an error.
  assert.equal(
    (await s.call('POST', '/registry/compatibility/subjects/acme.fruits-value/versions/7', { token: key, body: avro([name]) })).body.error_code,
    40402,
  );
});

void test('Accept: the vnd type by default, application/json when preferred, 406 for neither', async (t) => {
  const s = await startSluice(t);
  const key = await s.tenantWithKey('acme');
  const types = async (accept?: string) => {
    const answer = await s.call('GET', '/registry/schemas/types', { token: key, headers: accept === undefined ? {} : { accept } });
    return { status: answer.status, type: answer.headers.get('content-type'), body: answer.body };
  };
  assert.match((await types()).type!, /^application\/vnd\.schemaregistry\.v1\+json/);
  assert.match((await types('application/json')).type!, /^application\/json/);
  assert.match((await types('application/vnd.schemaregistry.v1+json, application/json;q=0.5')).type!, /vnd\.schemaregistry/);
  const refused = await types('text/html');
  assert.equal(refused.status, 406);
  assert.equal(refused.body.error_code, 406);
  assert.equal(answerType('application/json;q=0, */*;q=0.1'), 'application/vnd.schemaregistry.v1+json');
  assert.equal(answerType('text/plain;q=1, application/json;q=0.2'), 'application/json');
});

void test('deletedOnly lists only soft-deleted subjects and versions', async (t) => {
  const s = await startSluice(t);
  const key = await s.tenantWithKey('acme');
  for (const subject of ['acme.a-value', 'acme.b-value'])
    assert.equal((await s.call('POST', `/registry/subjects/${subject}/versions`, { token: key, body: avro([name]) })).status, 200);
  assert.equal((await s.call('POST', '/registry/subjects/acme.b-value/versions', { token: key, body: avro([name, { ...weight, default: 0 }]) })).status, 200);
  assert.equal((await s.call('DELETE', '/registry/subjects/acme.a-value', { token: key })).status, 200);
  assert.equal((await s.call('DELETE', '/registry/subjects/acme.b-value/versions/1', { token: key })).status, 200);
  assert.deepEqual((await s.call('GET', '/registry/subjects?deletedOnly=true', { token: key })).body, ['acme.a-value']);
  assert.deepEqual((await s.call('GET', '/registry/subjects', { token: key })).body, ['acme.b-value']);
  assert.deepEqual((await s.call('GET', '/registry/subjects/acme.b-value/versions?deletedOnly=true', { token: key })).body, [1]);
  assert.deepEqual((await s.call('GET', '/registry/subjects/acme.b-value/versions', { token: key })).body, [2]);
});

void test('an Avro schema is stored as written: logical types, decimal scale, enum defaults and custom properties read back, and a changed scale is another schema', async (t) => {
  const s = await startSluice(t);
  const key = await s.tenantWithKey('acme');
  const reg = (method: string, path: string, body?: unknown) =>
    s.call(method, `/registry${path}`, body === undefined ? { token: key } : { token: key, body, contentType: 'application/vnd.schemaregistry.v1+json' });
  const payment = (scale: number) => ({
    type: 'record',
    name: 'Payment',
    namespace: 'com.example',
    'connect.name': 'com.example.Payment',
    fields: [
      { name: 'at', type: { type: 'long', logicalType: 'timestamp-millis' } },
      { name: 'amount', type: { type: 'bytes', logicalType: 'decimal', precision: 10, scale } },
      { name: 'id', type: { type: 'string', logicalType: 'uuid' } },
      { name: 'status', type: { type: 'enum', name: 'Status', symbols: ['NEW', 'PAID'], default: 'NEW' } },
    ],
  });
  const first = await reg('POST', '/subjects/payments-value/versions', { schema: JSON.stringify(payment(2)) });
  assert.equal(first.status, 200, JSON.stringify(first.body));
  const byId = await reg('GET', `/schemas/ids/${first.body.id}`);
  assert.deepEqual(JSON.parse(byId.body.schema as string), payment(2), 'read back equal, as JSON, to the one registered');
  const latest = await reg('GET', '/subjects/payments-value/versions/latest');
  assert.deepEqual(JSON.parse(latest.body.schema as string), payment(2));
  // The same schema again is the same id; another scale is another schema.
  assert.equal((await reg('POST', '/subjects/payments-value/versions', { schema: JSON.stringify(payment(2)) })).body.id, first.body.id);
  assert.equal(
    (await reg('POST', '/subjects/payments-value', { schema: JSON.stringify(payment(4)) })).body.error_code,
    40403,
    'scale 4 is not a version of the subject',
  );
  assert.notEqual((await reg('POST', '/subjects/other-payments-value/versions', { schema: JSON.stringify(payment(4)) })).body.id, first.body.id);
});

void test('FORWARD: a symbol may be added once the enum has a default, as Confluent documents', async (t) => {
  const s = await startSluice(t);
  const key = await s.tenantWithKey('acme');
  const reg = (method: string, path: string, body?: unknown) =>
    s.call(method, `/registry${path}`, body === undefined ? { token: key } : { token: key, body, contentType: 'application/vnd.schemaregistry.v1+json' });
  const card = (symbols: string[], withDefault: boolean) =>
    JSON.stringify({
      type: 'record',
      name: 'Card',
      fields: [{ name: 'suit', type: { type: 'enum', name: 'Suit', symbols, ...(withDefault ? { default: symbols[0] } : {}) } }],
    });
  assert.equal((await reg('PUT', '/config/cards-value', { compatibility: 'FORWARD' })).status, 200);
  assert.equal((await reg('POST', '/subjects/cards-value/versions', { schema: card(['SPADES', 'HEARTS'], true) })).status, 200);
  const added = await reg('POST', '/subjects/cards-value/versions', { schema: card(['SPADES', 'HEARTS', 'CLUBS'], true) });
  assert.equal(added.status, 200, JSON.stringify(added.body));
  // Without the default, the same addition breaks FORWARD.
  assert.equal((await reg('PUT', '/config/plain-value', { compatibility: 'FORWARD' })).status, 200);
  assert.equal((await reg('POST', '/subjects/plain-value/versions', { schema: card(['SPADES', 'HEARTS'], false) })).status, 200);
  assert.equal((await reg('POST', '/subjects/plain-value/versions', { schema: card(['SPADES', 'HEARTS', 'CLUBS'], false) })).body.error_code, 409);
});

void test('metadata and ruleSet are kept with the schema and answered; GET /schemas lists versions; /v1/metadata/id answers', async (t) => {
  const s = await startSluice(t);
  const key = await s.tenantWithKey('acme');
  const reg = (method: string, path: string, body?: unknown) =>
    s.call(method, `/registry${path}`, body === undefined ? { token: key } : { token: key, body, contentType: 'application/vnd.schemaregistry.v1+json' });
  const metadata = { tags: { '**.ssn': ['PII'] }, properties: { owner: 'payments' }, sensitive: ['ssn'] };
  const ruleSet = { domainRules: [{ name: 'checkSsn', kind: 'CONDITION', type: 'CEL', mode: 'WRITE', expr: 'size(message.ssn) == 9' }] };
  const plain = avro([name]);
  const first = await reg('POST', '/subjects/people-value/versions', { ...plain, metadata, ruleSet });
  assert.equal(first.status, 200, JSON.stringify(first.body));
  const byId = await reg('GET', `/schemas/ids/${first.body.id}`);
  assert.deepEqual(byId.body.metadata, metadata);
  assert.deepEqual(byId.body.ruleSet, ruleSet);
  const version = await reg('GET', '/subjects/people-value/versions/1');
  assert.deepEqual({ metadata: version.body.metadata, ruleSet: version.body.ruleSet }, { metadata, ruleSet });
  // The same schema with the same metadata is the same id; other metadata is another schema.
  assert.equal((await reg('POST', '/subjects/people-value/versions', { ...plain, metadata, ruleSet })).body.id, first.body.id);
  const other = await reg('POST', '/subjects/people-value/versions', { ...plain, metadata: { properties: { owner: 'risk' } } });
  assert.notEqual(other.body.id, first.body.id);
  assert.equal((await reg('POST', '/subjects/people-value/versions', { ...plain, metadata: ['not', 'an', 'object'] })).body.error_code, 42201);

  assert.equal((await reg('POST', '/subjects/animals-value/versions', avro([name, { ...weight, default: 0 }]))).status, 200);
  const schemas = await reg('GET', '/schemas');
  assert.deepEqual(
    schemas.body.map((e: { subject: string; version: number }) => `${e.subject}@${e.version}`),
    ['animals-value@1', 'people-value@1', 'people-value@2'],
  );
  assert.deepEqual(
    (await reg('GET', '/schemas?latestOnly=true&subjectPrefix=people')).body.map((e: { version: number }) => e.version),
    [2],
  );
  assert.equal((await reg('GET', '/schemas?offset=1&limit=1')).body.length, 1);
  const cluster = await reg('GET', '/v1/metadata/id');
  assert.equal(cluster.status, 200);
  assert.equal(typeof cluster.body.scope.clusters['schema-registry-cluster'], 'string');
});
