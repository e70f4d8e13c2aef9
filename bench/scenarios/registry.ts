import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import avro from 'avsc';
import protobuf from 'protobufjs';
import type { SchemaFormat } from '../../src/domain/catalog-docs.ts';
import { toEventInput } from '../../src/domain/event-input.ts';
import { openInProcessStore } from '../../src/adapters/sqlite/store.ts';
import type { AppendRecord, AppendResult, EventLog, LogRecord, StreamInfo } from '../../src/ports/event-log.ts';
import { silentTelemetry } from '../../src/ports/telemetry.ts';
import { IngestService, type IngestItem } from '../../src/services/ingest.ts';
import { TypeRegistry } from '../../src/services/registry.ts';
import type { Bench, Row, ScenarioReport } from '../harness.ts';
import { bareJsonValidator } from '../bare-json-validator.ts';
import { format, verdict } from '../harness.ts';
import { trackTempDir } from '../processes.ts';
import { median } from '../stats.ts';
import { httpRows } from './registry-http.ts';
import { benchPartitions, benchTenant, benchType, orderData, orderSchema, partitionKey, seeded } from '../workload.ts';

/** Registry and routing may cost at most a fifth on top of the bare schema library: ingest / bare ≤ 1.20. */
export const registryOverheadTarget = 1.2;

/** Sluice's Protobuf validator, which checks the parsed JSON in place, against protobufjs `verify` on the same objects. */
export const protobufValidatorTarget = 1.3;

/** The bench order as Avro: the same six fields and the nested shipping address. */
export const orderAvroSchema = {
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
      type: {
        type: 'record',
        name: 'Shipping',
        fields: [
          { name: 'street', type: 'string' },
          { name: 'city', type: 'string' },
          { name: 'postal_code', type: 'string' },
          { name: 'country', type: 'string' },
        ],
      },
    },
  ],
};

/** The bench order as Protobuf; Order comes first, as the serializers take the first message. */
export const orderProto = `syntax = "proto3";
package bench;
message Order {
  string order_id = 1;
  string customer_id = 2;
  string email = 3;
  double amount = 4;
  string created_at = 5;
  Shipping shipping = 6;
}
message Shipping {
  string street = 1;
  string city = 2;
  string postal_code = 3;
  string country = 4;
}`;

interface FormatCase {
  format: SchemaFormat;
  label: string;
  type: string;
  schema: unknown;
  /** The bare library validating one value, answering whether it is valid. */
  bare: () => (data: unknown) => boolean;
  library: string;
}

const formats: FormatCase[] = [
  {
    format: 'JSON',
    label: 'JSON Schema',
    type: `${benchType}-json`,
    schema: orderSchema,
    library: 'ajv 2020 + ajv-formats, `validate(data)`',
    bare: () => bareJsonValidator(orderSchema),
  },
  {
    format: 'AVRO',
    label: 'Avro',
    type: `${benchType}-avro`,
    schema: orderAvroSchema,
    library: 'avsc, `type.isValid(data)`',
    bare: () => {
      const type = avro.Type.forSchema(orderAvroSchema as avro.Schema);
      return (data) => type.isValid(data);
    },
  },
  {
    format: 'PROTOBUF',
    label: 'Protobuf',
    type: `${benchType}-protobuf`,
    schema: orderProto,
    library: 'protobufjs, `Type.verify(data) === null`',
    bare: () => {
      const root = protobuf.parse(orderProto, { keepCase: true }).root;
      root.resolveAll();
      const message = root.lookupType('bench.Order');
      return (data) => message.verify(data as Record<string, unknown>) === null;
    },
  },
];

/**
 * (6) Schema registry. Over HTTP (registry-http.ts): schema lookups by id and
 * re-registrations of an unchanged schema, per second, Sluice against a bare Fastify route
 * answering the same bytes. In-process, per schema language:
 * the cost per event of Sluice's ingest path (IngestService: registry lookup, pipeline,
 * validation, partitioning, record building) over an event log that stores nothing,
 * against the bare schema library validating the same objects in a loop — like with like,
 * with no HTTP and no disk on either side.
 */
