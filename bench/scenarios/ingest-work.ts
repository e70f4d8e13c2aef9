import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openInProcessStore } from '../../src/adapters/sqlite/store.ts';
import { type BodyLimits, parseIngestBody } from '../../src/edges/http/ingest-body.ts';
import type { AppendColumns } from '../../src/ports/append-columns.ts';
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
  const { store, registry, preparer, close } = await openBenchStore();
  try {
    const validate = registry.compiled(benchTenant, benchType)!.latest.validate;
    const maker = new BodyMaker(new EventPool(10_000), perRequest, false);
    const bodies = Array.from({ length: 100 }, () => maker.next());
    const limits = bodyLimits(perRequest);
    const items = bodies.map((body) => parseIngestBody(jsonHeaders, body, limits));
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
      Array.from(
        { length: commits * perCommit },
        () => packPrepared(preparer.prepare(benchTenant, parseIngestBody(jsonHeaders, withIds.next(), limits))).columns,
      );
    const storeCpu = async (requestsToStore: readonly AppendColumns[]): Promise<number> =>
      ((await commitLoop(store, requestsToStore, perCommit, commits)).cpuMs * 1000) / (perCommit * perRequest);
    const steps = {
      parse: () => cpu((request) => parseIngestBody(jsonHeaders, bodies[request % bodies.length]!, limits), perRequest),
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
    await close();
  }
}

/** Commits of single events in process: wall and CPU milliseconds per commit, medians over the rounds. */
export interface SingleEventCommits {
  perCommit: number;
  wallMs: number;
  cpuMs: number;
}

/**
 * The embedded log's commits as single-event ingest makes them: `perCommit` requests of one
 * event each per commit, on the real store in process (inserts, the commit and its fsync).
 * Wall time counts here: requests wait for their commit, so it bounds how often each
 * connection is answered.
 */
export async function measureSingleEventCommits(bench: Bench, perCommit: number): Promise<SingleEventCommits> {
  const { store, preparer, close } = await openBenchStore();
  try {
    const maker = new BodyMaker(new EventPool(10_000), 1, false);
    const limits = bodyLimits(1);
    const packed = Array.from({ length: 1000 }, () => packPrepared(preparer.prepare(benchTenant, parseIngestBody(jsonHeaders, maker.next(), limits))).columns);
    const commits = bench.settings.quick ? 300 : 2000;
    await commitLoop(store, packed, perCommit, Math.ceil(commits / 5));
    const samples: { wallMs: number; cpuMs: number }[] = [];
    for (let round = 0; round < bench.settings.rounds; round++) samples.push(await commitLoop(store, packed, perCommit, commits));
    return { perCommit, wallMs: median(samples.map((sample) => sample.wallMs)), cpuMs: median(samples.map((sample) => sample.cpuMs)) };
  } finally {
    await close();
  }
}

type InProcessStore = ReturnType<typeof openInProcessStore>;

const jsonHeaders = { 'content-type': 'application/json' };

function bodyLimits(perRequest: number): BodyLimits {
  return { maxEventsPerRequest: perRequest, maxDepth: 32 };
}

/** A new embedded store in process, in a directory of its own, with the bench's event type. */
async function openBenchStore(): Promise<{ store: InProcessStore; registry: TypeRegistry; preparer: IngestPreparer; close: () => Promise<void> }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'sluice-bench-work-'));
  const removeDataDir = trackTempDir(dataDir);
  const store = openInProcessStore(dataDir);
  const close = async (): Promise<void> => {
    try {
      await store.close();
    } finally {
      removeDataDir();
    }
  };
  try {
    const registry = new TypeRegistry(store.catalog, store.log);
    await registry.putType(benchTenant, benchType, { schema: orderSchema, schemaType: 'JSON', partitions: benchPartitions, partitionKey });
    return { store, registry, preparer: new IngestPreparer(registry), close };
  } catch (error) {
    await close();
    throw error;
  }
}

/** `commits` commits of `perCommit` packed requests each, taken in turn from `requests`: wall and CPU milliseconds per commit. */
async function commitLoop(
  store: InProcessStore,
  requests: readonly AppendColumns[],
  perCommit: number,
  commits: number,
): Promise<{ wallMs: number; cpuMs: number }> {
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  for (let commit = 0; commit < commits; commit++) {
    const appends = [];
    for (let request = 0; request < perCommit; request++) appends.push(store.log.appendColumns([requests[(commit * perCommit + request) % requests.length]!]));
    await Promise.all(appends);
  }
  const wallMs = performance.now() - started;
  const cpu = process.cpuUsage(cpuBefore);
  return { wallMs: wallMs / commits, cpuMs: (cpu.user + cpu.system) / 1000 / commits };
}
