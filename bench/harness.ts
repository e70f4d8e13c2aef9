import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readRss, spawnServer, stopProcess, trackTempDir, type Spawned } from './processes.ts';
import type { LoadWorker } from './worker-client.ts';
import { benchPartitions, benchStream, benchTenant, benchType, orderSchema, partitionKey } from './workload.ts';

/** How the run is shaped; every number can be changed through the environment. */
export interface Settings {
  quick: boolean;
  /** Length of one measured round, per system. */
  seconds: number;
  rounds: number;
  warmupSeconds: number;
  eventsPerRequest: number;
  batchConnections: number;
  singleConnections: number;
  e2eEventsPerSecond: number;
  e2eBatchSize: number;
  /** Events stored before the last RSS sample of the memory check. */
  rssEvents: number;
  rssEventsPerRequest: number;
  /** Which scenarios to run (all by default), e.g. BENCH_ONLY=batch,single. */
  only: Set<string> | undefined;
  /** Whether a run without BENCH_ONLY includes the peer scenarios (BENCH_PEERS=1). */
  peers: boolean;
  /**
   * Record a CPU profile of Sluice instead of the full run: during batched ingest of the
   * plain `orders` type (`batch`), of the type with the 5-step pipeline (`pipeline`), into
   * Kafka under scenario 7's load (`kafka`), or while a Kafka source drains a pre-filled
   * topic as in scenario 8 (`kafka-source`), or under schema lookups by id as in scenario 6
   * (`registry`).
   */
  profile: ProfileTarget | undefined;
}

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number, minimum: number, maximum: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < minimum || value > maximum) throw new Error(`${name}=${raw}: expected a number from ${minimum} to ${maximum}`);
  return value;
}

/** Sluice against other software (bench/scenarios/peers.ts): only when named, or with BENCH_PEERS=1. */
export const peerScenarioIds = ['peer-python', 'peer-streams', 'peer-karapace'] as const;

/**
 * `kafka` (scenarios 7 and 8) starts a Kafka broker of its own, and reports itself skipped when it cannot.
 * `kafka-memory` (12) runs only when asked for by name: it stores millions of events.
 * `checkpoints` (13) too: it compares two settings of the embedded store.
 */
export const scenarioIds = [
  'batch',
  'single',
  'e2e',
  'memory',
  'pipeline',
  'registry',
  'kafka',
  'delivery',
  'sink',
  'correlation',
  'kafka-memory',
  'checkpoints',
  ...peerScenarioIds,
] as const;

export type ProfileTarget = 'batch' | 'single' | 'pipeline' | 'kafka' | 'kafka-source' | 'registry';

function profileTarget(raw: string | undefined): ProfileTarget | undefined {
  if (raw === undefined || raw === '' || raw === '0' || raw === 'false') return undefined;
  if (raw === '1' || raw === 'true' || raw === 'batch') return 'batch';
  if (raw === 'single' || raw === 'pipeline' || raw === 'kafka' || raw === 'kafka-source' || raw === 'registry') return raw;
  throw new Error(`BENCH_PROFILE=${raw}: expected 1 (or batch), single, pipeline, kafka, kafka-source or registry`);
}

export function readSettings(env: NodeJS.ProcessEnv): Settings {
  const quick = env.BENCH_QUICK === '1' || env.BENCH_QUICK === 'true';
  const only = env.BENCH_ONLY === undefined || env.BENCH_ONLY === '' ? undefined : new Set(env.BENCH_ONLY.split(',').map((s) => s.trim()));
  for (const id of only ?? [])
    if (!(scenarioIds as readonly string[]).includes(id)) throw new Error(`BENCH_ONLY: unknown scenario "${id}" (expected ${scenarioIds.join(', ')})`);
  return {
    quick,
    seconds: integer(env, 'BENCH_SECONDS', quick ? 1 : 5, 0.2, 600),
    rounds: Math.round(integer(env, 'BENCH_ROUNDS', quick ? 2 : 3, 1, 50)),
    warmupSeconds: integer(env, 'BENCH_WARMUP_SECONDS', quick ? 0.5 : 2, 0, 120),
    eventsPerRequest: Math.round(integer(env, 'BENCH_EVENTS_PER_REQUEST', 100, 1, 5000)),
    batchConnections: Math.round(integer(env, 'BENCH_BATCH_CONNECTIONS', 16, 1, 1000)),
    singleConnections: 50,
    e2eEventsPerSecond: 5000,
    e2eBatchSize: Math.round(integer(env, 'BENCH_E2E_BATCH', 50, 1, 5000)),
    rssEvents: Math.round(integer(env, 'BENCH_RSS_EVENTS', quick ? 100_000 : 1_000_000, 4000, 100_000_000)),
    rssEventsPerRequest: 1000,
    only,
    peers: env.BENCH_PEERS === '1' || env.BENCH_PEERS === 'true',
    profile: profileTarget(env.BENCH_PROFILE),
  };
}