export async function registryCost(bench: Bench): Promise<ScenarioReport> {
  const { settings } = bench;
  const rows: Row[] = [];
  const details: string[] = [];
  const misses: string[] = [];

  const http = await httpRows(bench);
  rows.push(...http.rows);
  details.push(...http.details);
  misses.push(...http.misses);

  bench.log('  (6) registry: validation per format, Sluice ingest path vs the bare library, in-process');
  const events = settings.quick ? 20_000 : 100_000;
  const repeats = settings.quick ? 3 : 5;
  const costs = await inProcessCosts(events, repeats);
  for (const cost of costs) {
    const ratio = cost.ingest / cost.bare;
    const met = ratio <= registryOverheadTarget;
    rows.push({
      metric: `${cost.label}: events/s validated in-process`,
      floor: format.int(1e6 / cost.bare),
      sluice: format.int(1e6 / cost.ingest),
      ratio: format.ratio(ratio),
      target: `≤ ${format.ratio(registryOverheadTarget)} CPU per event`,
      verdict: verdict(met),
    });
    const validatorRatio = cost.sluiceValidator / cost.bare;
    const validatorTarget = cost.label === 'Protobuf' ? protobufValidatorTarget : undefined;
    rows.push({
      metric: `${cost.label}: Sluice's validator alone`,
      floor: format.int(1e6 / cost.bare),
      sluice: format.int(1e6 / cost.sluiceValidator),
      ratio: format.ratio(validatorRatio),
      target: validatorTarget === undefined ? '' : `≤ ${format.ratio(validatorTarget)} CPU per event`,
      verdict: validatorTarget === undefined ? '' : verdict(validatorRatio <= validatorTarget),
    });
    if (validatorTarget !== undefined && !(validatorRatio <= validatorTarget))
      misses.push(
        `${cost.label} validator: ${format.ratio(validatorRatio)} the CPU per event of bare ${cost.library} (target ≤ ${format.ratio(validatorTarget)})`,
      );
    details.push(
      `${cost.label}: bare ${cost.library} ${micros(cost.bare)} per event; Sluice ingest path ${micros(cost.ingest)} per event ` +
        `(of which Sluice's own validator alone ${micros(cost.sluiceValidator)}); median of ${repeats} alternating runs: ${format.int(events)} events through the ingest path, ` +
        `${format.int(cost.bareEvents)} through the bare library and ${format.int(cost.validatorEvents)} through Sluice's validator (CPU time; each of these loops at least ${minLoopMicros / 1000} ms)`,
    );
    if (!met)
      misses.push(
        `registry overhead, ${cost.label}: the ingest path costs ${format.ratio(ratio)} the bare library per event (target ≤ ${format.ratio(registryOverheadTarget)})`,
      );
  }
  return {
    title: '6. Schema registry',
    columns: { floor: 'floor (bare Fastify; bare library)', sluice: 'Sluice' },
    setup:
      `${http.setup} ` +
      'The validation rows are in-process CPU per event, not HTTP throughput, with the bare schema library as their floor: the same bench orders (~300 bytes) as JSON Schema, Avro and Protobuf types, ' +
      'through `IngestService.ingest` in batches of 100 (registry lookup of the compiled type, the pipeline with validation, partitioning by `/customer_id`, building the records) ' +
      'over an event log that keeps nothing (so no disk), against the bare library validating the same parsed objects in a loop. The target is ingest / bare ≤ 1.20.',
    rows,
    details,
    misses,
  };
}

interface FormatCost {
  label: string;
  library: string;
  /** Microseconds per event. */
  bare: number;
  ingest: number;
  sluiceValidator: number;
  /** Events per timed loop of the bare library and of Sluice's validator alone. */
  bareEvents: number;
  validatorEvents: number;
}

/**
 * Per format, microseconds per event of the bare library and of the ingest path, measured
 * in alternation `repeats` times after a warm-up, median of each.
 */
