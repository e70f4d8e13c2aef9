import { fileURLToPath } from 'node:url';
import { Agent, request } from 'undici';
import type { Bench, Row, ScenarioReport } from '../harness.ts';
import { format, startSluice, verdict } from '../harness.ts';
import { spawnServer, stopProcess } from '../processes.ts';
import { distribution, median } from '../stats.ts';
import { EventPool, benchType } from '../workload.ts';

export const singleTarget = 5_000;
export const batchTarget = 20_000;
export const latencyP99TargetMs = 20;
const receiverScript = fileURLToPath(new URL('../receiver-process.ts', import.meta.url));
/** Requests in flight: Sluice's maxInFlight per partition × 4 partitions, and the bare loop's concurrency. */
const perPartitionInFlight = 16;
const concurrency = perPartitionInFlight * 4;
const batchSize = 100;
const latencyRate = 1000;

interface Throughput {
  records: number;
  seconds: number;
}

/**
 * (9) Push delivery to a local receiver (its own process, answering 204 at once): records
 * per second one per request and in batches of 100, and append → delivery latency at a paced
 * 1,000 events/s; each against a bare undici loop posting bodies of the same shape and size
 * to the same receiver with the same concurrency, in the same run.
 */
export async function deliveryScenario(bench: Bench): Promise<ScenarioReport> {
  const { settings } = bench;
  bench.log('  (9) push delivery: records/s and append → delivery latency');
  const receiver = await spawnServer('receiver', [receiverScript]);
  const sluice = await startSluice(bench, { env: { SLUICE_DELIVERY_ALLOW_PRIVATE_NETWORKS: 'true' } });
  const pool = new EventPool(2000, 9);
  const agent = new Agent({ connections: concurrency, keepAliveTimeout: 60_000 });
  const details: string[] = [];
  const misses: string[] = [];
  const singles = { sluice: [] as Throughput[], floor: [] as Throughput[] };
  const batches = { sluice: [] as Throughput[], floor: [] as Throughput[] };
  const perRound = settings.quick ? { single: 10_000, batch: 40_000 } : { single: 50_000, batch: 200_000 };
  let latency: { sluice: number[]; floor: number[] } = { sluice: [], floor: [] };
  try {
    const api = apiOf(sluice.url, sluice.key);
    for (let round = 0; round < settings.rounds; round++) {
      for (const mode of ['single', 'batch'] as const) {
        const n = perRound[mode];
        const size = mode === 'single' ? 1 : batchSize;
        const floor = await bareLoop(agent, receiver.url, pool, n, size);
        const measured = await sluiceRound(api, receiver.url, pool, n, size, `r${round}-${mode}`);
        (mode === 'single' ? singles : batches).floor.push(floor);
        (mode === 'single' ? singles : batches).sluice.push(measured);
        const rate = (t: Throughput): string => format.int(t.records / t.seconds);
        bench.log(`    round ${round + 1} ${mode.padEnd(6)} floor ${rate(floor)} records/s, sluice ${rate(measured)} records/s`);
        details.push(
          `round ${round + 1}, ${mode === 'single' ? 'one record per request' : `batches of ${batchSize}`}: bare loop ${rate(floor)} records/s (${format.int(floor.records)} in ${floor.seconds.toFixed(2)} s), Sluice ${rate(measured)} records/s (${format.int(measured.records)} in ${measured.seconds.toFixed(2)} s)`,
        );
      }
    }
    latency = await latencyRounds(bench, api, agent, receiver.url, pool);
  } finally {
    await agent.close();
    await sluice.stop();
    await stopProcess(receiver, 5000);
  }
  const rateOf = (list: Throughput[]): number => median(list.map((t) => t.records / t.seconds));
  const rows: Row[] = [];
  for (const [label, results, target] of [
    ['records/s, one per request', singles, singleTarget],
    [`records/s, batches of ${batchSize}`, batches, batchTarget],
  ] as const) {
    const floor = rateOf(results.floor);
    const ours = rateOf(results.sluice);
    rows.push({
      metric: label,
      floor: format.int(floor),
      sluice: format.int(ours),
      ratio: format.ratio(ours / floor),
      target: `≥ ${format.int(target)}`,
      verdict: verdict(ours >= target),
    });
    if (ours < target) misses.push(`delivery: ${label} ${format.int(ours)} < ${format.int(target)}`);
  }
  const ours = distribution(latency.sluice);
  const bare = distribution(latency.floor);
  rows.push({
    metric: 'append → delivery p50',
    floor: format.ms(bare.p50),
    sluice: format.ms(ours.p50),
    ratio: format.ratio(ours.p50 / bare.p50),
    target: '',
    verdict: '',
  });
  rows.push({
    metric: 'append → delivery p99',
    floor: format.ms(bare.p99),
    sluice: format.ms(ours.p99),
    ratio: format.ratio(ours.p99 / bare.p99),
    target: `≤ ${latencyP99TargetMs} ms`,
    verdict: verdict(ours.p99 <= latencyP99TargetMs),
  });
  if (!(ours.p99 <= latencyP99TargetMs)) misses.push(`delivery: latency p99 ${format.ms(ours.p99)} > ${latencyP99TargetMs} ms`);
  details.push(
    `latency: ${format.int(latency.sluice.length)} events through Sluice, ${format.int(latency.floor.length)} bare posts; Sluice max ${format.ms(ours.max)}; bare max ${format.ms(bare.max)}`,
  );
  return {
    title: '9. Push delivery to a local webhook receiver',
    columns: { floor: 'bare undici loop', sluice: 'Sluice' },
    setup:
      `a receiver process answers 204 at once. Throughput: ${format.int(perRound.single)} (one per request) and ${format.int(perRound.batch)} (batches of ${batchSize}) stored records of ~${bench.eventBytes} bytes are delivered by a subscription that was paused while they were stored and is then resumed (maxInFlight ${perPartitionInFlight} per partition × 4 partitions), timed from the resume to the receiver's count; the bare loop posts the same number of structured CloudEvent bodies of the same shape with ${concurrency} requests in flight over undici. ` +
      `Latency: ${latencyRate} events/s for ${settings.seconds * settings.rounds} s (10 every 10 ms), each event's receiver arrival minus its ingest answer; the bare loop posts the same events to the receiver at the same pace, arrival minus send.`,
    rows,
    details,
    misses,
  };
}

