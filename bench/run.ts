import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { format, newAdminToken, peerScenarioIds, readSettings, startSluice, type Bench, type ProfileTarget, type ScenarioReport } from './harness.ts';
import { turnOffPretenuring } from '../src/heap-tuning.ts';
import { killAll, loadAverage, machine, spawnServer, stopProcess, trackTempDir, type Spawned } from './processes.ts';
import { inclusiveShares, profilesIn, profileText, summarizeProfile } from './profile.ts';
import { markdownReport, textReport } from './report.ts';
import { checkpointThread } from './scenarios/checkpoint-thread.ts';
import { correlationScenario } from './scenarios/correlation.ts';
import { deliveryScenario } from './scenarios/delivery.ts';
import { endToEndLatency } from './scenarios/e2e-latency.ts';
import { batchedIngest } from './scenarios/ingest-batch.ts';
import { singleIngest } from './scenarios/ingest-single.ts';
import { kafkaScenarios, profileOnKafka } from './scenarios/kafka.ts';
import { kafkaMemory, kafkaRssPlan } from './scenarios/kafka-memory.ts';
import { memory } from './scenarios/memory.ts';
import { pipelineCost } from './scenarios/pipeline.ts';
import { registryCost } from './scenarios/registry.ts';
import { profileRegistryLookups } from './scenarios/registry-http.ts';
import { LoadWorker } from './worker-client.ts';
import { orderPipeline } from './workload.ts';
import { peerScenarios } from './scenarios/peers.ts';

/**
 * `npm run bench`: measures Sluice against a floor server in one run and writes
 * docs/BENCHMARKS.md. Environment:
 *   BENCH_QUICK=1            a few seconds per scenario, 100k events for the memory check, stdout only
 *   BENCH_SECONDS, BENCH_ROUNDS, BENCH_WARMUP_SECONDS   round length, count and warm-up
 *   BENCH_BATCH_CONNECTIONS  connections for batched ingest (16)
 *   BENCH_E2E_BATCH          events per request in the end-to-end scenario (50, i.e. every 10 ms)
 *   BENCH_EVENTS_PER_REQUEST events per request of batched ingest, scenarios 1 and 5 (100)
 *   BENCH_INGEST_THREAD_MIN_BYTES  passed to Sluice as SLUICE_INGEST_THREAD_MIN_BYTES (1: every request on the ingest thread, 0: none)
 *   BENCH_NODE_OPTIONS       passed to Sluice as NODE_OPTIONS (V8 heap flags, e.g. --max-semi-space-size=16)
 *   BENCH_RSS_EVENTS         events stored by the memory check (1,000,000)
 *   BENCH_ONLY=batch,single,e2e,memory,pipeline,registry,kafka,delivery,sink,correlation   run some scenarios only (stdout only);
 *                            kafka (scenarios 7 and 8) and sink (10) run on a broker they start (scripts/kafka.sh)
 *   BENCH_KAFKA_SINK_RECORDS records per round of the Kafka sink scenario (20,000 quick, 200,000 full)
 *   BENCH_CORRELATION_EVENTS events joined by the correlation scenario, on each engine (50,000 quick, 1,000,000 full)
 *   BENCH_CORRELATION_OPEN   instances left open for the memory figure, on each engine (50,000 quick, 1,000,000 full)
 *   BENCH_KAFKA_SOURCE_RECORDS  records per round of the Kafka source scenario (20,000 quick, 200,000 full)
 *   BENCH_ONLY=peer-python,peer-streams,peer-karapace   Sluice against a Python loop, Kafka Streams, Karapace
 *                            (bench/scenarios/peers.ts; they install into ~/.cache/sluice-peers, and say why when skipped)
 *   BENCH_PEERS=1            include those in a full run; BENCH_PEER_RECORDS records per round (20,000 quick, 200,000 full)
 *   BENCH_KAFKA_BOOTSTRAP=host:port  use that broker for every Kafka scenario instead of starting one (it is never stopped)
 *   BENCH_ONLY=checkpoints   (only when named) two Sluices with the embedded store's checkpoint thread off and on, alternated
 *   BENCH_ONLY=kafka-memory  (only when named) RSS of Sluice on Kafka while events with producer ids are stored,
 *                            read every million; BENCH_KAFKA_RSS_EVENTS sets how many (10,000,000; 400,000 quick)
 *   BENCH_PROFILE=1          record a CPU profile of Sluice under batched ingest and print its hot spots
 *   BENCH_PROFILE=single     the same under single-event ingest (one event per request, scenario 2's connections)
 *   BENCH_PROFILE=pipeline   the same, with the 5-step pipeline of scenario 5 on the type
 *   BENCH_PROFILE=kafka      Sluice on a broker of its own under scenario 7's load (batched HTTP ingest into Kafka)
 *   BENCH_PROFILE=kafka-source  Sluice on a broker of its own while a source drains a topic as in scenario 8
 *   BENCH_PROFILE=registry   Sluice under schema lookups by id, as in scenario 6
 *   BENCH_PROFILE_DIR=<dir>  keep the .cpuprofile files in a new folder under <dir> (for DevTools)
 */