/** One line of a scenario's table. */
export interface Row {
  metric: string;
  floor: string;
  sluice: string;
  ratio: string;
  target: string;
  verdict: 'met' | 'missed' | '';
}

export interface ScenarioReport {
  title: string;
  /**
   * Titles of the two compared columns when they are not the floor and Sluice (the
   * pipeline scenario compares Sluice with itself).
   */
  columns?: { floor: string; sluice: string };
  /** What was sent, how, for how long. */
  setup: string;
  rows: Row[];
  /** Per-round numbers and checks, for the reader who wants to see the spread. */
  details: string[];
  /** Targets missed, one line each. */
  misses: string[];
}

export interface Bench {
  settings: Settings;
  floorUrl: string;
  floorPid: number;
  worker: LoadWorker;
  /** Average size of one serialised event, bytes. */
  eventBytes: number;
  adminToken: string;
  log(message: string): void;
  /** Filled in by the batched-ingest scenario for the memory table. */
  facts: { batchPeakRss?: { variant: string; peak: number; baseline: number }[] };
}

const durableFloorScript = fileURLToPath(new URL('./durable-floor-server.ts', import.meta.url));
const threadedFloorScript = fileURLToPath(new URL('./threaded-floor-server.ts', import.meta.url));

/**
 * The durable floors: bench/durable-floor-server.ts as it is or validating each event
 * (`--validate`), and the validating floor over two threads (bench/threaded-floor-server.ts).
 */
export type DurableFloorKind = 'durable' | 'validating' | 'reuse-port' | 'prepare-thread';

/** The durable floors scenarios 1 and 2 run beside the floor and Sluice, by name, with what each does and how it is started. */
export const durableFloors: readonly { kind: DurableFloorKind; name: string; does: string; args: readonly string[] }[] = [
  {
    kind: 'durable',
    name: 'durable floor',
    does: 'node:http, JSON.parse, node:sqlite group commit on a thread (one row per body)',
    args: [durableFloorScript],
  },
  {
    kind: 'validating',
    name: 'validating floor',
    does: 'the durable floor, plus per event ajv, a UUID, a partition and JSON text, and an answer with ids and offsets, all on the HTTP thread',
    args: [durableFloorScript, '--validate'],
  },
  {
    kind: 'reuse-port',
    name: 'validating floor on two HTTP threads',
    does: 'the same work, with a second HTTP thread on the same port (SO_REUSEPORT), each thread parsing, validating and answering its own requests',
    args: [threadedFloorScript, '--shape=reuse-port'],
  },
  {
    kind: 'prepare-thread',
    name: 'validating floor with a prepare thread',
    does: "the same work, each body parsed and validated on a thread of its own and its records handed back to the HTTP thread (the shape of Sluice's ingest thread)",
    args: [threadedFloorScript, '--shape=prepare-thread'],
  },
];

/** A durable floor running for one scenario, with its name and what it does. */
export interface DurableFloor {
  name: string;
  does: string;
  /** The script and its options, as a reader would run it. */
  source: string;
  url: string;
  pid: number;
  stop: () => Promise<void>;
}

/** Every durable floor, started together for one scenario. */
export interface DurableFloors {
  floors: DurableFloor[];
  /** Stops each one started. */
  stop: () => Promise<void>;
}

