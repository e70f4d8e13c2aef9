/**
 * A user-login processor from another ecosystem against Sluice's Kafka source, on the same
 * broker and the same input: rounds alternate between them, each on a fresh topic pre-filled
 * with the same records, timed from "go" until everything processed is in the output topics
 * (the peer's valid and invalid topics; Sluice's stream and dead-letter stream).
 */
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Admin } from '@platformatic/kafka';
import type { Bench, Row, ScenarioReport, SluiceUnderTest } from '../harness.ts';
import { format, startSluice, verdict } from '../harness.ts';
import { cpuSeconds, sampleRss } from '../processes.ts';
import { common, createTopic, rawProducer, sluiceOnKafka } from '../scenarios/kafka.ts';
import { median } from '../stats.ts';
import { benchTenant } from '../workload.ts';
import { deleteTopics, fillLoginTopic, readValues, recordsInTopic } from './login-topics.ts';
import type { PeerProcess } from './peer-process.ts';
import { invalidEvery, loginPartitionKey, loginPartitions, loginPipeline, loginRecords, loginSchema, loginType } from './user-login.ts';

/** Where one round of a peer reads and writes. */
export interface PeerRound {
  bootstrap: string;
  input: string;
  valid: string;
  invalid: string;
  group: string;
  expected: number;
  /** The user-login JSON Schema, as a file the program reads. */
  schemaFile: string;
}

export interface ProcessorPeer {
  /** Its column title, e.g. "Python loop". */
  label: string;
  /** How it is built and run, for the scenario's setup text. */
  description: string;
  /** Starts the program for one round; it consumes once told to go. */
  start(round: PeerRound): Promise<PeerProcess>;
}

export interface ComparisonSpec {
  title: string;
  /** Sluice's records/s must be at least this multiple of the peer's. */
  rateTarget: number;
  /** Whether Sluice's peak RSS must stay below the peer's. */
  memoryTarget: boolean;
}

interface Measured {
  elapsedMs: number;
  cpuSeconds: number;
  peakRss: number;
  valid: number;
  invalid: number;
}

/** Records per round (BENCH_PEER_RECORDS). */
export function peerRecords(bench: Bench): number {
  const raw = process.env.BENCH_PEER_RECORDS;
  const count = Number(raw === undefined || raw === '' ? (bench.settings.quick ? 20_000 : 200_000) : raw);
  if (!Number.isInteger(count) || count < 1000) throw new Error(`BENCH_PEER_RECORDS=${raw}: expected an integer ≥ 1000`);
  return count;
}

/**
 * Polls `count()` every 50 ms until it reaches `expected`; fails when it stops growing for
 * 30 s or passes `timeoutMs`, with `explain()` in the message.
 */
async function waitForCount(count: () => Promise<number>, expected: number, timeoutMs: number, explain: () => Promise<string>): Promise<number> {
  const started = performance.now();
  let seen = 0;
  let grewAt = started;
  while (performance.now() - started < timeoutMs && performance.now() - grewAt < 30_000) {
    const now = await count();
    if (now > seen) grewAt = performance.now();
    seen = now;
    if (seen >= expected) return performance.now();
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`${seen} of ${expected} records processed after ${format.ms(performance.now() - started)}; ${await explain()}`);
}

async function sluiceCall(sluice: SluiceUnderTest, method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const init: RequestInit = { method, headers: { authorization: `Bearer ${sluice.key}` }, signal: AbortSignal.timeout(15_000) };
  if (body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers = { authorization: `Bearer ${sluice.key}`, 'content-type': 'application/json' };
  }
  const response = await fetch(`${sluice.url}${path}`, init);
  const text = await response.text();
  return { status: response.status, body: text === '' ? undefined : JSON.parse(text) };
}

/** Records in one of the bench tenant's streams (0 before it exists). */
async function streamRecords(sluice: SluiceUnderTest, stream: string): Promise<number> {
  const answer = await sluiceCall(sluice, 'GET', `/v1/streams/${stream}`);
  if (answer.status === 404) return 0;
  if (answer.status !== 200) throw new Error(`describe ${stream}: HTTP ${answer.status} ${JSON.stringify(answer.body)}`);
  const { endOffsets, startOffsets } = answer.body as { endOffsets: number[]; startOffsets: number[] };
  return endOffsets.reduce((sum, end, partition) => sum + end - startOffsets[partition]!, 0);
}

const loginStream = `${benchTenant}.${loginType}`;
const deadStream = `${benchTenant}._dead`;