async function inProcessCosts(events: number, repeats: number): Promise<FormatCost[]> {
  const dataDir = mkdtempSync(join(tmpdir(), 'sluice-bench-registry-'));
  const removeDataDir = trackTempDir(dataDir);
  const store = openInProcessStore(dataDir);
  try {
    const log = new DiscardingEventLog();
    const registry = new TypeRegistry(store.catalog, log);
    const ingest = new IngestService(registry, log, silentTelemetry, { maxPendingEvents: 1_000_000 });
    const random = seeded(7);
    const customers = Array.from({ length: 500 }, (_, i) => `cus_${i.toString(36).padStart(10, '0')}`);
    const datas = Array.from({ length: 1000 }, () => orderData(random, customers));
    const costs: FormatCost[] = [];
    for (const testCase of formats) {
      await registry.putType(benchTenant, testCase.type, { schema: testCase.schema, schemaType: testCase.format, partitions: benchPartitions, partitionKey });
      const batches: IngestItem[][] = [];
      for (let start = 0; start < datas.length; start += 100) {
        batches.push(
          datas.slice(start, start + 100).map((data): IngestItem => {
            const value = { type: testCase.type, data };
            return { ok: true, event: toEventInput(value, () => JSON.stringify(value)) };
          }),
        );
      }
      const bare = testCase.bare();
      const sluiceValidator = registry.compiled(benchTenant, testCase.type)!.latest.validate;
      for (const data of datas) {
        if (!bare(data)) throw new Error(`${testCase.label}: the bare library refuses a bench order`);
        if (sluiceValidator(data) !== undefined) throw new Error(`${testCase.label}: Sluice's validator refuses a bench order`);
      }

      /** CPU µs per event of `check` over `count` events, each of which it must pass. */
      const timeLoop = (check: (data: unknown) => boolean, who: string, count: number): number => {
        let ok = 0;
        const before = process.cpuUsage();
        for (let i = 0; i < count; i++) if (check(datas[i % datas.length])) ok++;
        const used = process.cpuUsage(before);
        if (ok !== count) throw new Error(`${testCase.label}: ${count - ok} events failed ${who}`);
        return (used.user + used.system) / count;
      };
      const timeBare = (count: number): number => timeLoop(bare, 'bare validation', count);
      const timeValidator = (count: number): number => timeLoop((data) => sluiceValidator(data) === undefined, "Sluice's validator", count);
      const timeIngest = async (): Promise<number> => {
        const rounds = Math.ceil(events / 100);
        let accepted = 0;
        const before = process.cpuUsage();
        for (let i = 0; i < rounds; i++) accepted += (await ingest.ingest(benchTenant, batches[i % batches.length]!)).accepted;
        const used = process.cpuUsage(before);
        if (accepted !== rounds * 100) throw new Error(`${testCase.label}: the ingest path accepted ${accepted} of ${rounds * 100} events`);
        return (used.user + used.system) / (rounds * 100);
      };
      // Warm-up: let V8 optimise all three paths before timing.
      const bareEvents = eventsLasting(timeBare, events);
      const validatorEvents = eventsLasting(timeValidator, events);
      await timeIngest();
      const samples = { bare: [] as number[], ingest: [] as number[], validator: [] as number[] };
      for (let repeat = 0; repeat < repeats; repeat++) {
        samples.bare.push(timeBare(bareEvents));
        samples.ingest.push(await timeIngest());
        samples.validator.push(timeValidator(validatorEvents));
      }
      costs.push({
        label: testCase.label,
        library: testCase.library,
        bare: median(samples.bare),
        ingest: median(samples.ingest),
        sluiceValidator: median(samples.validator),
        bareEvents,
        validatorEvents,
      });
    }
    return costs;
  } finally {
    await store.close();
    removeDataDir();
  }
}

/** The least CPU time one timed loop of a bare library or of Sluice's validator alone runs for. */
const minLoopMicros = 150_000;

/**
 * How many events a timed loop takes: at least `events`, doubled until one loop runs for
 * `minLoopMicros` of CPU. A validator of 0.1 µs went through 100,000 events in 10 ms, where
 * one scavenge or one preemption moved the ratio by half (1.53× in a full run, 1.0× alone).
 * The calibrating loops are the warm-up.
 */
function eventsLasting(time: (count: number) => number, events: number): number {
  let count = events;
  while (time(count) * count < minLoopMicros) count *= 2;
  return count;
}

/**
 * An event log that counts offsets and keeps nothing: the in-process rows measure the
 * registry and the routing, not the disk.
 */
class DiscardingEventLog implements EventLog {
  readonly #ends = new Map<string, number[]>();

  createStream(name: string, partitions: number): Promise<void> {
    if (!this.#ends.has(name)) this.#ends.set(name, new Array<number>(partitions).fill(0));
    return Promise.resolve();
  }

  describeStream(name: string): Promise<StreamInfo | undefined> {
    const ends = this.#ends.get(name);
    return Promise.resolve(ends === undefined ? undefined : { name, partitions: ends.length, startOffsets: ends.map(() => 0), endOffsets: [...ends] });
  }

  async listStreams(namePrefix: string): Promise<StreamInfo[]> {
    const names = [...this.#ends.keys()].filter((name) => name.startsWith(namePrefix));
    const infos = await Promise.all(names.map((name) => this.describeStream(name)));
    return infos.filter((info): info is StreamInfo => info !== undefined);
  }

  append(records: readonly AppendRecord[]): Promise<AppendResult[]> {
    return Promise.resolve(
      records.map((record) => {
        const ends = this.#ends.get(record.stream);
        if (ends === undefined || record.partition >= ends.length) throw new Error(`no stream ${record.stream} partition ${record.partition}`);
        const offset = ends[record.partition]!;
        ends[record.partition] = offset + 1;
        return { partition: record.partition, offset, duplicate: false };
      }),
    );
  }

  read(): Promise<LogRecord[]> {
    return Promise.resolve([]);
  }

  offsetForTime(): Promise<number> {
    return Promise.resolve(0);
  }

  findById(): Promise<undefined> {
    return Promise.resolve(undefined);
  }

  deleteStream(): Promise<void> {
    return Promise.resolve();
  }

  applyRetention(): Promise<{ deleted: number; more: boolean }> {
    return Promise.resolve({ deleted: 0, more: false });
  }

  eraseKey(): Promise<number> {
    return Promise.resolve(0);
  }

  appendVersion(): number {
    return 0;
  }

  waitForAppend(): Promise<void> {
    return Promise.resolve();
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

function micros(value: number): string {
  return Number.isFinite(value) ? `${value.toFixed(2)} µs` : 'n/a';
}