/** Every durable floor, started together; `stop` stops each one started. */
export async function startDurableFloors(): Promise<DurableFloors> {
  const floors: DurableFloor[] = [];
  const stop = async (): Promise<void> => {
    await Promise.allSettled(floors.map((floor) => floor.stop()));
  };
  try {
    for (const { kind, name, does, args } of durableFloors) {
      const [script, ...options] = args;
      floors.push({ name, does, source: ['bench/' + basename(script!), ...options].join(' '), ...(await startDurableFloor(kind, args)) });
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return { floors, stop };
}

/**
 * A durable floor (bench/durable-floor-server.ts), fresh for one scenario: it keeps every
 * body it is sent, so it starts on an empty directory each time, removed with it (and at the
 * benchmark's exit, whatever happens).
 */
async function startDurableFloor(kind: DurableFloorKind, args: readonly string[]): Promise<{ url: string; pid: number; stop: () => Promise<void> }> {
  const dataDir = mkdtempSync(join(tmpdir(), `sluice-bench-${kind}-floor-`));
  const removeDataDir = trackTempDir(dataDir);
  try {
    const [script, ...options] = args;
    const spawned = await spawnServer(`${kind} floor server`, [script!, dataDir, ...options]);
    return {
      url: spawned.url,
      pid: spawned.pid,
      stop: async () => {
        try {
          await stopProcess(spawned, 10_000);
        } finally {
          removeDataDir();
        }
      },
    };
  } catch (error) {
    removeDataDir();
    throw error;
  }
}

const serverScript = fileURLToPath(new URL('./server-process.ts', import.meta.url));

export interface SluiceUnderTest {
  url: string;
  pid: number;
  /** A key of the bench tenant with every scope. */
  key: string;
  dataDir: string;
  /** Records in the bench stream, from its end offsets over the API. */
  storedEvents(): Promise<number>;
  /** The first records of one partition of the bench stream, as readers see them. */
  readEvents(partition: number, limit: number): Promise<{ data: unknown }[]>;
  /** Bytes of the data directory (the SQLite file and its WAL). */
  diskBytes(): number;
  rss(): number;
  /** What the process wrote on stderr so far (its first 20,000 characters). */
  stderr(): string;
  /** The sum of a Prometheus series of `/metrics` over the samples whose labels include `labels`. */
  metric(name: string, labels?: Record<string, string>): Promise<number>;
  stop(): Promise<void>;
}

/**
 * Starts a fresh Sluice process on a new data directory and sets up, over the HTTP API,
 * the bench tenant, a key and the `orders` type; checks that sample events are accepted.
 */
export async function startSluice(
  bench: Bench,
  options: { execArgv?: string[]; profileDir?: string; pipeline?: unknown; env?: Record<string, string>; startTimeoutMs?: number } = {},
): Promise<SluiceUnderTest> {
  const dataDir = mkdtempSync(join(tmpdir(), 'sluice-bench-'));
  const removeDataDir = trackTempDir(dataDir);
  let server: Spawned;
  try {
    const execArgv = [...(options.execArgv ?? [])];
    if (options.profileDir !== undefined) execArgv.push('--cpu-prof', `--cpu-prof-dir=${options.profileDir}`);
    server = await spawnServer('sluice', [serverScript, dataDir], {
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        SLUICE_ADMIN_TOKEN: bench.adminToken,
        // Where the ingest thread takes over, for measuring it (docs/BENCHMARKS.md, "Running it").
        ...(process.env.BENCH_INGEST_THREAD_MIN_BYTES === undefined ? {} : { SLUICE_INGEST_THREAD_MIN_BYTES: process.env.BENCH_INGEST_THREAD_MIN_BYTES }),
        ...(process.env.BENCH_NODE_OPTIONS === undefined ? {} : { NODE_OPTIONS: process.env.BENCH_NODE_OPTIONS }),
        ...options.env,
      },
      cwd: dataDir,
      execArgv,
      timeoutMs: options.startTimeoutMs ?? 30_000,
    });
  } catch (error) {
    removeDataDir();
    throw error;
  }
  const call = async (method: string, path: string, token: string, body?: unknown): Promise<{ status: number; body: any }> => {
    const init: RequestInit = {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      signal: AbortSignal.timeout(15_000),
    };
    if (body !== undefined) init.body = JSON.stringify(body);
    const response = await fetch(`${server.url}${path}`, init);
    const text = await response.text();
    return { status: response.status, body: text === '' ? undefined : JSON.parse(text) };
  };
  const expect = (what: string, answer: { status: number; body: any }, status: number): void => {
    if (answer.status !== status) throw new Error(`${what}: expected HTTP ${status}, got ${answer.status} ${JSON.stringify(answer.body)}`);
  };
  const stop = async (): Promise<void> => {
    await stopProcess(server, 30_000);
    removeDataDir();
  };
  try {
    expect('create tenant', await call('POST', '/v1/tenants', bench.adminToken, { id: benchTenant, name: 'Benchmark' }), 201);
    const created = await call('POST', `/v1/tenants/${benchTenant}/keys`, bench.adminToken, {
      scopes: ['produce', 'consume', 'manage'],
      description: 'benchmark',
    });
    expect('create key', created, 201);
    const key = created.body.key as string;
    const definition: Record<string, unknown> = { schema: orderSchema, partitions: benchPartitions, partitionKey };
    if (options.pipeline !== undefined) definition.pipeline = options.pipeline;
    expect('register type', await call('PUT', `/v1/types/${benchType}`, key, definition), 201);
    const storedEvents = async (): Promise<number> => {
      const answer = await call('GET', `/v1/streams/${benchStream}`, key);
      expect('describe stream', answer, 200);
      return (answer.body.endOffsets as number[]).reduce((sum, end, partition) => sum + end - (answer.body.startOffsets[partition] as number), 0);
    };
    const readEvents = async (partition: number, limit: number): Promise<{ data: unknown }[]> => {
      const answer = await call('GET', `/v1/streams/${benchStream}/events?partition=${partition}&from=earliest&limit=${limit}`, key);
      expect('read stream', answer, 200);
      return answer.body.items as { data: unknown }[];
    };
    return {
      url: server.url,
      pid: server.pid,
      key,
      dataDir,
      storedEvents,
      readEvents,
      diskBytes: () => directoryBytes(dataDir),
      rss: () => readRss(server.pid),
      stderr: () => server.stderr(),
      metric: async (name, labels = {}) => sumOfSeries(await metricsText(server.url, bench.adminToken), name, labels),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** A Sluice's `/metrics` (Prometheus text format), read with the admin token. */
export async function metricsText(url: string, adminToken: string): Promise<string> {
  const response = await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${adminToken}` }, signal: AbortSignal.timeout(15_000) });
  if (!response.ok) throw new Error(`/metrics: HTTP ${response.status}`);
  return response.text();
}

/**
 * The sum of a series over its samples (`name{label="value",…} number` lines) whose labels
 * include `labels`; NaN when no sample matches.
 */
export function sumOfSeries(text: string, name: string, labels: Record<string, string> = {}): number {
  let sum = Number.NaN;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (Object.entries(labels).every(([label, value]) => line.includes(`${label}="${value}"`)))
      sum = (Number.isNaN(sum) ? 0 : sum) + Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}

function directoryBytes(dir: string): number {
  let total = 0;
  for (const name of readdirSync(dir)) {
    try {
      total += statSync(join(dir, name)).size;
    } catch {
      // a file that went away (WAL checkpoint) counts for nothing
    }
  }
  return total;
}

export function newAdminToken(): string {
  return `bench-admin-${randomBytes(16).toString('hex')}`;
}

export const format = {
  int: (value: number): string => (Number.isFinite(value) ? Math.round(value).toLocaleString('en-US') : 'n/a'),
  ms: (value: number): string => (Number.isFinite(value) ? `${value.toFixed(2)} ms` : 'n/a'),
  ratio: (value: number): string => (Number.isFinite(value) ? `${value.toFixed(2)}×` : 'n/a'),
  mb: (bytes: number): string => (Number.isFinite(bytes) ? `${(bytes / 2 ** 20).toFixed(1)} MB` : 'n/a'),
  percent: (share: number): string => (Number.isFinite(share) ? `${(share * 100).toFixed(0)}%` : 'n/a'),
};

export const verdict = (met: boolean): 'met' | 'missed' => (met ? 'met' : 'missed');
