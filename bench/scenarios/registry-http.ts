import { fileURLToPath } from 'node:url';
import type { Bench, Row, SluiceUnderTest } from '../harness.ts';
import { format, startSluice, verdict } from '../harness.ts';
import type { LoadResult } from '../http-load.ts';
import { spawnServer, stopProcess, type Spawned } from '../processes.ts';
import type { FixedRoute } from '../registry-floor-server.ts';
import { median } from '../stats.ts';
import { benchPartitions, benchType, orderSchema, partitionKey } from '../workload.ts';
import { alternate, failuresOf, requestsPerSecond, roundDetails, type Round, type System } from './compare.ts';

/** A schema lookup by id may cost Sluice at most twice what a bare Fastify route answering the same bytes costs. */
export const lookupRatioTarget = 0.5;

/** Concurrent keep-alive connections, for the floor and Sluice alike. */
export const registryConnections = 8;

/** What Confluent's Java client (and so its serializers) sends as Accept on every call. */
const confluentAccept = 'application/vnd.schemaregistry.v1+json, application/vnd.schemaregistry+json, application/json';

const floorScript = fileURLToPath(new URL('../registry-floor-server.ts', import.meta.url));

/** One kind of request, its answer as Sluice gave it, and how the load process sends it. */
interface Call {
  label: string;
  method: 'GET' | 'PUT';
  path: string;
  /** The floor's route for it. */
  floorRoute: string;
  headers: Record<string, string>;
  body?: string;
  status: number;
  contentType: string;
  answer: string;
}

/**
 * The registry over HTTP, side by side with its floor: Sluice's answer to a schema lookup by
 * id and to a re-registration of the unchanged schema, and a bare Fastify process
 * (bench/registry-floor-server.ts) answering the same bytes with the same content type, both
 * driven by the same load process through the same number of connections, in alternating rounds.
 */
export async function httpRows(bench: Bench): Promise<{ rows: Row[]; details: string[]; misses: string[]; setup: string }> {
  const rows: Row[] = [];
  const details: string[] = [];
  const misses: string[] = [];
  bench.log('  (6) registry: lookups and re-registrations over HTTP, Sluice vs a bare Fastify route');
  const sluice = await startSluice(bench);
  let floor: Spawned | undefined;
  try {
    const { lookup, registration } = await recordCalls(sluice);
    const routes: FixedRoute[] = [lookup, registration].map((call) => ({
      method: call.method,
      url: call.floorRoute,
      status: call.status,
      contentType: call.contentType,
      body: call.answer,
    }));
    floor = await spawnServer('registry floor', [floorScript, JSON.stringify(routes)]);
    for (const call of [lookup, registration]) await expectSameAnswer(floor.url, call);

    const lookups = await compare(bench, floor, sluice, lookup);
    const registrations = await compare(bench, floor, sluice, registration);
    const lookupRatio = lookups.sluice / lookups.floor;
    rows.push(
      {
        metric: 'schema lookups/s (GET /registry/schemas/ids/{id})',
        floor: format.int(lookups.floor),
        sluice: format.int(lookups.sluice),
        ratio: format.ratio(lookupRatio),
        target: `≥ ${lookupRatioTarget}× bare Fastify`,
        verdict: verdict(lookupRatio >= lookupRatioTarget),
      },
      {
        metric: 'same-schema registrations/s (PUT /v1/types/{type})',
        floor: format.int(registrations.floor),
        sluice: format.int(registrations.sluice),
        ratio: format.ratio(registrations.sluice / registrations.floor),
        target: '',
        verdict: '',
      },
    );
    if (!(lookupRatio >= lookupRatioTarget))
      misses.push(
        `registry lookups: ${format.int(lookups.sluice)}/s is ${format.ratio(lookupRatio)} of a bare Fastify route's ${format.int(lookups.floor)}/s (target ≥ ${lookupRatioTarget}×)`,
      );
    for (const [call, measured] of [
      [lookup, lookups],
      [registration, registrations],
    ] as const) {
      details.push(
        `${call.label}: server CPU per request ${micros(measured.floorCpuMicros)} (bare Fastify) and ${micros(measured.sluiceCpuMicros)} (Sluice), median of the rounds`,
        ...measured.details,
      );
      for (const problem of measured.problems) misses.push(`registry ${call.label}: ${problem}`);
    }
    const after = await fetch(`${sluice.url}/v1/types/${benchType}`, {
      headers: { authorization: `Bearer ${sluice.key}` },
      signal: AbortSignal.timeout(15_000),
    });
    const view = (await after.json()) as { latestVersion: number };
    if (view.latestVersion !== 1) misses.push(`registry: re-registering the same schema made version ${view.latestVersion}, expected it to stay 1`);
    else details.push(`checked: ${format.int(registrations.sluiceTotal)} re-registrations of the same schema left the type at version 1`);
  } finally {
    if (floor !== undefined) await stopProcess(floor, 5000);
    await sluice.stop();
  }
  const { settings } = bench;
  const setup =
    `Over HTTP: one Sluice process with the \`orders\` type, and a bare Fastify process (default options, no hooks, no authentication) whose routes answer ` +
    `the bytes and content type Sluice answered, recorded at the start of the run. One load process drives both alike: ${registryConnections} keep-alive ` +
    `connections, closed loop, ${settings.rounds} alternating rounds of ${settings.seconds} s each after a ${settings.warmupSeconds} s warm-up. ` +
    `Lookups read the schema by id as Confluent's serializers do (\`Accept: ${confluentAccept}\`, a tenant key as Bearer); re-registrations ` +
    'send the unchanged definition (`PUT /v1/types/orders`, answered 200 without a new version). The load process checks the answer bytes.';
  return { rows, details, misses, setup };
}

