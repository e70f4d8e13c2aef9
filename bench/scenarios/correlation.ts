import { randomBytes } from 'node:crypto';
import type { Bench, Row, ScenarioReport, SluiceUnderTest } from '../harness.ts';
import { format, startSluice } from '../harness.ts';
import { readRss } from '../processes.ts';
import { distribution } from '../stats.ts';
import { sluiceOnKafka, startBroker } from './kafka.ts';

const types = ['Events-TypeA', 'Events-TypeB', 'Events-TypeC', 'Events-TypeD', 'Events-TypeE'];
/** A type no event has: a correlation that also waits for it keeps every instance open. */
const never = 'Events-TypeF';
const lateTimeoutMs = 2000;

async function call(sluice: SluiceUnderTest, method: string, path: string, body: unknown, expected: number): Promise<any> {
  const init: RequestInit = { method, headers: { authorization: `Bearer ${sluice.key}` }, signal: AbortSignal.timeout(120_000) };
  if (body !== undefined) {
    init.body = typeof body === 'string' ? body : JSON.stringify(body);
    init.headers = { authorization: `Bearer ${sluice.key}`, 'content-type': typeof body === 'string' ? 'application/x-ndjson' : 'application/json' };
  }
  const response = await fetch(`${sluice.url}${path}`, init);
  const text = await response.text();
  if (response.status !== expected) throw new Error(`${method} ${path}: expected HTTP ${expected}, got ${response.status} ${text.slice(0, 400)}`);
  return text === '' ? undefined : JSON.parse(text);
}

function counts(bench: Bench): { events: number; keys: number; open: number } {
  const events = Number(process.env.BENCH_CORRELATION_EVENTS ?? (bench.settings.quick ? 50_000 : 1_000_000));
  if (!Number.isInteger(events) || events < 5000)
    throw new Error(`BENCH_CORRELATION_EVENTS=${process.env.BENCH_CORRELATION_EVENTS}: expected an integer ≥ 5000`);
  const keys = Math.floor(events / types.length);
  const open = Number(process.env.BENCH_CORRELATION_OPEN ?? (bench.settings.quick ? 50_000 : 1_000_000));
  if (!Number.isInteger(open) || open < keys)
    throw new Error(`BENCH_CORRELATION_OPEN=${process.env.BENCH_CORRELATION_OPEN}: expected an integer ≥ ${keys} (the transactions of the join)`);
  return { events, keys, open };
}

async function setUp(sluice: SluiceUnderTest): Promise<void> {
  const schema = { type: 'object', required: ['transaction'], properties: { transaction: { type: 'string' }, amount: { type: 'number' } } };
  for (const type of [...types, never]) await call(sluice, 'PUT', `/v1/types/${type}`, { schema, partitionKey: '/transaction', partitions: 4 }, 201);
  for (const type of ['Events_Aggregated', 'Events_Expired'])
    await call(sluice, 'PUT', `/v1/types/${type}`, { schema: { type: 'object' }, partitionKey: '/key' }, 201);
}

/** Stores one event of the first type for each of `count` more transactions (not timed). */
async function fillFirstType(sluice: SluiceUnderTest, count: number, prefix: string): Promise<void> {
  for (let sent = 0; sent < count; sent += 2000) {
    const lines = Array.from(
      { length: Math.min(2000, count - sent) },
      (_, i) => `{"type":"${types[0]}","data":{"transaction":"${prefix}${sent + i}","amount":${i % 100}}}`,
    );
    await call(sluice, 'POST', '/v1/events', lines.join('\n'), 200);
  }
}

/** Stores every type of `keys` transactions, shuffled, in NDJSON batches of 2,000 (not timed). */
async function fill(sluice: SluiceUnderTest, keys: number, prefix: string): Promise<void> {
  const total = keys * types.length;
  const batch: string[] = [];
  for (let i = 0; i < total; i++) {
    // A fixed permutation: transactions' events are spread over the whole load.
    const n = (i * 7_919) % total;
    const tx = n % keys;
    batch.push(`{"type":"${types[Math.floor(n / keys)]}","data":{"transaction":"${prefix}${tx}","amount":${tx % 100}}}`);
    if (batch.length === 2000 || i === total - 1) {
      await call(sluice, 'POST', '/v1/events', batch.join('\n'), 200);
      batch.length = 0;
    }
  }
}

