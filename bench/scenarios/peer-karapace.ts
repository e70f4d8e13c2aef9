import { spawn } from 'node:child_process';
import { Admin } from '@platformatic/kafka';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Bench, Row, ScenarioReport, SluiceUnderTest } from '../harness.ts';
import { format, startSluice, verdict } from '../harness.ts';
import { runInstallScript } from '../peers/install.ts';
import { deleteTopics } from '../peers/login-topics.ts';
import type { PeerScenario } from '../peers/peer-scenario.ts';
import { loginSchema, loginType } from '../peers/user-login.ts';
import { sampleRss, stopProcess, track } from '../processes.ts';
import { median } from '../stats.ts';
import { common, sluiceOnKafka } from './kafka.ts';

/** Sluice's registry must answer at least this many times as many requests per second as Karapace. */
export const karapaceTarget = 2;

/** As in scenario 6: this many concurrent keep-alive fetch loops in the bench process. */
const connections = 8;
const subject = `${loginType}-value`;
const registryType = 'application/vnd.schemaregistry.v1+json';
const registration = JSON.stringify({ schemaType: 'JSON', schema: JSON.stringify(loginSchema) });

const peersCache = (): string => process.env.SLUICE_PEERS_CACHE ?? join(homedir(), '.cache', 'sluice-peers');

/** Where scripts/peers/karapace.sh looks for the source tree. */
function karapaceSource(): string {
  return process.env.SLUICE_KARAPACE_SRC ?? join(peersCache(), 'karapace-src');
}