/** Sluice's answers to the two calls, recorded so that the floor can give the same bytes. */
async function recordCalls(sluice: SluiceUnderTest): Promise<{ lookup: Call; registration: Call }> {
  const authorization = `Bearer ${sluice.key}`;
  const version = await fetch(`${sluice.url}/v1/types/${benchType}/versions/1`, { headers: { authorization }, signal: AbortSignal.timeout(15_000) });
  if (version.status !== 200) throw new Error(`GET /v1/types/${benchType}/versions/1 answered ${version.status}`);
  const schemaId = ((await version.json()) as { schemaId: number }).schemaId;
  const record = async (call: Omit<Call, 'status' | 'contentType' | 'answer'>): Promise<Call> => {
    const init: RequestInit = { method: call.method, headers: call.headers, signal: AbortSignal.timeout(15_000) };
    if (call.body !== undefined) init.body = call.body;
    const response = await fetch(`${sluice.url}${call.path}`, init);
    const answer = await response.text();
    if (response.status !== 200) throw new Error(`${call.method} ${call.path} answered ${response.status}: ${answer.slice(0, 300)}`);
    return { ...call, status: response.status, contentType: response.headers.get('content-type') ?? '', answer };
  };
  const lookup = await record({
    label: 'lookups',
    method: 'GET',
    path: `/registry/schemas/ids/${schemaId}`,
    floorRoute: '/registry/schemas/ids/:id',
    headers: { authorization, accept: confluentAccept },
  });
  const registration = await record({
    label: 'registrations',
    method: 'PUT',
    path: `/v1/types/${benchType}`,
    floorRoute: '/v1/types/:type',
    headers: { authorization, 'content-type': 'application/json' },
    body: JSON.stringify({ schema: orderSchema, partitions: benchPartitions, partitionKey }),
  });
  return { lookup, registration };
}

