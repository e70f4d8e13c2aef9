import { randomBytes } from 'node:crypto';
import { Admin, type Producer } from '@platformatic/kafka';
import avro from 'avsc';
import type { Bench, ScenarioReport, SluiceUnderTest } from '../harness.ts';
import { format, startSluice, verdict } from '../harness.ts';
import { median } from '../stats.ts';
import { benchPartitions, benchStream, benchType, EventPool } from '../workload.ts';
import { common, createTopic, rawPassThrough, rawProducer, sluiceOnKafka } from './kafka.ts';

/** Sluice's share of the raw consume→produce loop's rate that the sink aims for. */
export const kafkaSinkTarget = 0.8;

/** The bench order as Avro, the shape of the JSON Schema the stream validates against. */
const orderAvro = {
  type: 'record',
  name: 'Order',
  namespace: 'bench',
  fields: [
    { name: 'order_id', type: 'string' },
    { name: 'customer_id', type: 'string' },
    { name: 'email', type: 'string' },
    { name: 'amount', type: 'double' },
    { name: 'created_at', type: 'string' },
    {
      name: 'shipping',
      type: { type: 'record', name: 'Shipping', fields: ['street', 'city', 'postal_code', 'country'].map((name) => ({ name, type: 'string' })) },
    },
  ],
};
const avroType = 'orders-avro';

function sinkRecords(bench: Bench): number {
  const count = Number(process.env.BENCH_KAFKA_SINK_RECORDS ?? (bench.settings.quick ? 20_000 : 200_000));
  if (!Number.isInteger(count) || count < 1000) throw new Error(`BENCH_KAFKA_SINK_RECORDS=${process.env.BENCH_KAFKA_SINK_RECORDS}: expected an integer ≥ 1000`);
  return count;
}

async function call(sluice: SluiceUnderTest, method: string, path: string, body: unknown, expected: number): Promise<any> {
  const init: RequestInit = { method, headers: { authorization: `Bearer ${sluice.key}` }, signal: AbortSignal.timeout(60_000) };
  if (body !== undefined) init.body = JSON.stringify(body);
  if (body !== undefined) init.headers = { authorization: `Bearer ${sluice.key}`, 'content-type': 'application/json' };
  const response = await fetch(`${sluice.url}${path}`, init);
  const text = await response.text();
  if (response.status !== expected) throw new Error(`${method} ${path}: expected HTTP ${expected}, got ${response.status} ${text.slice(0, 400)}`);
  return text === '' ? undefined : JSON.parse(text);
}

/** Stores `count` bench orders in Sluice's stream over HTTP, batches of 500 (not timed). */
async function fillStream(sluice: SluiceUnderTest, pool: EventPool, count: number): Promise<void> {
  for (let sent = 0; sent < count; sent += 500) {
    const size = Math.min(500, count - sent);
    const body = `[${Array.from({ length: size }, (_, i) => `{${pool.tails[(sent + i) % pool.tails.length]!}`).join(',')}]`;
    const response = await fetch(`${sluice.url}/v1/events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${sluice.key}`, 'content-type': 'application/json' },
      body,
      signal: AbortSignal.timeout(60_000),
    });
    if (response.status !== 200) throw new Error(`fill stream: HTTP ${response.status} ${(await response.text()).slice(0, 300)}`);
  }
}

async function recordsIn(admin: Admin, topic: string): Promise<number> {
  const [listed] = await admin.listOffsets({
    topics: [{ name: topic, partitions: Array.from({ length: benchPartitions }, (_, partitionIndex) => ({ partitionIndex, timestamp: -1n })) }],
  });
  return (listed?.partitions ?? []).reduce((sum, p) => sum + Number(p.offset), 0);
}

