import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import type { SchemaDoc } from '../../../src/domain/catalog-docs.ts';
import { encodeFrame } from '../../../src/domain/wire-format.ts';
import { collectDependencies, maxReferenceDepth } from '../../../src/services/schemas/references.ts';
import { startSluice, type TestSluice } from '../../helpers/sluice.ts';

const confluentType = 'application/vnd.schemaregistry.v1+json';

/** The registry API as Confluent clients call it: their content type, a bearer key. */
function registryClient(server: TestSluice, key: string) {
  return <T = any>(method: string, path: string, body?: unknown) =>
    server.call<T>(method, `/registry${path}`, body === undefined ? { token: key } : { token: key, body, contentType: confluentType });
}

/** A stock Confluent client, without retries (a failure must show). */
function client(server: TestSluice, key: string): SchemaRegistry {
  const [, keyId, secret] = key.split('.');
  assert.ok(keyId !== undefined && secret !== undefined);
  return new SchemaRegistry({ host: `${server.url}/registry`, auth: { username: keyId, password: secret }, retry: { retries: 0 } });
}

const productJson = { $id: 'product.json', type: 'object', properties: { sku: { type: 'string' }, cents: { type: 'integer' } }, required: ['sku'] };
const orderJson = { type: 'object', properties: { id: { type: 'string' }, product: { $ref: 'product.json' } }, required: ['id', 'product'] };
const productRef = { name: 'product.json', subject: 'acme.products-value', version: 1 };

const productAvro = { type: 'record', name: 'Product', namespace: 'acme', fields: [{ name: 'sku', type: 'string' }] };
const orderAvro = {
  type: 'record',
  name: 'Order',
  namespace: 'acme',
  fields: [
    { name: 'id', type: 'string' },
    { name: 'product', type: 'acme.Product' },
  ],
};

const productProto = `syntax = "proto3";
package acme;
message Product {
  string sku = 1;
  int32 cents = 2;
}`;
const orderProto = `syntax = "proto3";
package acme;
import "acme/product.proto";
message Order {
  string id = 1;
  acme.Product product = 2;
}`;

void test('a JSON Schema reference resolves $ref by its name for registration, reads, referencedby and event validation', async (t) => {
  const server = await startSluice(t);
  const key = await server.tenantWithKey('acme');
  const reg = registryClient(server, key);

  const product = await reg('POST', '/subjects/acme.products-value/versions', { schemaType: 'JSON', schema: JSON.stringify(productJson) });
  assert.equal(product.status, 200, JSON.stringify(product.body));
  const order = await reg('POST', '/subjects/acme.orders-value/versions', { schemaType: 'JSON', schema: JSON.stringify(orderJson), references: [productRef] });
  assert.equal(order.status, 200, JSON.stringify(order.body));
  const orderId = order.body.id as number;
  assert.notEqual(orderId, product.body.id);

  // Registering again, with the same references, keeps the id and adds no version.
  assert.equal(
    (await reg('POST', '/subjects/acme.orders-value/versions', { schemaType: 'JSON', schema: JSON.stringify(orderJson), references: [productRef] })).body.id,
    orderId,
  );
  assert.deepEqual((await reg('GET', '/subjects/acme.orders-value/versions')).body, [1]);

  const version = await reg('GET', '/subjects/acme.orders-value/versions/1');
  assert.deepEqual(version.body.references, [productRef]);
  assert.equal(version.body.id, orderId);
  const byId = await reg('GET', `/schemas/ids/${orderId}`);
  assert.deepEqual(byId.body, { schemaType: 'JSON', schema: version.body.schema, references: [productRef] });
  assert.equal((await reg('GET', `/schemas/ids/${product.body.id}`)).body.references, undefined, 'no references, no field');

  const lookup = await reg('POST', '/subjects/acme.orders-value', { schemaType: 'JSON', schema: JSON.stringify(orderJson), references: [productRef] });
  assert.equal(lookup.status, 200);
  assert.equal(lookup.body.id, orderId);
  // Without its references the schema's $ref does not resolve.
  const unresolved = await reg('POST', '/subjects/acme.orders-value', { schemaType: 'JSON', schema: JSON.stringify(orderJson) });
  assert.equal(unresolved.body.error_code, 42201);
  assert.match(unresolved.body.message as string, /product\.json/);

  assert.deepEqual((await reg('GET', '/subjects/acme.products-value/versions/1/referencedby')).body, [orderId]);
  assert.deepEqual((await reg('GET', '/subjects/acme.orders-value/versions/1/referencedby')).body, []);

  // Events of type orders are checked against the schema with product.json resolved.
  const sent = await server.call('POST', '/v1/events', {
    token: key,
    body: [
      { type: 'orders', data: { id: 'o-1', product: { sku: 'A-1', cents: 250 } } },
      { type: 'orders', data: { id: 'o-2', product: { sku: 7 } } },
      { type: 'orders', data: { id: 'o-3', product: { cents: 1 } } },
    ],
  });
  assert.equal(sent.status, 207);
  assert.equal(sent.body.accepted, 1);
  assert.equal(sent.body.results[1].error.code, 'schema_validation_failed');
  assert.ok(
    (sent.body.results[1].error.details as { path: string }[]).some((d) => d.path === '/product/sku'),
    JSON.stringify(sent.body.results[1].error),
  );
  assert.ok((sent.body.results[2].error.details as { path: string }[]).some((d) => d.path === '/product/sku'));
});

