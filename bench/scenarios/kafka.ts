import { execFile, execFileSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { Admin, Consumer, MessagesStreamModes, ProduceAcks, Producer, type Message, type MessageToProduce } from '@platformatic/kafka';
import { partitionForKey } from '../../src/domain/partitioner.ts';
import type { Bench, Row, ScenarioReport, SluiceUnderTest } from '../harness.ts';
import { format, startSluice, verdict } from '../harness.ts';
import type { LoadResult } from '../http-load.ts';
import { median, Samples, distribution } from '../stats.ts';
import { benchPartitions, benchStream, benchType, EventPool } from '../workload.ts';
import { alternate, failuresOf, requestsPerSecond, roundDetails, type System } from './compare.ts';
import { kafkaSink } from './kafka-sink.ts';

/** Sluice's share of the raw client's rate that each scenario aims for. */
export const kafkaIngestTarget = 0.8;
export const kafkaSourceTarget = 0.7;

const script = fileURLToPath(new URL('../../scripts/kafka.sh', import.meta.url));

interface Broker {
  bootstrap: string;
  stop(): Promise<void>;
}

/**
 * Starts a single KRaft broker of its own with scripts/kafka.sh under a fresh state name,
 * or answers why it could not. The broker is stopped (and its state deleted) by `stop`, and
 * on process exit if the run is cut short. With BENCH_KAFKA_BOOTSTRAP, the broker there is
 * used instead and never stopped: it belongs to someone else.
 */
export async function startBroker(bench: Pick<Bench, 'log'>): Promise<Broker | string> {
  const given = process.env.BENCH_KAFKA_BOOTSTRAP;
  if (given !== undefined && given !== '') {
    if (!/^[\w.-]+:\d+$/.test(given)) return `BENCH_KAFKA_BOOTSTRAP=${given}: expected one host:port`;
    bench.log(`  using the Kafka broker at ${given} (BENCH_KAFKA_BOOTSTRAP)`);
    return { bootstrap: given, stop: () => Promise.resolve() };
  }
  const name = `bench-${randomBytes(4).toString('hex')}`;
  const stopSync = (): void => {
    try {
      execFileSync(script, ['stop', '--name', name], { stdio: 'ignore', timeout: 60_000 });
    } catch {
      // nothing more can be done while exiting
    }
  };
  bench.log(`  starting a Kafka broker (scripts/kafka.sh start --name ${name})`);
  const outcome = await new Promise<{ ok: true; stdout: string } | { ok: false; reason: string }>((resolve) => {
    execFile(script, ['start', '--name', name], { timeout: 300_000, encoding: 'utf8' }, (error, stdout, stderr) => {
      if (error === null) resolve({ ok: true, stdout });
      else resolve({ ok: false, reason: `${error.message.split('\n')[0]}; ${stderr.trim().split('\n').slice(-3).join(' | ')}` });
    });
  });
  if (!outcome.ok) {
    stopSync();
    return outcome.reason;
  }
  const bootstrap = outcome.stdout.trim().split('\n').at(-1)?.trim() ?? '';
  process.once('exit', stopSync);
  const stop = async (): Promise<void> => {
    process.removeListener('exit', stopSync);
    await new Promise<void>((resolve) => execFile(script, ['stop', '--name', name], { timeout: 90_000 }, () => resolve()));
  };
  if (!/^[\d.]+:\d+$/.test(bootstrap)) {
    await stop();
    return `scripts/kafka.sh printed no bootstrap address (got "${bootstrap}")`;
  }
  return { bootstrap, stop };
}

/** The raw client's settings: the same bounded timeouts as Sluice's Kafka adapter. */
export const common = { timeout: 10_000, retries: 3, retryDelay: 250 };

export function rawProducer(bootstrap: string, role: string): Producer {
  return new Producer({
    ...common,
    clientId: `bench-raw-${role}`,
    bootstrapBrokers: [bootstrap],
    idempotent: true,
    acks: ProduceAcks.ALL,
    autocreateTopics: false,
  });
}

export async function createTopic(admin: Admin, probe: Producer, topic: string, partitions: number): Promise<void> {
  await admin.createTopics({ topics: [topic], partitions, replicas: 1 });
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    try {
      const metadata = await probe.metadata({ topics: [topic], forceUpdate: true });
      if (metadata.topics.get(topic)?.partitionsCount === partitions) return;
    } catch {
      // not there yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`topic ${topic} has no leaders after 30 s`);
}

/**
 * The records Sluice writes for the bench events, built the way its Kafka event log builds
 * them: key = customer id, partition = murmur2(key) mod 4, value = the data as JSON text,
 * and the CloudEvents-binding headers plus Sluice's own.
 */
function recordsLike(pool: EventPool, topic: string): MessageToProduce[] {
  return pool.tails.map((tail) => {
    const event = JSON.parse(`{${tail}`) as { data: { customer_id: string; created_at: string } };
    const key = event.data.customer_id;
    const now = Date.now();
    const headers = new Map<Buffer, Buffer>();
    const add = (name: string, value: string): void => void headers.set(Buffer.from(name), Buffer.from(value));
    add('ce_specversion', '1.0');
    add('ce_id', randomUUID());
    add('ce_type', benchType);
    add('ce_source', '/tenants/bench');
    add('ce_time', new Date(now).toISOString());
    add('content-type', 'application/json');
    add('sluice_schemaid', '1');
    add('sluice_receivedat', String(now));
    return {
      topic,
      partition: partitionForKey(key, benchPartitions),
      key: Buffer.from(key),
      value: Buffer.from(JSON.stringify(event.data)),
      timestamp: BigInt(now),
      headers,
    };
  });
}

/**
 * The raw loop of scenario 7: `connections` closed-loop clients, each handing over a batch of
 * `perRequest` records and waiting for its acknowledgement; one idempotent acks=all producer
 * sends everything queued in one request at a time (what Sluice's group commit does too).
 * Answers a LoadResult where one "request" is one acknowledged batch.
 */
async function rawIngest(producer: Producer, records: MessageToProduce[], connections: number, perRequest: number, durationMs: number): Promise<LoadResult> {
  const latencies = new Samples();
  const errors: string[] = [];
  let ok = 0;
  let failed = 0;
  let queue: { messages: MessageToProduce[]; done: (error?: unknown) => void }[] = [];
  let sending: Promise<void> | undefined;
  const drain = async (): Promise<void> => {
    while (queue.length > 0) {
      const round = queue;
      queue = [];
      try {
        await producer.send({ messages: round.flatMap((queued) => queued.messages) });
        for (const queued of round) queued.done();
      } catch (error) {
        for (const queued of round) queued.done(error);
      }
    }
    sending = undefined;
  };
  let next = 0;
  const started = performance.now();
  const end = started + durationMs;
  const client = async (): Promise<void> => {
    while (performance.now() < end) {
      const messages = new Array<MessageToProduce>(perRequest);
      for (let i = 0; i < perRequest; i++) {
        messages[i] = records[next]!;
        next = (next + 1) % records.length;
      }
      const sentAt = performance.now();
      const error = await new Promise<unknown>((resolve) => {
        queue.push({ messages, done: resolve });
        sending ??= drain();
      });
      if (error === undefined) {
        ok++;
        latencies.push(performance.now() - sentAt);
      } else {
        failed++;
        if (errors.length < 5) errors.push(error instanceof Error ? error.message : JSON.stringify(error));
      }
    }
  };
  await Promise.all(Array.from({ length: connections }, client));
  return { responses: ok + failed, ok, failed, statuses: {}, elapsedMs: performance.now() - started, latency: distribution(latencies), errors };
}

/** (7) Batched HTTP ingest into Kafka against a raw producer loop with the same records. */
async function kafkaIngest(bench: Bench, bootstrap: string): Promise<ScenarioReport> {
  const { settings } = bench;
  const perRequest = settings.eventsPerRequest;
  const details: string[] = [];
  const misses: string[] = [];
  const rows: Row[] = [];
  bench.log('  (7) batched HTTP ingest into Kafka');
  const admin = new Admin({ ...common, clientId: 'bench-raw-admin', bootstrapBrokers: [bootstrap] });
  const producer = rawProducer(bootstrap, 'ingest');
  let sluice: SluiceUnderTest | undefined;
  try {
    const rawTopic = `raw-ingest-${randomBytes(3).toString('hex')}`;
    await createTopic(admin, producer, rawTopic, benchPartitions);
    const records = recordsLike(new EventPool(2000, 42), rawTopic);
    sluice = await startSluice(bench, sluiceOnKafka(bootstrap));
    const target = sluice;
    let acknowledged = 0;
    const raw: System = {
      name: 'raw producer',
      pid: process.pid,
      run: (durationMs) => rawIngest(producer, records, settings.batchConnections, perRequest, durationMs),
    };
    const viaSluice: System = {
      name: 'sluice',
      pid: target.pid,
      run: async (durationMs) => {
        const result = await bench.worker.ingest({
          url: target.url,
          token: target.key,
          connections: settings.batchConnections,
          durationMs,
          eventsPerRequest: perRequest,
          withIds: false,
          okStatuses: [200],
          timeoutMs: durationMs + 60_000,
        });
        acknowledged += result.ok * perRequest;
        return result;
      },
    };
    const measured = await alternate(bench, raw, viaSluice);
    const stored = await target.storedEvents();
    const eventsPerSecond = (rounds: typeof measured.floor): number => median(rounds.map((round) => requestsPerSecond(round.result) * perRequest));
    const rawRate = eventsPerSecond(measured.floor);
    const sluiceRate = eventsPerSecond(measured.sluice);
    const met = sluiceRate >= kafkaIngestTarget * rawRate;
    rows.push({
      metric: 'events/s, without ids',
      floor: format.int(rawRate),
      sluice: format.int(sluiceRate),
      ratio: format.ratio(sluiceRate / rawRate),
      target: `≥ ${kafkaIngestTarget}× raw`,
      verdict: verdict(met),
    });
    const p99 = (rounds: typeof measured.floor): number => median(rounds.map((round) => round.result.latency.p99));
    rows.push({
      metric: 'batch p99',
      floor: format.ms(p99(measured.floor)),
      sluice: format.ms(p99(measured.sluice)),
      ratio: format.ratio(p99(measured.sluice) / p99(measured.floor)),
      target: '',
      verdict: '',
    });
    if (!met)
      misses.push(
        `Kafka ingest: ${format.int(sluiceRate)} events/s is ${format.ratio(sluiceRate / rawRate)} of the raw producer's ${format.int(rawRate)} (target ≥ ${kafkaIngestTarget}×)`,
      );
    const unit = (result: LoadResult): string => `${format.int(requestsPerSecond(result) * perRequest)} events/s`;
    details.push(
      ...roundDetails('raw producer (server CPU = the bench process),', measured.floor, unit),
      ...roundDetails('Sluice on Kafka,', measured.sluice, unit),
    );
    details.push(
      `Sluice on Kafka: ${format.int(stored)} events in the stream, ${format.int(acknowledged)} acknowledged (${stored === acknowledged ? 'equal' : 'MISMATCH'})`,
    );
    if (stored !== acknowledged) misses.push(`Kafka ingest: ${stored} events stored but ${acknowledged} acknowledged`);
    for (const problem of failuresOf(measured.sluice, measured.warmup)) misses.push(`Kafka ingest, Sluice: ${problem}`);
    for (const problem of failuresOf(measured.floor)) misses.push(`Kafka ingest, raw producer: ${problem}`);
  } finally {
    await sluice?.stop();
    await producer.close().catch(() => undefined);
    await admin.close().catch(() => undefined);
  }
  return {
    title: '7. Batched HTTP ingest into Kafka (acks=all)',
    columns: { floor: 'raw producer', sluice: 'Sluice --kafka' },
    setup:
      `One local KRaft broker (scripts/kafka.sh). Sluice on Kafka takes ${perRequest} events of ~${bench.eventBytes} bytes per request (JSON array, no ids) on ${settings.batchConnections} keep-alive connections, ` +
      `validates them and answers after the idempotent acks=all produce. The raw loop sends the records Sluice writes (same key, partition, value bytes and headers) in batches of ${perRequest} from ${settings.batchConnections} ` +
      'concurrent senders through one idempotent acks=all @platformatic/kafka producer, one request in flight carrying everything queued.',
    rows,
    details,
    misses,
  };
}

/**
 * Start options for a Sluice on the broker; each gets a topic prefix of its own, since the
 * catalog (tenants, types) lives in Kafka and would outlive the process.
 */
export function sluiceOnKafka(bootstrap: string): { env: Record<string, string>; startTimeoutMs: number } {
  return { env: { SLUICE_KAFKA_BROKERS: bootstrap, SLUICE_KAFKA_TOPIC_PREFIX: `sluice-${randomBytes(3).toString('hex')}-` }, startTimeoutMs: 120_000 };
}

/** Pre-fills a topic with `count` JSON order records (data only, keyed by customer), not timed. */
async function fillSourceTopic(admin: Admin, producer: Producer, topic: string, pool: EventPool, count: number): Promise<void> {
  await createTopic(admin, producer, topic, benchPartitions);
  const values = pool.tails.map((tail) => {
    const data = (JSON.parse(`{${tail}`) as { data: { customer_id: string } }).data;
    return { key: Buffer.from(data.customer_id), value: Buffer.from(JSON.stringify(data)) };
  });
  for (let sent = 0; sent < count;) {
    const size = Math.min(2000, count - sent);
    const messages: MessageToProduce[] = [];
    for (let i = 0; i < size; i++) {
      const record = values[(sent + i) % values.length]!;
      messages.push({ topic, key: record.key, value: record.value, partition: partitionForKey(record.key.toString(), benchPartitions) });
    }
    await producer.send({ messages });
    sent += size;
  }
}

/**
 * The raw side of scenario 8: a consumer in a fresh group reads the topic from the start,
 * a producer (idempotent, acks=all) writes each batch of at most 500 to another topic with
 * the same key, value and partition, then the batch's offsets are committed. Answers the
 * milliseconds from the first fetch to the last acknowledged record. `out` names the topic
 * written (created here); `convert` turns each value into what is written (scenario 10's Avro
 * loop encodes it).
 */
export async function rawPassThrough(
  bootstrap: string,
  admin: Admin,
  producer: Producer,
  topic: string,
  count: number,
  timeoutMs: number,
  options: { out?: string; convert?: (value: Buffer) => Buffer } = {},
): Promise<number> {
  const out = options.out ?? `${topic}-out`;
  const convert = options.convert ?? ((value: Buffer) => value);
  await createTopic(admin, producer, out, benchPartitions);
  const consumer = new Consumer({
    ...common,
    clientId: 'bench-raw-source',
    groupId: `${topic}-raw`,
    bootstrapBrokers: [bootstrap],
    sessionTimeout: 10_000,
    heartbeatInterval: 1_000,
  });
  const started = performance.now();
  try {
    const stream = await consumer.consume({ topics: [topic], autocommit: false, mode: MessagesStreamModes.EARLIEST, maxWaitTime: 500 });
    try {
      return await new Promise<number>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`raw pass-through: not all ${count} records forwarded within ${timeoutMs} ms`)), timeoutMs);
        let queue: Message<Buffer, Buffer, Buffer, Buffer>[] = [];
        let forwarded = 0;
        let running = false;
        const fail = (error: unknown): void => {
          clearTimeout(timer);
          reject(error instanceof Error ? error : new Error(String(error)));
        };
        const drain = async (): Promise<void> => {
          running = true;
          while (queue.length > 0) {
            const batch = queue.slice(0, 500);
            queue = queue.slice(batch.length);
            if (queue.length < 2000 && stream.isPaused()) stream.resume();
            await producer.send({ messages: batch.map((m) => ({ topic: out, key: m.key, value: convert(m.value), partition: m.partition })) });
            const last = new Map<number, Message<Buffer, Buffer, Buffer, Buffer>>();
            for (const message of batch) last.set(message.partition, message);
            for (const message of last.values()) await message.commit();
            forwarded += batch.length;
            if (forwarded >= count) {
              clearTimeout(timer);
              resolve(performance.now() - started);
              return;
            }
          }
          running = false;
        };
        stream.on('error', fail);
        stream.on('data', (message: Message<Buffer, Buffer, Buffer, Buffer>) => {
          queue.push(message);
          if (queue.length >= 5000) stream.pause();
          if (!running) drain().catch(fail);
        });
      });
    } finally {
      await stream.close().catch(() => undefined);
    }
  } finally {
    await consumer.close(true).catch(() => undefined);
  }
}