/** Sluice's side of a round: a source on the topic, timed until the stream and the dead letters hold every record. */
async function sluiceRound(sluice: SluiceUnderTest, name: string, topic: string, expected: number, timeoutMs: number): Promise<Measured> {
  const before = { valid: await streamRecords(sluice, loginStream), invalid: await streamRecords(sluice, deadStream) };
  const count = async (): Promise<number> =>
    (await streamRecords(sluice, loginStream)) - before.valid + (await streamRecords(sluice, deadStream)) - before.invalid;
  const rss = sampleRss(sluice.pid, 50);
  const cpuBefore = cpuSeconds(sluice.pid);
  const started = performance.now();
  const created = await sluiceCall(sluice, 'PUT', `/v1/sources/${name}`, { topic, type: loginType, format: 'json' });
  if (created.status !== 201) throw new Error(`create source: HTTP ${created.status} ${JSON.stringify(created.body)}`);
  const ended = await waitForCount(
    count,
    expected,
    timeoutMs,
    async () => `source: ${JSON.stringify((await sluiceCall(sluice, 'GET', `/v1/sources/${name}`)).body)}; Sluice stderr: ${sluice.stderr().slice(-1500)}`,
  );
  const cpu = cpuSeconds(sluice.pid) - cpuBefore;
  const { peak } = rss.stop();
  await sluiceCall(sluice, 'DELETE', `/v1/sources/${name}`);
  return {
    elapsedMs: ended - started,
    cpuSeconds: cpu,
    peakRss: peak,
    valid: (await streamRecords(sluice, loginStream)) - before.valid,
    invalid: (await streamRecords(sluice, deadStream)) - before.invalid,
  };
}

/** The peer's side of a round: start it (not timed), tell it to go, time until its two topics hold every record. */
async function peerRound(peer: ProcessorPeer, admin: Admin, round: PeerRound, timeoutMs: number): Promise<Measured> {
  const running = await peer.start(round);
  try {
    const rss = sampleRss(running.pid, 50);
    const cpuBefore = cpuSeconds(running.pid);
    const count = async (): Promise<number> => (await recordsInTopic(admin, round.valid)) + (await recordsInTopic(admin, round.invalid));
    const started = performance.now();
    running.go();
    const ended = await waitForCount(count, round.expected, timeoutMs, () => Promise.resolve(`${peer.label} stderr: ${running.stderr().slice(-1500)}`));
    const cpu = cpuSeconds(running.pid) - cpuBefore;
    const { peak } = rss.stop();
    return {
      elapsedMs: ended - started,
      cpuSeconds: cpu,
      peakRss: peak,
      valid: await recordsInTopic(admin, round.valid),
      invalid: await recordsInTopic(admin, round.invalid),
    };
  } finally {
    await running.stop();
  }
}

/**
 * Runs the comparison on the broker at `bootstrap` and answers the scenario's table: records/s,
 * peak RSS and CPU per record of each, and whether both sorted the records alike.
 */
export async function compareWithSluice(bench: Bench, bootstrap: string, workDir: string, peer: ProcessorPeer, spec: ComparisonSpec): Promise<ScenarioReport> {
  const { settings } = bench;
  const expected = peerRecords(bench);
  const records = loginRecords(expected);
  const expectedInvalid = records.filter((record) => !record.valid).length;
  const schemaFile = join(workDir, 'user-login.schema.json');
  writeFileSync(schemaFile, JSON.stringify(loginSchema));
  const timeoutMs = 300_000;
  const admin = new Admin({ ...common, clientId: 'bench-peer-admin', bootstrapBrokers: [bootstrap] });
  const producer = rawProducer(bootstrap, 'peer-fill');
  const results = { peer: [] as Measured[], sluice: [] as Measured[] };
  const details: string[] = [];
  const misses: string[] = [];
  const samples: string[] = [];
  let sluice: SluiceUnderTest | undefined;
  const run = randomBytes(3).toString('hex');
  const sluiceOptions = sluiceOnKafka(bootstrap);
  try {
    sluice = await startSluice(bench, sluiceOptions);
    const typed = await sluiceCall(sluice, 'PUT', `/v1/types/${loginType}`, {
      schema: loginSchema,
      partitions: loginPartitions,
      partitionKey: loginPartitionKey,
      pipeline: loginPipeline,
    });
    if (typed.status !== 201) throw new Error(`register ${loginType}: HTTP ${typed.status} ${JSON.stringify(typed.body)}`);
    for (let round = 0; round < settings.rounds; round++) {
      const order = round % 2 === 0 ? (['peer', 'sluice'] as const) : (['sluice', 'peer'] as const);
      for (const system of order) {
        const input = `logins-${run}-${round}-${system}`;
        await fillLoginTopic(admin, producer, input, records);
        let measured: Measured;
        if (system === 'sluice') measured = await sluiceRound(sluice, `peer-${run}-${round}`, input, expected, timeoutMs);
        else {
          const peerTopics = { valid: `${input}-valid`, invalid: `${input}-invalid` };
          await createTopic(admin, producer, peerTopics.valid, loginPartitions);
          await createTopic(admin, producer, peerTopics.invalid, loginPartitions);
          const peerRun: PeerRound = { bootstrap, input, ...peerTopics, group: `${input}-group`, expected, schemaFile };
          measured = await peerRound(peer, admin, peerRun, timeoutMs);
          if (round === 0)
            samples.push(
              `${peer.label} valid: ${(await readValues(bootstrap, peerTopics.valid, 1))[0]}`,
              `${peer.label} invalid: ${(await readValues(bootstrap, peerTopics.invalid, 1))[0]}`,
            );
        }
        results[system].push(measured);
        const line = `${system === 'peer' ? peer.label : 'Sluice source'} round ${round + 1}: ${format.int(expected)} records in ${format.ms(measured.elapsedMs)} = ${format.int((expected * 1000) / measured.elapsedMs)} records/s; ${measured.valid} valid, ${measured.invalid} invalid; peak RSS ${format.mb(measured.peakRss)}; CPU ${measured.cpuSeconds.toFixed(2)} s`;
        bench.log(`    ${line}`);
        details.push(line);
        if (measured.invalid !== expectedInvalid || measured.valid !== expected - expectedInvalid)
          misses.push(
            `${spec.title}, ${system === 'peer' ? peer.label : 'Sluice'} round ${round + 1}: ${measured.valid} valid and ${measured.invalid} invalid, expected ${expected - expectedInvalid} and ${expectedInvalid}`,
          );
      }
    }
    const events = await sluiceCall(sluice, 'GET', `/v1/streams/${loginStream}/events?limit=1`);
    samples.push(`Sluice stream record data: ${JSON.stringify((events.body as { items: { data: unknown }[] }).items[0]?.data)}`);
  } finally {
    await sluice?.stop();
    await deleteTopics(admin, [], [`logins-${run}-`, sluiceOptions.env.SLUICE_KAFKA_TOPIC_PREFIX!]);
    await producer.close().catch(() => undefined);
    await admin.close().catch(() => undefined);
  }
  for (const sample of samples) bench.log(`    ${sample}`);
  details.push(...samples);
  return report(peer, spec, expected, results, details, misses);
}

