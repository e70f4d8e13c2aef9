import { randomBytes } from 'node:crypto';
import { compilePipeline } from '../../src/domain/pipeline-config.ts';
import { JsonSchemaCompiler } from '../../src/services/schemas/json-schema.ts';
import type { Bench, Row, ScenarioReport, SluiceUnderTest } from '../harness.ts';
import { format, startSluice, verdict } from '../harness.ts';
import { median } from '../stats.ts';
import { EventPool, keptFields, orderPipeline, orderSchema } from '../workload.ts';
import { alternate, describeThreads, failuresOf, ingestSystem, requestsPerSecond, roundDetails, type Round } from './compare.ts';

/** The pipeline may cost at most a quarter of the throughput: pipeline / validation-only ≥ 0.75. */
export const pipelineRatioTarget = 0.85;

const hex64 = /^[0-9a-f]{64}$/;
const isoUtc = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

/**
 * (5) Pipeline cost: the batched ingest of scenario 1 (no ids) against two Sluice
 * processes that differ only in the `orders` type's pipeline: none (validation only) and
 * the 5 steps of `orderPipeline`. Both run side by side, each on its own data directory,
 * and are measured in alternation (which goes first flips every round); the idle one
 * waits. Before that, the same two paths are timed in-process per event, without HTTP or
 * storage, to show what the steps themselves cost.
 */