const settings = readSettings(process.env);
const started = performance.now();
const docsFile = fileURLToPath(new URL('../docs/BENCHMARKS.md', import.meta.url));
const log = (message: string): void => void process.stderr.write(`${message}\n`);

/** Where the inclusive time of a profile goes: validation, the pipeline, and their caller. */
const pipelineGroups = [
  { name: 'runPipeline and all it calls (src/domain/pipeline.ts)', holds: (area: string) => area === 'src/domain/pipeline.ts' },
  {
    name: 'schema validation (src/services/schemas/json-schema.ts, ajv)',
    holds: (area: string) => area === 'src/services/schemas/json-schema.ts' || area === 'ajv' || area === 'ajv-formats',
  },
  { name: 'transform steps (src/domain/transforms/)', holds: (area: string) => area.startsWith('src/domain/transforms/') },
  {
    name: 'filter and route (src/domain/pipeline-config.ts, patterns)',
    holds: (area: string) => area === 'src/domain/pipeline-config.ts' || area.startsWith('src/domain/patterns/'),
  },
];

/** On Kafka, also the way in (HTTP or a source) and the way out (the event log, the client). */
const kafkaGroups = [
  { name: 'Fastify and request parsing (fastify, src/edges/http/)', holds: (area: string) => area === 'fastify' || area.startsWith('src/edges/http/') },
  { name: 'ingest service (src/services/ingest.ts)', holds: (area: string) => area === 'src/services/ingest.ts' },
  { name: 'source service (src/services/sources.ts)', holds: (area: string) => area === 'src/services/sources.ts' },
  ...pipelineGroups.slice(0, 2),
  { name: 'Kafka adapter (src/adapters/kafka/)', holds: (area: string) => area.startsWith('src/adapters/kafka/') },
  { name: '@platformatic/kafka', holds: (area: string) => area === '@platformatic/kafka' },
];

/**
 * Under registry lookups: pieces that call nothing else of the request's way (Fastify runs
 * hooks, handler and the socket write nested in one another, so their inclusive shares
 * would overlap).
 */
const registryGroups = [
  { name: 'request metrics (src/edges/http/metrics.ts, prom-client)', holds: (area: string) => area === 'src/edges/http/metrics.ts' || area === 'prom-client' },
  { name: 'request loggers (pino)', holds: (area: string) => area === 'pino' },
  { name: 'registry service (src/services/confluent/)', holds: (area: string) => area.startsWith('src/services/confluent/') },
  { name: 'key lookup (src/services/tenants.ts)', holds: (area: string) => area === 'src/services/tenants.ts' },
];