interface Api {
  call(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }>;
}

function apiOf(url: string, key: string): Api {
  return {
    async call(method, path, body) {
      const init: RequestInit = { method, headers: { authorization: `Bearer ${key}` }, signal: AbortSignal.timeout(60_000) };
      if (body !== undefined) {
        init.headers = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
        init.body = typeof body === 'string' ? body : JSON.stringify(body);
      }
      const response = await fetch(`${url}${path}`, init);
      const text = await response.text();
      return { status: response.status, body: text === '' ? undefined : (JSON.parse(text) as unknown) };
    },
  };
}

async function expectOk(what: string, answer: Promise<{ status: number; body: any }>): Promise<any> {
  const { status, body } = await answer;
  if (status < 200 || status >= 300) throw new Error(`${what}: HTTP ${status} ${JSON.stringify(body)}`);
  return body;
}

async function resetReceiver(url: string): Promise<void> {
  await fetch(`${url}/reset`, { method: 'POST' });
}

async function receivedRecords(url: string): Promise<number> {
  return ((await (await fetch(`${url}/stats`)).json()) as { records: number }).records;
}

async function waitForRecords(url: string, n: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while ((await receivedRecords(url)) < n) {
    if (Date.now() > deadline) throw new Error(`the receiver got ${await receivedRecords(url)} of ${n} records within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Stores `n` events while the round's subscription is paused, resumes it, and times the delivery. */
async function sluiceRound(api: Api, receiverUrl: string, pool: EventPool, n: number, size: number, name: string): Promise<Throughput> {
  await expectOk(
    'create subscription',
    api.call('PUT', `/v1/subscriptions/${name}`, {
      types: [benchType],
      start: 'latest',
      destination: { url: `${receiverUrl}/hook` },
      delivery: { batchSize: size, maxInFlight: perPartitionInFlight },
    }),
  );
  await expectOk('pause', api.call('POST', `/v1/subscriptions/${name}/pause`));
  for (let sent = 0; sent < n; sent += 1000) {
    const events = pool.tails.slice(0, Math.min(1000, n - sent)).map((tail) => `{${tail}`);
    await expectOk('ingest', api.call('POST', '/v1/events', `[${events.join(',')}]`));
  }
  await resetReceiver(receiverUrl);
  const started = performance.now();
  await expectOk('resume', api.call('POST', `/v1/subscriptions/${name}/resume`));
  await waitForRecords(receiverUrl, n, 300_000);
  const seconds = (performance.now() - started) / 1000;
  await expectOk('delete subscription', api.call('DELETE', `/v1/subscriptions/${name}`));
  return { records: n, seconds };
}

/** A structured CloudEvent body like the ones Sluice sends, around a pool event's data. */
function cloudEventBody(pool: EventPool, i: number, id = `e-${i}`): string {
  const data = (JSON.parse(`{${pool.tails[i % pool.tails.length]!}`) as { data: unknown }).data;
  return `{"specversion":"1.0","id":"${id}","source":"bench","type":"${benchType}","time":"${new Date().toISOString()}","datacontenttype":"application/json","partitionkey":"k","sluicestream":"bench.orders","sluicepartition":0,"sluiceoffset":${i},"data":${JSON.stringify(data)}}`;
}

/** Posts `n` records to the receiver, `size` per request, `concurrency` requests at a time. */
async function bareLoop(agent: Agent, receiverUrl: string, pool: EventPool, n: number, size: number): Promise<Throughput> {
  const bodies = Array.from({ length: 200 }, (_, i) =>
    size === 1 ? cloudEventBody(pool, i) : `[${Array.from({ length: size }, (_, j) => cloudEventBody(pool, i * size + j)).join(',')}]`,
  );
  const contentType = size === 1 ? 'application/cloudevents+json' : 'application/cloudevents-batch+json';
  await resetReceiver(receiverUrl);
  const requests = Math.ceil(n / size);
  let next = 0;
  const started = performance.now();
  const lane = async (): Promise<void> => {
    while (next < requests) {
      const i = next++;
      const answer = await request(`${receiverUrl}/hook`, {
        method: 'POST',
        dispatcher: agent,
        headers: { 'content-type': contentType },
        body: bodies[i % bodies.length]!,
      });
      await answer.body.dump();
    }
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
  const seconds = (performance.now() - started) / 1000;
  await waitForRecords(receiverUrl, requests * size, 30_000);
  return { records: requests * size, seconds };
}

const now = (): number => performance.timeOrigin + performance.now();

/** Calls `send` for each 10 ms tick, on the tick (open loop), and waits for everything it started. */
async function paced(ticks: number, send: (tick: number) => Promise<void>[]): Promise<void> {
  const start = now();
  const started: Promise<void>[] = [];
  for (let tick = 0; tick < ticks; tick++) {
    const wait = start + tick * 10 - now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    started.push(...send(tick));
  }
  await Promise.all(started);
}

/** Each id's arrival at the receiver minus its time in `from`, ms. */
async function latencies(receiverUrl: string, from: ReadonlyMap<string, number>): Promise<number[]> {
  const arrivals = (await (await fetch(`${receiverUrl}/arrivals`)).json()) as Record<string, number>;
  return [...from].map(([id, at]) => (arrivals[id] ?? Number.NaN) - at).filter(Number.isFinite);
}

/** Paced events through Sluice, then the same pace of bare posts; latency samples in ms. */
async function latencyRounds(bench: Bench, api: Api, agent: Agent, receiverUrl: string, pool: EventPool): Promise<{ sluice: number[]; floor: number[] }> {
  const seconds = bench.settings.seconds * bench.settings.rounds;
  const ticks = Math.round((seconds * latencyRate) / 10);
  await expectOk(
    'create subscription',
    api.call('PUT', '/v1/subscriptions/latency', {
      types: [benchType],
      start: 'latest',
      destination: { url: `${receiverUrl}/hook` },
      delivery: { maxInFlight: perPartitionInFlight },
    }),
  );
  await new Promise((resolve) => setTimeout(resolve, 1500)); // the subscription's partitions are assigned
  await resetReceiver(receiverUrl);
  const answered = new Map<string, number>();
  await paced(ticks, (tick) => {
    const ids = Array.from({ length: 10 }, (_, j) => `lat-s${tick * 10 + j}`);
    const body = `[${ids.map((id, j) => `{"id":"${id}",${pool.tails[(tick * 10 + j) % pool.tails.length]!}`).join(',')}]`;
    return [
      api.call('POST', '/v1/events', body).then(({ status }) => {
        if (status !== 200) throw new Error(`latency ingest answered ${status}`);
        const at = now();
        for (const id of ids) answered.set(id, at);
      }),
    ];
  });
  await waitForRecords(receiverUrl, ticks * 10, 30_000);
  const sluice = await latencies(receiverUrl, answered);
  await expectOk('delete subscription', api.call('DELETE', '/v1/subscriptions/latency'));

  await resetReceiver(receiverUrl);
  const sent = new Map<string, number>();
  await paced(ticks, (tick) =>
    Array.from({ length: 10 }, (_, j) => {
      const id = `lat-f${tick * 10 + j}`;
      const body = cloudEventBody(pool, tick * 10 + j, id);
      sent.set(id, now());
      return request(`${receiverUrl}/hook`, { method: 'POST', dispatcher: agent, headers: { 'content-type': 'application/cloudevents+json' }, body }).then(
        (answer) => answer.body.dump(),
      );
    }),
  );
  const floor = await latencies(receiverUrl, sent);
  bench.log(`    latency: Sluice p99 ${format.ms(distribution(sluice).p99)}, bare p99 ${format.ms(distribution(floor).p99)}`);
  return { sluice, floor };
}