void test('JSON Schema compatibility compares what a reference means, not its name', async (t) => {
  const server = await startSluice(t);
  const reg = registryClient(server, await server.tenantWithKey('acme'));
  await reg('POST', '/subjects/acme.products-value/versions', { schemaType: 'JSON', schema: JSON.stringify(productJson) });
  assert.equal(
    (await reg('POST', '/subjects/acme.orders-value/versions', { schemaType: 'JSON', schema: JSON.stringify(orderJson), references: [productRef] })).status,
    200,
  );
  assert.equal((await reg('PUT', '/config/acme.products-value', { compatibility: 'NONE' })).status, 200);
  // products v2 requires a new property: a reader of it cannot read orders written with v1.
  const productV2 = { ...productJson, required: ['sku', 'cents'] };
  assert.equal((await reg('POST', '/subjects/acme.products-value/versions', { schemaType: 'JSON', schema: JSON.stringify(productV2) })).status, 200);
  const body = { schemaType: 'JSON', schema: JSON.stringify(orderJson), references: [{ ...productRef, version: 2 }] };
  const check = await reg('POST', '/compatibility/subjects/acme.orders-value/versions/latest?verbose=true', body);
  assert.equal(check.body.is_compatible, false, JSON.stringify(check.body));
  assert.match((check.body.messages as string[]).join(' '), /cents/);
  assert.equal((await reg('POST', '/subjects/acme.orders-value/versions', body)).status, 409);
  // products v3 only stops requiring sku: orders may move to it.
  const productV3 = { ...productJson, required: [] };
  assert.equal((await reg('POST', '/subjects/acme.products-value/versions', { schemaType: 'JSON', schema: JSON.stringify(productV3) })).status, 200);
  const moved = await reg('POST', '/subjects/acme.orders-value/versions', { ...body, references: [{ ...productRef, version: 3 }] });
  assert.equal(moved.status, 200, JSON.stringify(moved.body));
  assert.deepEqual((await reg('GET', '/subjects/acme.orders-value/versions')).body, [1, 2]);
});

void test('deleting a referenced version is refused with 42206 until its referrers are deleted', async (t) => {
  const server = await startSluice(t);
  const key = await server.tenantWithKey('acme');
  const reg = registryClient(server, key);
  await reg('POST', '/subjects/acme.products-value/versions', { schemaType: 'JSON', schema: JSON.stringify(productJson) });
  const order = await reg('POST', '/subjects/acme.orders-value/versions', { schemaType: 'JSON', schema: JSON.stringify(orderJson), references: [productRef] });
  assert.equal(order.status, 200);

  for (const path of ['/subjects/acme.products-value/versions/1', '/subjects/acme.products-value/versions/latest', '/subjects/acme.products-value']) {
    const refused = await reg('DELETE', path);
    assert.equal(refused.status, 422, path);
    assert.equal(refused.body.error_code, 42206, path);
    assert.match(refused.body.message as string, new RegExp(`${order.body.id}`));
  }
  assert.deepEqual((await reg('GET', '/subjects/acme.products-value/versions')).body, [1], 'nothing was deleted');

  // Soft-deleting the referrer frees a soft delete; its kept schema still blocks a permanent one.
  assert.equal((await reg('DELETE', '/subjects/acme.orders-value/versions/1')).status, 200);
  assert.deepEqual((await reg('GET', '/subjects/acme.products-value/versions/1/referencedby')).body, []);
  assert.equal((await reg('DELETE', '/subjects/acme.products-value/versions/1')).status, 200);
  const permanent = await reg('DELETE', '/subjects/acme.products-value/versions/1?permanent=true');
  assert.equal(permanent.body.error_code, 42206);
  assert.equal((await reg('DELETE', '/subjects/acme.orders-value/versions/1?permanent=true')).status, 200);
  assert.equal((await reg('DELETE', '/subjects/acme.products-value/versions/1?permanent=true')).status, 200);
});