// Everything is bounded: a run that hangs is killed with all its processes. The Kafka memory
// check adds its own share: its events at no less than 2,000 a second.
const kafkaMemoryMs = settings.only?.has('kafka-memory') === true ? kafkaRssPlan(process.env, settings.quick).total / 2 : 0;
const budgetMs = (settings.profile !== undefined ? 10 * 60_000 : settings.quick ? 8 * 60_000 : 45 * 60_000) + kafkaMemoryMs;
const watchdog = setTimeout(() => {
  log(`bench: gave up after ${budgetMs / 60_000} minutes`);
  killAll();
  process.exit(3);
}, budgetMs);
watchdog.unref();
process.on('exit', killAll);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    log(`bench: ${signal}, stopping`);
    killAll();
    process.exit(130);
  });
}

// As in Sluice's own process; the in-process rows would otherwise measure the harness (report.ts says why).
turnOffPretenuring();

const floorScript = fileURLToPath(new URL('./floor-server.ts', import.meta.url));
let floor: Spawned | undefined;
let worker: LoadWorker | undefined;
let exitCode = 0;
try {
  const loadBefore = loadAverage();
  const host = machine();
  floor = await spawnServer('floor server', [floorScript]);
  worker = new LoadWorker();
  const info = await worker.info();
  const bench: Bench = {
    settings,
    floorUrl: floor.url,
    floorPid: floor.pid,
    worker,
    eventBytes: Math.round(info.averageEventBytes),
    adminToken: newAdminToken(),
    log,
    facts: {},
  };
  log(
    `bench: ${host.nproc} CPUs, Node ${host.node}, events ~${bench.eventBytes} bytes; ${settings.quick ? 'QUICK smoke run' : 'full run'}: ${settings.rounds} × ${settings.seconds} s rounds`,
  );

  if (settings.profile !== undefined) {
    await profileSluice(bench, settings.profile);
  } else {
    const scenarios: ScenarioReport[] = [];
    const wanted = (id: string): boolean => id !== 'kafka-memory' && id !== 'checkpoints' && (settings.only === undefined || settings.only.has(id));
    if (wanted('batch')) scenarios.push(await batchedIngest(bench));
    if (wanted('single')) scenarios.push(await singleIngest(bench));
    if (wanted('e2e')) scenarios.push(await endToEndLatency(bench));
    if (wanted('memory')) scenarios.push(await memory(bench));
    if (wanted('pipeline')) scenarios.push(await pipelineCost(bench));
    if (wanted('registry')) scenarios.push(await registryCost(bench));
    if (wanted('delivery')) scenarios.push(await deliveryScenario(bench));
    // The Kafka scenarios start a broker of their own.
    if (wanted('kafka') || wanted('sink')) scenarios.push(...(await kafkaScenarios(bench, wanted)));
    if (wanted('correlation')) scenarios.push(await correlationScenario(bench));
    const wantedPeer = (id: string): boolean => (settings.only === undefined ? settings.peers : settings.only.has(id));
    if (peerScenarioIds.some(wantedPeer)) scenarios.push(...(await peerScenarios(bench, wantedPeer)));
    if (settings.only?.has('kafka-memory') === true) scenarios.push(await kafkaMemory(bench));
    if (settings.only?.has('checkpoints') === true) scenarios.push(await checkpointThread(bench));
    process.stdout.write(`${textReport(scenarios)}\n`);
    if (!settings.quick && settings.only === undefined) {
      const markdown = markdownReport(
        {
          date: new Date().toISOString(),
          machine: host,
          command: 'npm run bench',
          settings,
          durationSeconds: (performance.now() - started) / 1000,
          loadBefore,
          loadAfter: loadAverage(),
          eventBytes: bench.eventBytes,
          sampleEvent: info.sample,
        },
        scenarios,
      );
      writeFileSync(docsFile, markdown);
      log(`bench: wrote ${docsFile}`);
    } else {
      log('bench: quick or partial run, docs/BENCHMARKS.md left as it was');
    }
  }
} catch (error) {
  log(`bench failed: ${(error as Error).stack ?? String(error)}`);
  exitCode = 1;
} finally {
  worker?.close();
  if (floor !== undefined) await stopProcess(floor, 5000);
  killAll();
  clearTimeout(watchdog);
}
log(`bench: done in ${Math.round((performance.now() - started) / 1000)} s`);
process.exit(exitCode);