function report(
  peer: ProcessorPeer,
  spec: ComparisonSpec,
  expected: number,
  results: { peer: Measured[]; sluice: Measured[] },
  details: string[],
  misses: string[],
): ScenarioReport {
  const rate = (runs: Measured[]): number => median(runs.map((run) => (expected * 1000) / run.elapsedMs));
  const peak = (runs: Measured[]): number => median(runs.map((run) => run.peakRss));
  const cpuPerRecord = (runs: Measured[]): number => median(runs.map((run) => (run.cpuSeconds * 1e6) / expected));
  const peerRate = rate(results.peer);
  const sluiceRate = rate(results.sluice);
  const rateMet = sluiceRate >= spec.rateTarget * peerRate;
  if (!rateMet)
    misses.push(
      `${spec.title}: Sluice's ${format.int(sluiceRate)} records/s is ${format.ratio(sluiceRate / peerRate)} of ${format.int(peerRate)} (${peer.label}; target ≥ ${spec.rateTarget}×)`,
    );
  const rows: Row[] = [
    {
      metric: 'records/s (≈1% invalid)',
      floor: format.int(peerRate),
      sluice: format.int(sluiceRate),
      ratio: format.ratio(sluiceRate / peerRate),
      target: `≥ ${spec.rateTarget}× ${peer.label}`,
      verdict: verdict(rateMet),
    },
  ];
  const memoryMet = peak(results.sluice) < peak(results.peer);
  if (spec.memoryTarget && !memoryMet)
    misses.push(`${spec.title}: Sluice's peak RSS of ${format.mb(peak(results.sluice))} is not below ${format.mb(peak(results.peer))} (${peer.label})`);
  rows.push({
    metric: 'peak RSS of the process',
    floor: format.mb(peak(results.peer)),
    sluice: format.mb(peak(results.sluice)),
    ratio: format.ratio(peak(results.sluice) / peak(results.peer)),
    target: spec.memoryTarget ? `< ${peer.label}` : '',
    verdict: spec.memoryTarget ? verdict(memoryMet) : '',
  });
  rows.push({
    metric: 'CPU µs per record (the process)',
    floor: cpuPerRecord(results.peer).toFixed(1),
    sluice: cpuPerRecord(results.sluice).toFixed(1),
    ratio: format.ratio(cpuPerRecord(results.sluice) / cpuPerRecord(results.peer)),
    target: '',
    verdict: '',
  });
  return {
    title: spec.title,
    columns: { floor: peer.label, sluice: 'Sluice source' },
    setup:
      `A JSON topic (${loginPartitions} partitions) pre-filled per round and system with the same ${format.int(expected)} user-login records (keyed by user id; one in ${invalidEvery} breaks the schema). ` +
      `${peer.description} Sluice (--kafka, one process, started once) gets a source (PUT /v1/sources, format json) on the type \`${loginType}\` with the same JSON Schema and the pipeline rename timestamp → created_at, convert epoch-seconds → iso8601, set processed_at; ` +
      'valid records go to its stream, invalid ones to the dead-letter stream, both topics on the broker. Both are timed from "go" (the peer\'s clients already built; Sluice already running) until the two outputs hold every record (polled every 50 ms); ' +
      "rounds alternate the order; the table shows medians. RSS is sampled every 50 ms; CPU is the process's user + system time during the round.",
    rows,
    details,
    misses,
  };
}