/** Sluice's side: a sink from the stream's beginning to `out`, timed until `out` holds every record. */
async function sluiceSink(
  sluice: SluiceUnderTest,
  admin: Admin,
  producer: Producer,
  name: string,
  out: string,
  destination: Record<string, unknown>,
  count: number,
  timeoutMs: number,
): Promise<number> {
  await createTopic(admin, producer, out, benchPartitions);
  const started = performance.now();
  await call(
    sluice,
    'PUT',
    `/v1/subscriptions/${name}`,
    { types: [benchType], start: 'earliest', destination: { kind: 'kafka', topic: out, ...destination } },
    201,
  );
  const deadline = started + timeoutMs;
  let written = 0;
  while (performance.now() < deadline) {
    written = await recordsIn(admin, out);
    if (written >= count) {
      const elapsed = performance.now() - started;
      await call(sluice, 'DELETE', `/v1/subscriptions/${name}`, undefined, 204);
      return elapsed;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const status = await call(sluice, 'GET', `/v1/subscriptions/${name}/deliveries?limit=3`, undefined, 200);
  throw new Error(
    `sink ${name}: ${written} of ${count} records in ${out} after ${format.ms(timeoutMs)}; last attempts ${JSON.stringify(status).slice(0, 600)}`,
  );
}

/** (10) Kafka sink: a stream written to a topic of another name, as JSON and as Avro, against a raw consume→produce loop. */
export async function kafkaSink(bench: Bench, bootstrap: string): Promise<ScenarioReport> {
  const { settings } = bench;
  const count = sinkRecords(bench);
  const timeoutMs = 180_000;
  bench.log(`  (10) Kafka sink: stream → topic, json and avro, ${format.int(count)} records per round`);
  const admin = new Admin({ ...common, clientId: 'bench-sink-admin', bootstrapBrokers: [bootstrap] });
  const producer = rawProducer(bootstrap, 'sink');
  const details: string[] = [];
  const misses: string[] = [];
  const rates = { json: { raw: [] as number[], sluice: [] as number[] }, avro: { raw: [] as number[], sluice: [] as number[] } };
  const started = sluiceOnKafka(bootstrap);
  let sluice: SluiceUnderTest | undefined;
  try {
    sluice = await startSluice(bench, started);
    const input = `${started.env.SLUICE_KAFKA_TOPIC_PREFIX}${benchStream}`;
    await call(sluice, 'PUT', `/v1/types/${avroType}`, { schemaType: 'AVRO', schema: orderAvro, partitions: benchPartitions }, 201);
    const schemaId = (await call(sluice, 'GET', `/v1/types/${avroType}`, undefined, 200)).versions[0].schemaId as number;
    const encoder = avro.Type.forSchema(orderAvro as avro.Schema);
    const header = Buffer.alloc(5);
    header.writeInt32BE(schemaId, 1);
    const toAvro = (value: Buffer): Buffer => Buffer.concat([header, encoder.toBuffer(JSON.parse(value.toString()))]);
    await fillStream(sluice, new EventPool(5000, 11), count);
    const run = randomBytes(3).toString('hex');
    for (let round = 0; round < settings.rounds; round++) {
      for (const kind of ['json', 'avro'] as const) {
        const order = round % 2 === 0 ? (['raw', 'sluice'] as const) : (['sluice', 'raw'] as const);
        for (const system of order) {
          const out = `sink-${run}-${round}-${kind}-${system}`;
          const elapsed =
            system === 'raw'
              ? await rawPassThrough(bootstrap, admin, producer, input, count, timeoutMs, kind === 'avro' ? { out, convert: toAvro } : { out })
              : await sluiceSink(
                  sluice,
                  admin,
                  producer,
                  `bench-${run}-${round}-${kind}`,
                  out,
                  kind === 'avro' ? { format: 'avro', schemaType: avroType } : {},
                  count,
                  timeoutMs,
                );
          const rate = (count * 1000) / elapsed;
          rates[kind][system].push(rate);
          const line = `${kind} ${system === 'raw' ? 'raw consume→produce' : 'Sluice sink'} round ${round + 1}: ${format.int(count)} records in ${format.ms(elapsed)} = ${format.int(rate)} records/s`;
          bench.log(`    ${line}`);
          details.push(line);
        }
      }
    }
  } finally {
    await sluice?.stop();
    await producer.close().catch(() => undefined);
    await admin.close().catch(() => undefined);
  }
  const rows = (['json', 'avro'] as const).map((kind) => {
    const raw = median(rates[kind].raw);
    const ours = median(rates[kind].sluice);
    const met = ours >= kafkaSinkTarget * raw;
    if (!met)
      misses.push(
        `Kafka sink (${kind}): ${format.int(ours)} records/s is ${format.ratio(ours / raw)} of the raw loop's ${format.int(raw)} (target ≥ ${kafkaSinkTarget}×)`,
      );
    return {
      metric: `records/s, stream → topic, ${kind}`,
      floor: format.int(raw),
      sluice: format.int(ours),
      ratio: format.ratio(ours / raw),
      target: `≥ ${kafkaSinkTarget}× raw`,
      verdict: verdict(met),
    };
  });
  return {
    title: '10. Kafka sink: stream → topic of another name',
    columns: { floor: 'raw consume→produce', sluice: 'Sluice sink' },
    setup:
      `Sluice on Kafka with ${format.int(count)} bench orders (~300 B, 4 partitions) in its stream; per round and format, timed from creating a sink (PUT /v1/subscriptions, kind kafka, start earliest, default batches of 500) ` +
      'until the output topic (4 partitions, made beforehand) holds every record, polled every 50 ms. json writes the data as stored; avro writes Confluent wire format with the registered Avro schema of a second type. ' +
      'The raw loop reads the same stream topic with a @platformatic/kafka consumer in a fresh group and writes each batch of ≤ 500 to its own topic with an idempotent acks=all producer, committing after each batch; for avro it parses each value and encodes it with avsc behind the same 5-byte header.',
    rows,
    details,
    misses,
  };
}