/** The Sluice side of scenario 8: create a source on the topic, wait until all records are in the stream. */
async function sluicePassThrough(sluice: SluiceUnderTest, name: string, topic: string, count: number, timeoutMs: number): Promise<number> {
  const before = await sluice.storedEvents();
  const started = performance.now();
  const response = await fetch(`${sluice.url}/v1/sources/${name}`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${sluice.key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ topic, type: benchType, format: 'json' }),
    signal: AbortSignal.timeout(15_000),
  });
  const text = await response.text();
  if (response.status !== 201) throw new Error(`create source: expected HTTP 201, got ${response.status} ${text}`);
  const deadline = started + timeoutMs;
  let stored = before;
  let grewAt = started;
  // A stream that stops growing for 30 s will not finish: fail early with what Sluice said.
  while (performance.now() < deadline && performance.now() - grewAt < 30_000) {
    const now = await sluice.storedEvents();
    if (now > stored) grewAt = performance.now();
    stored = now;
    if (stored >= before + count) {
      const elapsed = performance.now() - started;
      if (stored !== before + count) throw new Error(`source ${name}: ${stored - before} events stored for ${count} records`);
      await fetch(`${sluice.url}/v1/sources/${name}`, {
        method: 'DELETE',
        headers: { authorization: `Bearer ${sluice.key}` },
        signal: AbortSignal.timeout(15_000),
      });
      return elapsed;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const deadLetters = await fetch(`${sluice.url}/v1/dead-letters?limit=3`, {
    headers: { authorization: `Bearer ${sluice.key}` },
    signal: AbortSignal.timeout(15_000),
  }).then((r) => r.text());
  const get = (path: string): Promise<string> =>
    fetch(`${sluice.url}${path}`, { headers: { authorization: `Bearer ${sluice.key}` }, signal: AbortSignal.timeout(15_000) }).then((r) => r.text());
  const [stream, source] = await Promise.all([get(`/v1/streams/${benchStream}`), get(`/v1/sources/${name}`)]);
  throw new Error(
    `stream ${stream.slice(0, 400)}; source ${source.slice(0, 400)}; source ${name}: ${stored - before} of ${count} records in the stream after ${format.ms(performance.now() - started)}, the last growth ${format.ms(grewAt - started)} after the start; dead letters: ${deadLetters.slice(0, 600)}; Sluice stderr: ${sluice.stderr().slice(-1500)}`,
  );
}

/** Records per round of scenario 8 (BENCH_KAFKA_SOURCE_RECORDS). */
function sourceRecords(bench: Bench): number {
  const count = Number(process.env.BENCH_KAFKA_SOURCE_RECORDS ?? (bench.settings.quick ? 20_000 : 200_000));
  if (!Number.isInteger(count) || count < 1000)
    throw new Error(`BENCH_KAFKA_SOURCE_RECORDS=${process.env.BENCH_KAFKA_SOURCE_RECORDS}: expected an integer ≥ 1000`);
  return count;
}

/** (8) Kafka source → validate → stream, against a raw consume-and-produce loop. */
async function kafkaSource(bench: Bench, bootstrap: string): Promise<ScenarioReport> {
  const { settings } = bench;
  const count = sourceRecords(bench);
  const timeoutMs = 180_000;
  bench.log(`  (8) Kafka source → validate → stream, ${format.int(count)} records per round`);
  const admin = new Admin({ ...common, clientId: 'bench-raw-admin', bootstrapBrokers: [bootstrap] });
  const producer = rawProducer(bootstrap, 'source');
  const pool = new EventPool(5000, 7);
  const details: string[] = [];
  const misses: string[] = [];
  const rates = { raw: [] as number[], sluice: [] as number[] };
  let sluice: SluiceUnderTest | undefined;
  try {
    sluice = await startSluice(bench, sluiceOnKafka(bootstrap));
    const run = randomBytes(3).toString('hex');
    for (let round = 0; round < settings.rounds; round++) {
      const order = round % 2 === 0 ? (['raw', 'sluice'] as const) : (['sluice', 'raw'] as const);
      for (const system of order) {
        const topic = `source-${run}-${round}-${system}`;
        await fillSourceTopic(admin, producer, topic, pool, count);
        const elapsed =
          system === 'raw'
            ? await rawPassThrough(bootstrap, admin, producer, topic, count, timeoutMs)
            : await sluicePassThrough(sluice, `bench-${run}-${round}`, topic, count, timeoutMs);
        const rate = (count * 1000) / elapsed;
        rates[system].push(rate);
        const line = `${system === 'raw' ? 'raw consume-and-produce' : 'Sluice source'} round ${round + 1}: ${format.int(count)} records in ${format.ms(elapsed)} = ${format.int(rate)} events/s`;
        bench.log(`    ${line}`);
        details.push(line);
      }
    }
  } finally {
    await sluice?.stop();
    await producer.close().catch(() => undefined);
    await admin.close().catch(() => undefined);
  }
  const rawRate = median(rates.raw);
  const sluiceRate = median(rates.sluice);
  const met = sluiceRate >= kafkaSourceTarget * rawRate;
  if (!met)
    misses.push(
      `Kafka source: ${format.int(sluiceRate)} events/s is ${format.ratio(sluiceRate / rawRate)} of the raw loop's ${format.int(rawRate)} (target ≥ ${kafkaSourceTarget}×)`,
    );
  return {
    title: '8. Kafka source → validate → stream',
    columns: { floor: 'raw consume+produce', sluice: 'Sluice source' },
    setup:
      `A JSON topic (4 partitions) pre-filled with ${format.int(count)} order records (the data only, keyed by customer) per round and system; timed from creating the source ` +
      '(PUT /v1/sources, type orders, format json) until the stream holds all of them (polled every 50 ms). Sluice validates each record against the 6-property schema. ' +
      'The raw loop reads the same kind of topic with a @platformatic/kafka consumer in a fresh group and writes each batch of ≤ 500 to another topic with an idempotent acks=all producer, committing after each batch.',
    rows: [
      {
        metric: 'events/s, pass-through',
        floor: format.int(rawRate),
        sluice: format.int(sluiceRate),
        ratio: format.ratio(sluiceRate / rawRate),
        target: `≥ ${kafkaSourceTarget}× raw`,
        verdict: verdict(met),
      },
    ],
    details,
    misses,
  };
}

/**
 * Scenarios 7 and 8 on a broker of their own. Without a broker (no Java, no cached Kafka
 * and no network), both are reported as skipped with the reason.
 */
export async function kafkaScenarios(bench: Bench, wanted: (id: string) => boolean): Promise<ScenarioReport[]> {
  const broker = await startBroker(bench);
  if (typeof broker === 'string') {
    const line = `skipped: no Kafka broker could be started (${broker}); see docs/internals/kafka-dev.md`;
    bench.log(`  kafka: ${line}`);
    const skipped = (metric: string): Row => ({ metric, floor: 'skipped', sluice: 'skipped', ratio: '', target: '', verdict: '' });
    return [
      {
        title: `7–8. Sluice on Kafka: ${line}`,
        setup: line,
        rows: [skipped('7. batched HTTP ingest into Kafka'), skipped('8. Kafka source pass-through')],
        details: [line],
        misses: [],
      },
    ];
  }
  try {
    bench.log(`  Kafka broker at ${broker.bootstrap}`);
    const reports = [];
    if (wanted('kafka')) reports.push(await kafkaIngest(bench, broker.bootstrap), await kafkaSource(bench, broker.bootstrap));
    if (wanted('sink')) reports.push(await kafkaSink(bench, broker.bootstrap));
    return reports;
  } finally {
    await broker.stop();
  }
}

/**
 * Sluice on a broker of its own under --cpu-prof (profiles written to `profileDir`), with the
 * load of scenario 7 (`kafka`: batched HTTP ingest for the rounds' total time) or of
 * scenario 8 (`kafka-source`: one source draining a pre-filled topic). Answers what the load
 * achieved, as one line.
 */
export async function profileOnKafka(bench: Bench, target: 'kafka' | 'kafka-source', profileDir: string): Promise<string> {
  const broker = await startBroker(bench);
  if (typeof broker === 'string') throw new Error(`no Kafka broker could be started: ${broker}`);
  try {
    const { settings } = bench;
    const sluice = await startSluice(bench, { ...sluiceOnKafka(broker.bootstrap), profileDir });
    try {
      if (target === 'kafka') {
        const seconds = settings.seconds * settings.rounds + settings.warmupSeconds;
        bench.log(`  profiling Sluice on Kafka under batched ingest (no ids) for ${seconds} s`);
        const result = await bench.worker.ingest({
          url: sluice.url,
          token: sluice.key,
          connections: settings.batchConnections,
          durationMs: seconds * 1000,
          eventsPerRequest: settings.eventsPerRequest,
          withIds: false,
          okStatuses: [200],
          timeoutMs: seconds * 1000 + 60_000,
        });
        return `batched HTTP ingest into Kafka under the profiler: ${format.int((result.ok * settings.eventsPerRequest * 1000) / result.elapsedMs)} events/s`;
      }
      const count = sourceRecords(bench);
      const admin = new Admin({ ...common, clientId: 'bench-raw-admin', bootstrapBrokers: [broker.bootstrap] });
      const producer = rawProducer(broker.bootstrap, 'source');
      try {
        const topic = `source-profile-${randomBytes(3).toString('hex')}`;
        await fillSourceTopic(admin, producer, topic, new EventPool(5000, 7), count);
        bench.log(`  profiling a Sluice source draining ${format.int(count)} records`);
        const elapsed = await sluicePassThrough(sluice, 'bench-profile', topic, count, 180_000);
        return `Kafka source under the profiler: ${format.int(count)} records in ${format.ms(elapsed)} = ${format.int((count * 1000) / elapsed)} events/s`;
      } finally {
        await producer.close().catch(() => undefined);
        await admin.close().catch(() => undefined);
      }
    } finally {
      await sluice.stop();
    }
  } finally {
    await broker.stop();
  }
}