/** Polls until a correlation runs in the process (on Kafka it waits a session timeout for the others first). */
async function running(sluice: SluiceUnderTest, name: string): Promise<void> {
  for (let attempt = 0; attempt < 600; attempt++) {
    if ((await call(sluice, 'GET', `/v1/correlations/${name}`, undefined, 200)).runningHere === true) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`correlation ${name} did not start running`);
}

/**
 * Creates a correlation from the earliest record and waits until `done` says so; answers the
 * seconds from when it started running (on Kafka, after its session-timeout wait) to done.
 */
async function drain(
  sluice: SluiceUnderTest,
  name: string,
  definition: object,
  done: (status: { open: number; counts: { complete: number } }) => boolean,
  timeoutMs: number,
): Promise<number> {
  // Every transaction stays open until its last type arrives: room for all of them (the default limit is 100,000).
  const limits = { maxOpenInstances: 10_000_000 };
  await call(
    sluice,
    'PUT',
    `/v1/correlations/${name}`,
    { ...definition, limits, start: 'earliest', emit: { complete: 'Events_Aggregated', expired: 'Events_Expired' } },
    201,
  );
  await running(sluice, name);
  const started = performance.now();
  for (;;) {
    const status = await call(sluice, 'GET', `/v1/correlations/${name}`, undefined, 200);
    if (done(status)) return (performance.now() - started) / 1000;
    if (performance.now() - started > timeoutMs)
      throw new Error(`correlation ${name} did not finish in ${timeoutMs / 1000} s: open ${status.open}, counts ${JSON.stringify(status.counts)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Timer lateness: transactions left incomplete, each expiring 2 s after its last event; how late the expired aggregate is stored. */
async function lateness(sluice: SluiceUnderTest, samples: number): Promise<number[]> {
  await call(
    sluice,
    'PUT',
    '/v1/correlations/timers',
    { types, key: '/transaction', timeout: `${lateTimeoutMs / 1000}s`, start: 'latest', emit: { complete: 'Events_Aggregated', expired: 'Events_Expired' } },
    201,
  );
  await running(sluice, 'timers');
  const prefix = `late-${randomBytes(3).toString('hex')}-`;
  for (let sent = 0; sent < samples; sent += 100) {
    const lines = Array.from({ length: Math.min(100, samples - sent) }, (_, i) => `{"type":"${types[0]}","data":{"transaction":"${prefix}${sent + i}"}}`);
    await call(sluice, 'POST', '/v1/events', lines.join('\n'), 200);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  for (let waited = 0; waited < 30_000; waited += 250) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    if ((await call(sluice, 'GET', '/v1/correlations/timers', undefined, 200)).counts.expired >= samples) break;
  }
  const late: number[] = [];
  const info = await call(sluice, 'GET', '/v1/streams/bench.Events_Expired', undefined, 200);
  for (let partition = 0; partition < info.partitions; partition++) {
    for (let from = info.startOffsets[partition] as number; from < (info.endOffsets[partition] as number); from += 1000) {
      const page = await call(sluice, 'GET', `/v1/streams/bench.Events_Expired/events?partition=${partition}&from=${from}&limit=1000`, undefined, 200);
      for (const item of page.items as { receivedAt: string; data: { key: string; lastAt: string } }[]) {
        if (!item.data.key.startsWith(prefix)) continue;
        late.push(Date.parse(item.receivedAt) - (Date.parse(item.data.lastAt) + lateTimeoutMs));
      }
    }
  }
  return late;
}

async function onEngine(bench: Bench, engine: 'SQLite' | 'Kafka', sluice: SluiceUnderTest, details: string[]): Promise<Row[]> {
  const { events, keys, open } = counts(bench);
  await setUp(sluice);
  bench.log(`    ${engine}: storing ${format.int(events)} events of ${format.int(keys)} transactions`);
  await fill(sluice, keys, 'tx-');
  const seconds = await drain(sluice, 'joined', { types, key: '/transaction', timeout: '10m' }, (s) => s.counts.complete >= keys, 600_000);
  const rate = events / seconds;
  details.push(
    `${engine}: ${format.int(events)} events joined into ${format.int(keys)} complete aggregates in ${seconds.toFixed(1)} s = ${format.int(rate)} events/s`,
  );
  // The first type's events of the join's transactions and of more, each waiting for a type no event has.
  await fillFirstType(sluice, open - keys, 'open-');
  const rssBefore = readRss(sluice.pid);
  const openSeconds = await drain(sluice, 'waiting', { types: [types[0], never], key: '/transaction', timeout: '1h' }, (s) => s.open >= open, 900_000);
  const rssAfter = readRss(sluice.pid);
  details.push(
    `${engine}: ${format.int(open)} instances of one event each left open (waiting for ${never}) in ${openSeconds.toFixed(1)} s; RSS ${format.mb(rssBefore)} before, ${format.mb(rssAfter)} with them open (${format.int(((rssAfter - rssBefore) / open) | 0)} bytes per instance)`,
  );
  const late = distribution(await lateness(sluice, bench.settings.quick ? 500 : 2000));
  details.push(`${engine}: timer lateness over ${late.count} expirations: p50 ${format.ms(late.p50)}, p99 ${format.ms(late.p99)}, max ${format.ms(late.max)}`);
  bench.log(`    ${details.slice(-3).join('\n    ')}`);
  return [
    {
      metric: `${engine}: events/s joined (5 types, ${format.int(keys)} keys)`,
      floor: '',
      sluice: format.int(rate),
      ratio: '',
      target: 'reported',
      verdict: '',
    },
    {
      metric: `${engine}: RSS with ${format.int(open)} open instances`,
      floor: format.mb(rssBefore),
      sluice: format.mb(rssAfter),
      ratio: '',
      target: 'reported',
      verdict: '',
    },
    {
      metric: `${engine}: timer lateness p99 (timeout 2 s)`,
      floor: '',
      sluice: format.ms(late.p99),
      ratio: '',
      target: '≤ 1000 ms',
      verdict: late.p99 <= 1000 ? 'met' : 'missed',
    },
  ];
}

/** (11) Correlations: five types joined by transaction on both engines; memory with every instance open; how late timers fire. */
export async function correlationScenario(bench: Bench): Promise<ScenarioReport> {
  bench.log('  (11) correlations: events/s joined, memory of open instances, timer lateness');
  const details: string[] = [];
  const rows: Row[] = [];
  const misses: string[] = [];
  const failed = (engine: string, error: unknown): void => {
    details.push(`${engine}: failed: ${(error as Error).message}`);
    rows.push({ metric: `${engine}: correlations`, floor: '', sluice: 'failed', ratio: '', target: 'finishes', verdict: 'missed' });
  };
  const embedded = await startSluice(bench);
  try {
    rows.push(...(await onEngine(bench, 'SQLite', embedded, details)));
  } catch (error) {
    failed('SQLite', error);
  } finally {
    await embedded.stop();
  }
  const broker = await startBroker(bench);
  if (typeof broker === 'string') {
    details.push(`Kafka: skipped, no broker could be started (${broker})`);
  } else {
    try {
      const onKafka = await startSluice(bench, sluiceOnKafka(broker.bootstrap));
      try {
        rows.push(...(await onEngine(bench, 'Kafka', onKafka, details)));
      } catch (error) {
        failed('Kafka', error);
      } finally {
        await onKafka.stop();
      }
    } finally {
      await broker.stop();
    }
  }
  for (const row of rows) if (row.verdict === 'missed') misses.push(`${row.metric}: ${row.sluice} (target ${row.target})`);
  const { events, keys, open } = counts(bench);
  return {
    title: '11. Correlations: five types joined by a key',
    columns: { floor: 'before', sluice: 'Sluice' },
    setup:
      `${format.int(events)} events of five types (${format.int(keys)} transactions, every type once, spread over the load) stored first; timed from when the correlation (start earliest) runs in the process (on Kafka a process first holds its shards' slots for a session timeout, 10 s) until every transaction is aggregated (GET /v1/correlations polled every 100 ms). ` +
      `Then ${format.int(open - keys)} more events of the first type (new transactions), and a second correlation of the first type and a sixth one no event has, so ${format.int(open)} instances of one event each stay open: RSS of the Sluice process before and after it reads them. ` +
      `Then timer lateness: transactions with one event each, a 2 s timeout, and the expired aggregate's stored time minus the deadline (its last event's stored time + 2 s).`,
    rows,
    details,
    misses,
  };
}