export async function pipelineCost(bench: Bench): Promise<ScenarioReport> {
  const { settings } = bench;
  const perRequest = settings.eventsPerRequest;
  const rows: Row[] = [];
  const details: string[] = [];
  const misses: string[] = [];

  bench.log('  (5) pipeline cost: CPU per event in-process');
  const pure = inProcessCost(settings.quick ? 20_000 : 100_000, settings.quick ? 3 : 5);

  bench.log('  (5) pipeline cost: batched ingest without ids, validation only vs the 5-step pipeline');
  const plain = await startSluice(bench);
  try {
    const piped = await startSluice(bench, { pipeline: orderPipeline });
    try {
      const acknowledged = { plain: 0, piped: 0 };
      const load = { connections: settings.batchConnections, eventsPerRequest: perRequest, withIds: false };
      const measured = await alternate(
        bench,
        ingestSystem(bench, 'validation', plain, load, (result) => (acknowledged.plain += result.ok * perRequest)),
        ingestSystem(bench, 'pipeline', piped, load, (result) => (acknowledged.piped += result.ok * perRequest)),
      );

      const eventsPerSecond = (rounds: Round[]): number => median(rounds.map((round) => requestsPerSecond(round.result) * perRequest));
      const plainRate = eventsPerSecond(measured.floor);
      const pipedRate = eventsPerSecond(measured.sluice);
      const ratio = pipedRate / plainRate;
      const met = ratio >= pipelineRatioTarget;
      rows.push({
        metric: 'events/s, without ids',
        floor: format.int(plainRate),
        sluice: format.int(pipedRate),
        ratio: format.ratio(ratio),
        target: `≥ ${format.ratio(pipelineRatioTarget)} (costs ≤ ${Math.round((1 - pipelineRatioTarget) * 100)}%)`,
        verdict: verdict(met),
      });
      if (!met) {
        misses.push(
          `pipeline cost: ${format.int(pipedRate)} events/s with the 5-step pipeline vs ${format.int(plainRate)} with validation only (${format.ratio(ratio)} < ${format.ratio(pipelineRatioTarget)})`,
        );
      }
      const p99 = (rounds: Round[]): number => median(rounds.map((round) => round.result.latency.p99));
      rows.push({
        metric: 'request p99',
        floor: format.ms(p99(measured.floor)),
        sluice: format.ms(p99(measured.sluice)),
        ratio: format.ratio(p99(measured.sluice) / p99(measured.floor)),
        target: '',
        verdict: '',
      });
      // CPU time of the server per stored event: what the pipeline adds even where the
      // throughput is held back by something else (the disk, the load generator).
      const cpuPerEvent = (rounds: Round[]): number => median(rounds.map((round) => (round.serverCpu / (requestsPerSecond(round.result) * perRequest)) * 1e6));
      rows.push({
        metric: 'server CPU per event',
        floor: micros(cpuPerEvent(measured.floor)),
        sluice: micros(cpuPerEvent(measured.sluice)),
        ratio: format.ratio(cpuPerEvent(measured.sluice) / cpuPerEvent(measured.floor)),
        target: '',
        verdict: '',
      });
      rows.push({
        metric: 'in-process CPU per event (no HTTP, no storage)',
        floor: micros(pure.validate),
        sluice: micros(pure.validateAndSteps),
        ratio: format.ratio(pure.validateAndSteps / pure.validate),
        target: '',
        verdict: '',
      });

      const unit = (result: Round['result']): string => `${format.int(requestsPerSecond(result) * perRequest)} events/s`;
      details.push(...roundDetails('validation only,', measured.floor, unit), ...roundDetails('5-step pipeline,', measured.sluice, unit));
      details.push(
        `server CPU per event by thread, validation only: ${describeThreads(measured.floor, perRequest)}`,
        `server CPU per event by thread, 5-step pipeline: ${describeThreads(measured.sluice, perRequest)}`,
        `in-process, median of ${pure.repeats} alternating runs of ${format.int(pure.events)} events each: schema validation ${micros(pure.validate)}, validation + the 5 steps ${micros(pure.validateAndSteps)}, the 5 steps alone ${micros(pure.steps)} per event`,
      );
      for (const [label, sluice, count] of [
        ['validation only', plain, acknowledged.plain],
        ['5-step pipeline', piped, acknowledged.piped],
      ] as const) {
        const stored = await sluice.storedEvents();
        details.push(
          `${label}: ${format.int(stored)} events stored, ${format.int(count)} acknowledged (${stored === count ? 'equal' : 'MISMATCH'}); data directory ${format.mb(sluice.diskBytes())}`,
        );
        if (stored !== count) misses.push(`pipeline cost, ${label}: ${stored} events stored but ${count} acknowledged`);
      }
      // The comparison means something only if the pipeline really ran, and only there.
      const problems = [...(await outputProblems(plain, false)), ...(await outputProblems(piped, true))];
      if (problems.length === 0)
        details.push('stored data checked: the pipeline Sluice stores the transformed shape, the validation-only Sluice the events as sent');
      for (const problem of problems) misses.push(`pipeline cost: ${problem}`);
      for (const problem of failuresOf(measured.floor, measured.warmup.slice(0, 1))) misses.push(`pipeline cost, validation only: ${problem}`);
      for (const problem of failuresOf(measured.sluice, measured.warmup.slice(1))) misses.push(`pipeline cost, 5-step pipeline: ${problem}`);
    } finally {
      await piped.stop();
    }
  } finally {
    await plain.stop();
  }
  return {
    title: '5. Pipeline cost',
    columns: { floor: 'validation only', sluice: '5-step pipeline' },
    setup:
      `The batched ingest of (1) without ids (${perRequest} events of ~${bench.eventBytes} bytes per request, ${settings.batchConnections} keep-alive connections, closed loop, durable) against two Sluice processes, ` +
      'each on its own data directory, that differ only in the `orders` type: validation only, or validation followed by a 5-step pipeline — ' +
      "`rename` created_at → ordered_at, `convert` ordered_at from ISO-8601 to epoch milliseconds, `set` processed_at to now, `hash` email (HMAC-SHA-256 with the tenant's salt), " +
      `\`keep\` ${keptFields.length} fields (drops the street and postal code). The two alternate within each round, which goes first flipping every round. ` +
      "Server CPU per event is the server's CPU time over the events it stored. The in-process row times the same schema validator and compiled pipeline on the parsed events in the benchmark's own process.",
    rows,
    details,
    misses,
  };
}

function micros(value: number): string {
  return Number.isFinite(value) ? `${value.toFixed(2)} µs` : 'n/a';
}