/** The floor must answer what Sluice answered, or the comparison means nothing. */
async function expectSameAnswer(floorUrl: string, call: Call): Promise<void> {
  const init: RequestInit = { method: call.method, headers: call.headers, signal: AbortSignal.timeout(15_000) };
  if (call.body !== undefined) init.body = call.body;
  const response = await fetch(`${floorUrl}${call.path}`, init);
  const answer = await response.text();
  const contentType = response.headers.get('content-type') ?? '';
  if (response.status !== call.status || contentType !== call.contentType || answer !== call.answer)
    throw new Error(
      `the registry floor answers ${call.method} ${call.path} with ${response.status} ${contentType} ${answer.slice(0, 200)}, not as Sluice does`,
    );
}

interface Compared {
  /** Requests per second, median of the rounds. */
  floor: number;
  sluice: number;
  floorCpuMicros: number;
  sluiceCpuMicros: number;
  sluiceTotal: number;
  details: string[];
  problems: string[];
}

async function compare(bench: Bench, floor: Spawned, sluice: SluiceUnderTest, call: Call): Promise<Compared> {
  let sluiceTotal = 0;
  const system = (name: 'bare Fastify' | 'Sluice', url: string, pid: number): System => ({
    name,
    pid,
    run: async (durationMs) => {
      const spec: Parameters<Bench['worker']['fixed']>[0] = {
        url,
        method: call.method,
        path: call.path,
        headers: call.headers,
        connections: registryConnections,
        durationMs,
        okStatuses: [call.status],
        expectBody: call.answer,
        timeoutMs: durationMs + 60_000,
      };
      if (call.body !== undefined) spec.body = call.body;
      const result = await bench.worker.fixed(spec);
      if (name === 'Sluice') sluiceTotal += result.ok;
      return result;
    },
  });
  bench.log(`    ${call.label}:`);
  const measured = await alternate(bench, system('bare Fastify', floor.url, floor.pid), system('Sluice', sluice.url, sluice.pid));
  const rate = (rounds: Round[]): number => median(rounds.map((round) => requestsPerSecond(round.result)));
  const cpuMicros = (rounds: Round[]): number => median(rounds.map((round) => (round.serverCpu / requestsPerSecond(round.result)) * 1e6));
  const unit = (result: LoadResult): string => `${format.int(requestsPerSecond(result))} ${call.label}/s`;
  return {
    floor: rate(measured.floor),
    sluice: rate(measured.sluice),
    floorCpuMicros: cpuMicros(measured.floor),
    sluiceCpuMicros: cpuMicros(measured.sluice),
    sluiceTotal,
    details: [...roundDetails(`${call.label}, bare Fastify`, measured.floor, unit), ...roundDetails(`${call.label}, Sluice`, measured.sluice, unit)],
    problems: [...failuresOf(measured.floor), ...failuresOf(measured.sluice, measured.warmup)],
  };
}

/**
 * Sluice alone under --cpu-prof (BENCH_PROFILE=registry) while the load process reads the
 * schema by id as in the scenario; answers the rate as one line.
 */
export async function profileRegistryLookups(bench: Bench, profileDir: string): Promise<string> {
  const sluice = await startSluice(bench, { profileDir });
  try {
    const { lookup } = await recordCalls(sluice);
    const { seconds, rounds, warmupSeconds } = bench.settings;
    const durationMs = (seconds * rounds + warmupSeconds) * 1000;
    bench.log(`  profiling Sluice under schema lookups by id for ${durationMs / 1000} s`);
    const result = await bench.worker.fixed({
      url: sluice.url,
      method: lookup.method,
      path: lookup.path,
      headers: lookup.headers,
      connections: registryConnections,
      durationMs,
      okStatuses: [lookup.status],
      expectBody: lookup.answer,
      timeoutMs: durationMs + 60_000,
    });
    if (result.failed > 0) throw new Error(`schema lookups under the profiler: ${result.failed} failed: ${result.errors.slice(0, 3).join(' | ')}`);
    return `schema lookups by id under the profiler: ${format.int(requestsPerSecond(result))}/s`;
  } finally {
    await sluice.stop();
  }
}

function micros(value: number): string {
  return Number.isFinite(value) ? `${value.toFixed(1)} µs` : 'n/a';
}