/** The Python version of the venv scripts/peers/karapace.sh made, for the report. */
function karapacePython(): string {
  try {
    const config = readFileSync(join(peersCache(), 'karapace-venv', 'pyvenv.cfg'), 'utf8');
    return /^version(?:_info)?\s*=\s*(\S+)/m.exec(config)?.[1] ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

/** A registry under test: its base URL, the headers it needs, its process. */
interface Registry {
  name: string;
  base: string;
  headers: Record<string, string>;
  pid: number;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** Starts Karapace's registry on the broker with a `_schemas` topic of its own; answers once /_health says it is ready and primary. */
async function startKarapace(launcher: string, bootstrap: string, run: string): Promise<{ registry: Registry; stop: () => Promise<void> }> {
  const port = await freePort();
  const child = spawn(launcher, [], {
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      KARAPACE_BOOTSTRAP_URI: bootstrap,
      KARAPACE_HOST: '127.0.0.1',
      KARAPACE_PORT: String(port),
      KARAPACE_REGISTRY_HOST: '127.0.0.1',
      KARAPACE_REGISTRY_PORT: String(port),
      KARAPACE_KARAPACE_REGISTRY: 'true',
      KARAPACE_TOPIC_NAME: `_schemas-${run}`,
      KARAPACE_GROUP_ID: `karapace-${run}`,
      KARAPACE_LOG_LEVEL: 'WARNING',
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  track(child);
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => void (stderr = (stderr + chunk).slice(-10_000)));
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')));
  const stop = async (): Promise<void> => void (await stopProcess({ child, exited }, 10_000));
  const base = `http://127.0.0.1:${port}`;
  const deadline = performance.now() + 120_000;
  while (performance.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`Karapace exited (${await exited}): ${stderr.slice(-2000)}`);
    try {
      const health = await fetch(`${base}/_health`, { signal: AbortSignal.timeout(2000) });
      const body = (await health.json()) as { status?: { schema_registry_ready?: boolean; schema_registry_is_primary?: boolean } };
      // Writes are forwarded to the primary, which a single node becomes some seconds after it reads its topic.
      if (health.status === 200 && body.status?.schema_registry_ready === true && body.status.schema_registry_is_primary === true)
        return { registry: { name: 'Karapace', base, headers: {}, pid: child.pid! }, stop };
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  await stop();
  throw new Error(`Karapace was not ready within 120 s: ${stderr.slice(-2000)}`);
}

/** Registers the user-login schema; answers its id. */
async function register(registry: Registry): Promise<number> {
  const response = await fetch(`${registry.base}/subjects/${subject}/versions`, {
    method: 'POST',
    headers: { ...registry.headers, 'content-type': registryType },
    body: registration,
    signal: AbortSignal.timeout(15_000),
  });
  const text = await response.text();
  if (response.status !== 200) throw new Error(`${registry.name}: register ${subject}: HTTP ${response.status} ${text.slice(0, 300)}`);
  return (JSON.parse(text) as { id: number }).id;
}

/** Successful requests per second over `connections` closed loops for `durationMs`; failures are counted and fail the scenario. */
async function rate(send: () => Promise<Response>, durationMs: number, failures: string[]): Promise<number> {
  const deadline = performance.now() + durationMs;
  const started = performance.now();
  let ok = 0;
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (performance.now() < deadline) {
        const response = await send();
        const body = await response.arrayBuffer();
        if (response.status === 200) ok++;
        else if (failures.length < 5) failures.push(`HTTP ${response.status} ${Buffer.from(body).toString('utf8').slice(0, 200)}`);
      }
    }),
  );
  return (ok * 1000) / (performance.now() - started);
}

type Operation = 'lookup' | 'register';

function operation(registry: Registry, kind: Operation, id: number): () => Promise<Response> {
  if (kind === 'lookup') return () => fetch(`${registry.base}/schemas/ids/${id}`, { headers: registry.headers });
  const init = { method: 'POST', headers: { ...registry.headers, 'content-type': registryType }, body: registration };
  return () => fetch(`${registry.base}/subjects/${subject}/versions`, init);
}

/**
 * Sluice's Confluent-compatible /registry against Karapace (scripts/peers/karapace.sh), both on
 * the same broker, driven by the same client: lookups by id and re-registrations of the same
 * schema, which every producer with a Confluent serializer makes.
 */
export const peerKarapace: PeerScenario = {
  id: 'peer-karapace',
  title: 'P3. Schema registry vs Karapace',
  async prepare() {
    const source = karapaceSource();
    if (!existsSync(join(source, 'pyproject.toml')) && (process.env.SLUICE_KARAPACE_GIT ?? '') === '')
      return { skip: `Karapace source not found at ${source} (set SLUICE_KARAPACE_GIT to a clone of Aiven-Open/karapace to export it there)` };
    const installed = await runInstallScript('karapace.sh');
    return 'skip' in installed ? installed : { ready: installed.path };
  },
  async run(bench: Bench, bootstrap: string, launcher: string) {
    const { settings } = bench;
    const run = `${process.pid}-${Date.now().toString(36)}`;
    const karapace = await startKarapace(launcher, bootstrap, run);
    let sluice: SluiceUnderTest | undefined;
    const sluiceOptions = sluiceOnKafka(bootstrap);
    const failures: string[] = [];
    const rates: Record<Operation, Record<string, number[]>> = { lookup: { Karapace: [], Sluice: [] }, register: { Karapace: [], Sluice: [] } };
    const peaks: Record<string, number> = {};
    try {
      sluice = await startSluice(bench, sluiceOptions);
      const registries: Registry[] = [
        karapace.registry,
        { name: 'Sluice', base: `${sluice.url}/registry`, headers: { authorization: `Bearer ${sluice.key}` }, pid: sluice.pid },
      ];
      const ids = new Map<string, number>();
      for (const registry of registries) ids.set(registry.name, await register(registry));
      const samplers = registries.map((registry) => ({ name: registry.name, sampler: sampleRss(registry.pid, 100) }));
      for (const kind of ['lookup', 'register'] as const) {
        for (const registry of registries)
          if (settings.warmupSeconds > 0) await rate(operation(registry, kind, ids.get(registry.name)!), settings.warmupSeconds * 1000, failures);
        for (let round = 0; round < settings.rounds; round++) {
          const order = round % 2 === 0 ? registries : [...registries].reverse();
          for (const registry of order) {
            const measured = await rate(operation(registry, kind, ids.get(registry.name)!), settings.seconds * 1000, failures);
            rates[kind][registry.name]!.push(measured);
            bench.log(`    round ${round + 1} ${kind.padEnd(8)} ${registry.name.padEnd(8)} ${format.int(measured).padStart(8)} req/s`);
          }
        }
      }
      for (const { name, sampler } of samplers) peaks[name] = sampler.stop().peak;
    } finally {
      await sluice?.stop();
      await karapace.stop();
      const admin = new Admin({ ...common, clientId: 'bench-peer-admin', bootstrapBrokers: [bootstrap] });
      await deleteTopics(admin, [`_schemas-${run}`], [sluiceOptions.env.SLUICE_KAFKA_TOPIC_PREFIX!]);
      await admin.close().catch(() => undefined);
    }
    return report(bench, rates, peaks, failures);
  },
};

function report(bench: Bench, rates: Record<Operation, Record<string, number[]>>, peaks: Record<string, number>, failures: string[]): ScenarioReport {
  const { settings } = bench;
  const misses: string[] = failures.map((failure) => `P3. registry: a request failed: ${failure}`);
  const rows: Row[] = [];
  const metrics: [Operation, string][] = [
    ['lookup', 'schema lookups/s (GET /schemas/ids/{id})'],
    ['register', 'same-schema registrations/s (POST /subjects/{s}/versions)'],
  ];
  for (const [kind, metric] of metrics) {
    const karapace = median(rates[kind].Karapace!);
    const sluice = median(rates[kind].Sluice!);
    const met = sluice >= karapaceTarget * karapace;
    if (!met)
      misses.push(
        `P3. ${metric}: Sluice ${format.int(sluice)} is ${format.ratio(sluice / karapace)} of Karapace's ${format.int(karapace)} (target ≥ ${karapaceTarget}×)`,
      );
    rows.push({
      metric,
      floor: format.int(karapace),
      sluice: format.int(sluice),
      ratio: format.ratio(sluice / karapace),
      target: `≥ ${karapaceTarget}× Karapace`,
      verdict: verdict(met),
    });
  }
  rows.push({
    metric: 'peak RSS of the process',
    floor: format.mb(peaks.Karapace ?? Number.NaN),
    sluice: format.mb(peaks.Sluice ?? Number.NaN),
    ratio: format.ratio((peaks.Sluice ?? Number.NaN) / (peaks.Karapace ?? Number.NaN)),
    target: '',
    verdict: '',
  });
  const perRound = (kind: Operation, name: string): string => rates[kind][name]!.map((value) => format.int(value)).join(', ');
  return {
    title: 'P3. Schema registry vs Karapace',
    columns: { floor: 'Karapace', sluice: 'Sluice /registry' },
    setup:
      `Karapace (Aiven's registry, from its source with its pinned dependencies from PyPI on Python ${karapacePython()}: scripts/peers/karapace.sh; one uvicorn process, its \`_schemas\` topic on the broker) and Sluice --kafka (one process) each hold the user-login JSON Schema under \`${subject}\`. ` +
      `The same client drives both: ${connections} concurrent keep-alive fetch loops in the bench process, closed loop, as in scenario 6, for ${settings.rounds} rounds of ${settings.seconds} s per system and operation after a ${settings.warmupSeconds} s warm-up, alternating which goes first. ` +
      "Lookups read the schema by its id; registrations post the same schema again, which answers the existing id (what a producer's serializer does at start). Sluice's requests carry a tenant key (Bearer); Karapace runs without authentication.",
    rows,
    details: [
      `lookups/s per round: Karapace ${perRound('lookup', 'Karapace')}; Sluice ${perRound('lookup', 'Sluice')}`,
      `registrations/s per round: Karapace ${perRound('register', 'Karapace')}; Sluice ${perRound('register', 'Sluice')}`,
    ],
    misses,
  };
}