/** What is wrong with the first stored events of partition 0, for the variant with or without the pipeline. */
export async function outputProblems(sluice: SluiceUnderTest, piped: boolean): Promise<string[]> {
  const label = piped ? '5-step pipeline' : 'validation only';
  const events = await sluice.readEvents(0, 5);
  if (events.length === 0) return [`${label}: partition 0 holds no events to check`];
  const problems: string[] = [];
  for (const { data } of events) {
    const order = data as Record<string, unknown> & { shipping?: Record<string, unknown> };
    const shape = `${Object.keys(order).join(',')} / shipping: ${Object.keys(order.shipping ?? {}).join(',')}`;
    if (piped) {
      const expected = `order_id,customer_id,email,amount,ordered_at,processed_at,shipping / shipping: city,country`;
      if (shape !== expected) problems.push(`${label}: stored fields ${shape}, expected ${expected}`);
      if (typeof order.email !== 'string' || !hex64.test(order.email)) problems.push(`${label}: email is not an HMAC-SHA-256 in hex`);
      if (typeof order.ordered_at !== 'number') problems.push(`${label}: ordered_at is not epoch milliseconds`);
      if (typeof order.processed_at !== 'string' || !isoUtc.test(order.processed_at)) problems.push(`${label}: processed_at is not an ISO-8601 UTC time`);
    } else {
      const expected = `order_id,customer_id,email,amount,created_at,shipping / shipping: street,city,postal_code,country`;
      if (shape !== expected) problems.push(`${label}: stored fields ${shape}, expected the event as sent (${expected})`);
      if (typeof order.email !== 'string' || !order.email.includes('@')) problems.push(`${label}: email was changed`);
    }
    if (problems.length > 0) break;
  }
  return problems;
}

/**
 * The pure CPU of the two paths, per event, with Sluice's own validator and pipeline
 * compiler: validation alone, then validation followed by the 5 steps; alternated
 * `repeats` times over `events` events each, median of each.
 */
function inProcessCost(events: number, repeats: number): { events: number; repeats: number; validate: number; validateAndSteps: number; steps: number } {
  const compiler = new JsonSchemaCompiler();
  const validate = compiler.compile(orderSchema);
  const pipeline = compilePipeline(orderPipeline, {
    now: () => new Date(),
    salt: randomBytes(32).toString('base64url'),
    compileSchema: (schema) => compiler.compile(schema),
  });
  const transform = pipeline.transform;
  if (transform === undefined) throw new Error('the bench pipeline has no steps');
  const pool = new EventPool(4096);
  const datas = pool.tails.map((tail) => (JSON.parse(`{${tail}`) as { data: unknown }).data);
  for (const data of datas) {
    if (validate(data) !== undefined) throw new Error('a bench event does not match the bench schema');
    const outcome = transform(data);
    if (!outcome.ok) throw new Error(`the bench pipeline fails on a bench event: ${outcome.reason}`);
  }
  const time = (work: (data: unknown) => boolean): number => {
    let ok = 0;
    const started = performance.now();
    for (let i = 0; i < events; i++) if (work(datas[i % datas.length])) ok++;
    const elapsed = performance.now() - started;
    if (ok !== events) throw new Error(`in-process run: ${events - ok} of ${events} events failed`);
    return (elapsed * 1000) / events;
  };
  const validateOnly = (data: unknown): boolean => validate(data) === undefined;
  const validateThenSteps = (data: unknown): boolean => validate(data) === undefined && transform(data).ok;
  const stepsOnly = (data: unknown): boolean => transform(data).ok;
  // Warm-up: let V8 optimise all three before timing.
  for (const work of [validateOnly, validateThenSteps, stepsOnly]) time(work);
  const samples = { validate: [] as number[], validateAndSteps: [] as number[], steps: [] as number[] };
  for (let repeat = 0; repeat < repeats; repeat++) {
    samples.validate.push(time(validateOnly));
    samples.validateAndSteps.push(time(validateThenSteps));
    samples.steps.push(time(stepsOnly));
  }
  return { events, repeats, validate: median(samples.validate), validateAndSteps: median(samples.validateAndSteps), steps: median(samples.steps) };
}
