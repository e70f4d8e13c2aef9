import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openInProcessStore } from '../../src/adapters/sqlite/store.ts';
import { parseIngestBody } from '../../src/edges/http/ingest-body.ts';
import { IngestPreparer } from '../../src/services/ingest.ts';
import { packPrepared } from '../../src/services/packed-ingest.ts';
import { TypeRegistry } from '../../src/services/registry.ts';
import type { Bench } from '../harness.ts';
import { trackTempDir } from '../processes.ts';
import { median } from '../stats.ts';
import { BodyMaker, EventPool, benchPartitions, benchTenant, benchType, orderSchema, partitionKey } from '../workload.ts';

/** CPU microseconds per event of each step batched ingest cannot skip, medians over the rounds. */
export interface IngestWork {
  /** parseIngestBody: UTF-8 check, JSON parse, the guard walk, one `EventInput` per event. */
  parse: number;
  /** IngestPreparer.prepare: validation, ids, partitions, the record text. */
  prepare: number;
  /** The schema validator alone, on the parsed data (part of `prepare`). */
  validate: number;
  /** packPrepared: the records as the store thread takes them. */
  pack: number;
  /** The embedded log's append of packed records: SQLite inserts and commits (WAL, synchronous=FULL). */
  store: number;
  /** The same with a new producer id (a random UUID) on every event: the dedup window and the id log too. */
  storeWithIds: number;
}

/**
 * Times the real code of each step on one thread, without HTTP and without crossing threads:
 * the least CPU an event costs Sluice's own work on this machine, whatever the threads.
 * Bodies are the load's (`perRequest` events each); `perFlush` events go to the log per commit,
 * as the batched load's group commits hold. CPU time (process.cpuUsage), so that fsync waits
 * do not count.
 */
export async function measureIngestWork(bench: Bench, perRequest: number, perFlush: number): Promise<IngestWork> {
  const dataDir = mkdtempSync(join(tmpdir(), 'sluice-bench-work-'));
  const removeDataDir = trackTempDir(dataDir);
  const store = openInProcessStore(dataDir);
  try {
    const registry = new TypeRegistry(store.catalog, store.log);
    await registry.putType(benchTenant, benchType, { schema: orderSchema, schemaType: 'JSON', partitions: benchPartitions, partitionKey });
    const preparer = new IngestPreparer(registry);
    const validate = registry.compiled(benchTenant, benchType)!.latest.validate;
    const maker = new BodyMaker(new EventPool(10_000), perRequest, false);
    const bodies = Array.from({ length: 100 }, () => maker.next());
    const headers = { 'content-type': 'application/json' };
    const limits = { maxEventsPerRequest: perRequest, maxDepth: 32 };
    const items = bodies.map((body) => parseIngestBody(headers, body, limits));
    const datas = items.flatMap((list) => list.map((item) => (item.ok ? item.event.data : undefined)));
    const prepared = items.map((list) => preparer.prepare(benchTenant, list));
    const packed = prepared.map((part) => packPrepared(part).columns);
    const requests = bench.settings.quick ? 200 : 2000;
    const cpu = (step: (request: number) => void, events: number): number => {
      const before = process.cpuUsage();
      for (let request = 0; request < requests; request++) step(request);
      const used = process.cpuUsage(before);
      return (used.user + used.system) / (requests * events);
    };
    const perCommit = Math.max(1, Math.round(perFlush / perRequest));
    const commits = Math.ceil(requests / perCommit / 4);
    const withIds = new BodyMaker(new EventPool(10_000), perRequest, true);
    /** Every id is new, so each round's requests are made (untimed) before it. */
    const packedWithIds = () =>
      Array.from({ length: commits * perCommit }, () => packPrepared(preparer.prepare(benchTenant, parseIngestBody(headers, withIds.next(), limits))).columns);
    const storeCpu = async (requestsToStore: readonly (typeof packed)[number][]): Promise<number> => {
      const before = process.cpuUsage();
      for (let commit = 0; commit < commits; commit++) {
        const appends = [];
        for (let request = 0; request < perCommit; request++) {
          appends.push(store.log.appendColumns([requestsToStore[(commit * perCommit + request) % requestsToStore.length]!]));
        }
        await Promise.all(appends);
      }
      const used = process.cpuUsage(before);
      return (used.user + used.system) / (commits * perCommit * perRequest);
    };
    const steps = {
      parse: () => cpu((request) => parseIngestBody(headers, bodies[request % bodies.length]!, limits), perRequest),
      prepare: () => cpu((request) => preparer.prepare(benchTenant, items[request % items.length]!), perRequest),
      validate: () =>
        cpu((request) => {
          for (let i = 0; i < perRequest; i++) validate(datas[(request * perRequest + i) % datas.length]);
        }, perRequest),
      pack: () => cpu((request) => packPrepared(prepared[request % prepared.length]!), perRequest),
    };
    // Warm-up: let V8 optimise every step before timing.
    for (const step of Object.values(steps)) step();
    await storeCpu(packed);
    await storeCpu(packedWithIds());
    const samples: Record<keyof IngestWork, number[]> = { parse: [], prepare: [], validate: [], pack: [], store: [], storeWithIds: [] };
    for (let round = 0; round < bench.settings.rounds; round++) {
      for (const [name, step] of Object.entries(steps)) samples[name as keyof typeof steps].push(step());
      samples.store.push(await storeCpu(packed));
      samples.storeWithIds.push(await storeCpu(packedWithIds()));
    }
    return {
      parse: median(samples.parse),
      prepare: median(samples.prepare),
      validate: median(samples.validate),
      pack: median(samples.pack),
      store: median(samples.store),
      storeWithIds: median(samples.storeWithIds),
    };
  } finally {
    await store.close();
    removeDataDir();
  }
}