void test('a reference must name a live version of a subject of the same tenant and the same schema type', async (t) => {
  const server = await startSluice(t);
  const key = await server.tenantWithKey('acme');
  const otherKey = await server.tenantWithKey('beta');
  const reg = registryClient(server, key);
  const theirs = registryClient(server, otherKey);
  await reg('POST', '/subjects/acme.products-value/versions', { schemaType: 'JSON', schema: JSON.stringify(productJson) });
  await reg('POST', '/subjects/acme.fruits-value/versions', { schema: JSON.stringify(productAvro) });
  await theirs('POST', '/subjects/beta.products-value/versions', { schemaType: 'JSON', schema: JSON.stringify(productJson) });

  const order = (references: unknown) =>
    reg('POST', '/subjects/acme.orders-value/versions', { schemaType: 'JSON', schema: JSON.stringify(orderJson), references });
  const cases: [string, unknown, RegExp][] = [
    ['unknown subject', [{ name: 'product.json', subject: 'acme.nothing-value', version: 1 }], /subject 'acme\.nothing-value' not found/],
    ['unknown version', [{ ...productRef, version: 2 }], /has no version 2/],
    ["another tenant's subject", [{ ...productRef, subject: 'beta.products-value' }], /not found/],
    ['another schema type', [{ ...productRef, subject: 'acme.fruits-value' }], /is AVRO; a JSON schema can reference only JSON schemas/],
    ['not an array', { name: 'product.json' }, /must be an array/],
    ['no name', [{ subject: productRef.subject, version: 1 }], /name must be a non-empty string/],
    ['a bad version', [{ ...productRef, version: 0 }], /version must be a version number/],
    ['a name twice', [productRef, productRef], /used by another reference/],
  ];
  for (const [label, references, message] of cases) {
    const answer = await order(references);
    assert.equal(answer.status, 422, label);
    assert.equal(answer.body.error_code, 42201, label);
    assert.match(answer.body.message as string, message, label);
  }
  assert.equal((await reg('GET', '/subjects/acme.orders-value/versions')).status, 404, 'nothing was registered');

  // -1 names the latest version, and is stored as its number.
  const latest = await order([{ ...productRef, version: -1 }]);
  assert.equal(latest.status, 200, JSON.stringify(latest.body));
  assert.deepEqual((await reg('GET', '/subjects/acme.orders-value/versions/1')).body.references, [productRef]);

  // beta's product.json is not visible to acme, and acme's is not to beta: no shared ajv state.
  const leak = await theirs('POST', '/subjects/beta.orders-value/versions', { schemaType: 'JSON', schema: JSON.stringify(orderJson) });
  assert.equal(leak.body.error_code, 42201);
});