/**
 * Sluice alone under --cpu-prof, then its hot spots: ingest on the embedded store (`batch`,
 * `single`, or `pipeline` with the 5-step pipeline on the type), on Kafka (`kafka`,
 * `kafka-source`; see profileOnKafka), or schema lookups by id (`registry`).
 */
async function profileSluice(bench: Bench, target: ProfileTarget): Promise<void> {
  const keepIn = process.env.BENCH_PROFILE_DIR;
  const profileDir = keepIn === undefined || keepIn === '' ? mkdtempSync(join(tmpdir(), 'sluice-bench-profile-')) : mkdtempSync(join(keepIn, 'profile-'));
  const removeProfileDir = keepIn === undefined || keepIn === '' ? trackTempDir(profileDir) : () => log(`bench: profiles kept in ${profileDir}`);
  try {
    const onKafka = target === 'kafka' || target === 'kafka-source';
    const measured = onKafka
      ? await profileOnKafka(bench, target, profileDir)
      : target === 'registry'
        ? await profileRegistryLookups(bench, profileDir)
        : await ingestUnderProfile(bench, target, profileDir);
    const profiles = profilesIn(profileDir);
    if (profiles.length === 0) throw new Error('Sluice wrote no CPU profile');
    process.stdout.write(`${measured}\n`);
    for (const { file, thread } of profiles) {
      process.stdout.write(`\n${profileText(summarizeProfile(file, 20), `Sluice, ${thread}`)}\n`);
      const groups = onKafka ? kafkaGroups : target === 'registry' ? registryGroups : pipelineGroups;
      const shares = inclusiveShares(file, groups).filter((share) => share.percent > 0);
      if (shares.length === 0) continue;
      process.stdout.write('\ninclusive time (the code and all it calls):\n');
      for (const share of shares) process.stdout.write(`  ${share.percent.toFixed(1).padStart(5)}%  ${share.name}\n`);
    }
  } finally {
    removeProfileDir();
  }
}

/** Batched (or single-event) ingest against Sluice on its embedded store; answers the rate as one line. */
async function ingestUnderProfile(bench: Bench, target: 'batch' | 'single' | 'pipeline', profileDir: string): Promise<string> {
  const withPipeline = target === 'pipeline';
  const single = target === 'single';
  const sluice = await startSluice(bench, withPipeline ? { profileDir, pipeline: orderPipeline } : { profileDir });
  try {
    const seconds = settings.seconds * settings.rounds + settings.warmupSeconds;
    log(`  profiling Sluice under ${single ? 'single-event' : 'batched'} ingest (no ids${withPipeline ? ', 5-step pipeline' : ''}) for ${seconds} s`);
    const eventsPerRequest = single ? 1 : settings.eventsPerRequest;
    const result = await bench.worker.ingest({
      url: sluice.url,
      token: sluice.key,
      connections: single ? settings.singleConnections : settings.batchConnections,
      durationMs: seconds * 1000,
      eventsPerRequest,
      withIds: false,
      okStatuses: [200],
      timeoutMs: seconds * 1000 + 60_000,
    });
    const eventsPerSecond = (result.ok * eventsPerRequest * 1000) / result.elapsedMs;
    return `${single ? 'single-event' : 'batched'} ingest${withPipeline ? ' with the 5-step pipeline' : ''} under the profiler: ${format.int(eventsPerSecond)} events/s`;
  } finally {
    await sluice.stop();
  }
}