void test('an Avro reference makes the named types of the referenced schema usable, and compatibility sees through it', async (t) => {
  const server = await startSluice(t);
  const key = await server.tenantWithKey('acme');
  const reg = registryClient(server, key);
  assert.equal((await reg('POST', '/subjects/acme.products-value/versions', { schema: JSON.stringify(productAvro) })).status, 200);
  const ref = { name: 'acme.Product', subject: 'acme.products-value', version: 1 };
  const order = await reg('POST', '/subjects/acme.orders-value/versions', { schema: JSON.stringify(orderAvro), references: [ref] });
  assert.equal(order.status, 200, JSON.stringify(order.body));
  // Stored as sent (canonical JSON), not with acme.Product copied in.
  const stored = await reg('GET', '/subjects/acme.orders-value/versions/1');
  assert.deepEqual(JSON.parse(stored.body.schema as string), orderAvro);
  assert.equal(stored.body.schemaType, undefined);
  assert.deepEqual(stored.body.references, [ref]);
  // Without the reference, acme.Product is unknown.
  assert.equal((await reg('POST', '/subjects/acme.other-value/versions', { schema: JSON.stringify(orderAvro) })).body.error_code, 42201);

  const sent = await server.call('POST', '/v1/events', {
    token: key,
    body: [
      { type: 'orders', data: { id: 'o-1', product: { sku: 'A-1' } } },
      { type: 'orders', data: { id: 'o-2', product: { sku: 3 } } },
    ],
  });
  assert.equal(sent.body.accepted, 1);
  assert.equal(sent.body.results[1].error.code, 'schema_validation_failed');
  assert.deepEqual(sent.body.results[1].error.details[0].path, '/product/sku');

  // products v2 adds a field without a default (allowed there by NONE); an order reading
  // through it can no longer read orders v1 data: BACKWARD refuses it.
  assert.equal((await reg('PUT', '/config/acme.products-value', { compatibility: 'NONE' })).status, 200);
  const productV2 = { ...productAvro, fields: [...productAvro.fields, { name: 'cents', type: 'int' }] };
  assert.equal((await reg('POST', '/subjects/acme.products-value/versions', { schema: JSON.stringify(productV2) })).status, 200);
  const check = await reg('POST', '/compatibility/subjects/acme.orders-value/versions/latest?verbose=true', {
    schema: JSON.stringify(orderAvro),
    references: [{ ...ref, version: 2 }],
  });
  assert.equal(check.status, 200);
  assert.equal(check.body.is_compatible, false);
  assert.match((check.body.messages as string[]).join(' '), /cents/);
  const refused = await reg('POST', '/subjects/acme.orders-value/versions', { schema: JSON.stringify(orderAvro), references: [{ ...ref, version: 2 }] });
  assert.equal(refused.status, 409);
  assert.match(refused.body.message as string, /cents/);
  const productV3 = { ...productAvro, fields: [...productAvro.fields, { name: 'cents', type: 'int', default: 0 }] };
  assert.equal((await reg('POST', '/subjects/acme.products-value/versions', { schema: JSON.stringify(productV3) })).status, 200);
  const accepted = await reg('POST', '/subjects/acme.orders-value/versions', { schema: JSON.stringify(orderAvro), references: [{ ...ref, version: 3 }] });
  assert.equal(accepted.status, 200, JSON.stringify(accepted.body));
  assert.notEqual(accepted.body.id, order.body.id, 'the same text with other references is another schema');
});

void test('a Protobuf import resolves to the referenced schema by its name', async (t) => {
  const server = await startSluice(t);
  const key = await server.tenantWithKey('acme');
  const reg = registryClient(server, key);
  assert.equal((await reg('POST', '/subjects/acme.products-value/versions', { schemaType: 'PROTOBUF', schema: productProto })).status, 200);
  const ref = { name: 'acme/product.proto', subject: 'acme.products-value', version: 1 };
  const order = await reg('POST', '/subjects/acme.orders-value/versions', { schemaType: 'PROTOBUF', schema: orderProto, references: [ref] });
  assert.equal(order.status, 200, JSON.stringify(order.body));
  // An import that names no reference is refused.
  const stray = await reg('POST', '/subjects/acme.others-value/versions', {
    schemaType: 'PROTOBUF',
    schema: orderProto.replace('acme/product.proto', 'other.proto'),
    references: [ref],
  });
  assert.equal(stray.body.error_code, 42201);
  assert.match(stray.body.message as string, /other\.proto/);

  // The message is the file's own first one (Order), not the imported Product.
  const sent = await server.call('POST', '/v1/events', {
    token: key,
    body: [
      { type: 'orders', data: { id: 'o-1', product: { sku: 'A-1', cents: 5 } } },
      { type: 'orders', data: { id: 'o-2', product: { sku: 'A-1', cents: 'many' } } },
    ],
  });
  assert.equal(sent.body.accepted, 1, JSON.stringify(sent.body));
  assert.equal(sent.body.results[1].error.code, 'schema_validation_failed');
  assert.match(sent.body.results[1].error.details[0].path as string, /^\/product/);
});

void test('a stock Confluent client registers, encodes and decodes with references for Avro, JSON Schema and Protobuf', async (t) => {
  const server = await startSluice(t);
  const key = await server.tenantWithKey('acme');
  const producer = client(server, key);
  const cases = [
    {
      type: SchemaType.AVRO as const,
      base: JSON.stringify(productAvro),
      schema: JSON.stringify(orderAvro),
      name: 'acme.Product',
      payload: { id: 'o-1', product: { sku: 'A-1' } },
    },
    {
      type: SchemaType.JSON as const,
      base: JSON.stringify(productJson),
      schema: JSON.stringify(orderJson),
      name: 'product.json',
      payload: { id: 'o-1', product: { sku: 'A-1', cents: 3 } },
    },
    {
      type: SchemaType.PROTOBUF as const,
      base: productProto,
      schema: orderProto,
      name: 'acme/product.proto',
      payload: { id: 'o-1', product: { sku: 'A-1', cents: 3 } },
    },
  ];
  for (const [index, c] of cases.entries()) {
    const base = `acme.product${index}-value`;
    await producer.register({ type: c.type, schema: c.base }, { subject: base });
    const references = [{ name: c.name, subject: base, version: 1 }];
    const { id } = await producer.register({ type: c.type, schema: c.schema, references }, { subject: `acme.order${index}-value` });
    // (The client's getRegistryIdBySchema sends no references, so it cannot look such a schema up.)
    assert.equal(await producer.getLatestSchemaId(`acme.order${index}-value`), id, `${c.type}: latest`);
    const encoded = await producer.encode(id, c.payload);
    assert.equal(encoded.readInt32BE(1), id);
    // A fresh client fetches the schema and its references from Sluice to decode.
    const decoded = await client(server, key).decode(encoded);
    assert.deepEqual(JSON.parse(JSON.stringify(decoded)), c.payload, c.type);

    // Sluice decodes the same payload on ingest, resolving the references itself. (This client
    // writes Protobuf without the message indexes Confluent's serializers put first: add them.)
    const framed = c.type === SchemaType.PROTOBUF ? encodeFrame(id, [0], encoded.subarray(5)) : encoded;
    const sent = await server.call('POST', '/v1/events', {
      token: key,
      raw: framed,
      contentType: 'application/vnd.confluent.wire',
      headers: { 'ce-type': `order${index}` },
    });
    assert.equal(sent.status, 200, `${c.type}: ${JSON.stringify(sent.body)}`);
    const read = await server.call('GET', `/v1/streams/acme.order${index}/events?partition=0&from=earliest&limit=10`, { token: key });
    assert.equal(read.status, 200);
    const events = read.body.items as { data: unknown }[];
    assert.deepEqual(
      events.map((event) => event.data),
      [c.payload],
      `${c.type}: stored as decoded`,
    );
  }
});

void test('normalize=true is accepted on register and lookup', async (t) => {
  const server = await startSluice(t);
  const reg = registryClient(server, await server.tenantWithKey('acme'));
  const registered = await reg('POST', '/subjects/acme.products-value/versions?normalize=true', { schema: JSON.stringify(productAvro) });
  assert.equal(registered.status, 200);
  // A differently written, equal schema: the lookup finds it.
  const spaced = JSON.stringify({ namespace: 'acme', fields: [{ type: 'string', name: 'sku' }], name: 'Product', type: 'record' }, null, 2);
  const found = await reg('POST', '/subjects/acme.products-value?normalize=true', { schema: spaced });
  assert.equal(found.status, 200);
  assert.equal(found.body.id, registered.body.id);
});

void test('collectDependencies refuses cycles and chains deeper than the bound, and lists each schema once', () => {
  const docs = new Map<number, SchemaDoc>();
  const add = (id: number, refs: number[]): void => {
    docs.set(id, {
      id,
      tenant: 'acme',
      format: 'JSON',
      schema: `{"$id":"s${id}"}`,
      fingerprint: String(id),
      references: refs.map((r) => ({ name: `s${r}`, subject: `acme.s${r}-value`, version: 1, schemaId: r })),
    });
  };
  const schemaOf = (id: number): SchemaDoc => docs.get(id)!;
  add(1, []);
  add(2, [1]);
  add(3, [1, 2]);
  const ordered = collectDependencies([{ name: 's3', subject: 'acme.s3-value', version: 1, schemaId: 3 }], schemaOf);
  assert.deepEqual(
    ordered.map((d) => d.names),
    [['s1'], ['s2'], ['s3']],
    'dependencies first, each once',
  );

  add(10, [11]);
  add(11, [10]);
  assert.throws(() => collectDependencies([{ name: 's10', subject: 'acme.s10-value', version: 1, schemaId: 10 }], schemaOf), /cycle/);

  for (let id = 100; id <= 100 + maxReferenceDepth + 1; id++) add(id, id === 100 ? [] : [id - 1]);
  const top = 100 + maxReferenceDepth + 1;
  assert.throws(() => collectDependencies([{ name: `s${top}`, subject: 'x', version: 1, schemaId: top }], schemaOf), /deeper than/);
  const fits = 100 + maxReferenceDepth - 1;
  assert.equal(collectDependencies([{ name: `s${fits}`, subject: 'x', version: 1, schemaId: fits }], schemaOf).length, maxReferenceDepth);
});
