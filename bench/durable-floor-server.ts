import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { BackgroundCheckpointer } from '../src/adapters/sqlite/checkpointer.ts';
import { partitionForKey } from '../src/domain/partitioner.ts';
import { bareJsonValidator } from './bare-json-validator.ts';
import { type ParsedBody, serveFloor } from './floor-http.ts';
import { sluiceFilePragmas } from './sqlite-settings.ts';
import { benchPartitions, orderSchema } from './workload.ts';

/**
 * The durable floor: the least an HTTP ingest endpoint in Node must do to answer only once
 * what it took is on disk. The floor server's work (read the body, parse it as JSON, answer
 * 202 with the event count), plus handing each body's text to a thread of its own that
 * stores it in one SQLite file with Sluice's settings (WAL, synchronous=FULL, 16 KiB pages),
 * every body that arrived meanwhile in one transaction (group commit, as Sluice's store
 * thread does), one row per body, and Sluice's own checkpoint thread copying the WAL into
 * the database file between commits. No validation, no records per event, no offsets, no
 * answer per event: what durability itself adds to the floor, at least, on this machine.
 *
 * With `--validate` it is the validating floor: the least work Sluice's answer stands for,
 * done the plainest way, on the HTTP thread. Each event's `data` is checked with ajv against
 * the bench's schema (bench/bare-json-validator.ts); a valid one gets a random UUID, a
 * partition from its `customer_id` (Sluice's partitioner) and its data as JSON text; the
 * body's records are stored as one row, and each partition's offsets are counted in the
 * store thread, in commit order; the answer, after the commit, gives every event's id,
 * partition and offset, or its index and error. No dead letters, no deduplication, no
 * attributes, no catalog.
 *
 * Usage: node bench/durable-floor-server.ts <dataDir> [--validate]; prints
 * `{"url":...,"file":...}` on stdout. The caller owns the directory (and removes it).
 */

/** Bodies of one event-loop turn of the HTTP thread, by the numbers it gave them. */
interface Batch {
  jobs: number[];
  texts: string[];
  /** Per body, its records per partition, to be given offsets (the validating floor); else null. */
  counts: (number[] | null)[];
}

/** What the store thread answers after a commit: the bodies it stored, and each one's first offset per partition (or null). */
interface Stored {
  done: number[];
  bases: (number[] | null)[];
}

type Answer = (json?: string) => void;

if (isMainThread) {
  const dataDir = process.argv[2];
  if (dataDir === undefined) throw new Error('usage: node bench/durable-floor-server.ts <dataDir> [--validate]');
  serve(join(dataDir, 'floor.db'), process.argv.includes('--validate'));
} else {
  store(workerData as string);
}

function serve(file: string, validating: boolean): void {
  const storeThread = new Worker(new URL(import.meta.url), { workerData: file, name: 'floor-store' });
  const waiting = new Map<number, (bases: number[] | null) => void>();
  let next = 0;
  let outgoing: Batch | undefined;
  storeThread.on('message', ({ done, bases }: Stored) => {
    done.forEach((job, index) => {
      waiting.get(job)?.(bases[index]!);
      waiting.delete(job);
    });
  });
  storeThread.on('error', (error) => {
    process.stderr.write(`durable floor: the store thread failed: ${error.stack ?? String(error)}\n`);
    process.exit(1);
  });
  const keep = (text: string, counts: number[] | null, stored: (bases: number[] | null) => void): void => {
    const job = next++;
    waiting.set(job, stored);
    // The bodies of one turn cross to the store thread in one message.
    if (outgoing === undefined) {
      outgoing = { jobs: [], texts: [], counts: [] };
      setImmediate(() => {
        storeThread.postMessage(outgoing);
        outgoing = undefined;
      });
    }
    outgoing.jobs.push(job);
    outgoing.texts.push(text);
    outgoing.counts.push(counts);
  };
  const validate = validating ? bareJsonValidator(orderSchema) : undefined;
  serveFloor({
    keep: validate === undefined ? (body, answer) => keep(body.text, null, () => answer()) : (body, answer) => keepValidated(body, answer, validate, keep),
    beforeExit: async () => {
      await storeThread.terminate();
    },
    extra: { file },
  });
}

/** The validating floor's work for one body: check, place and write each event, store the records, then answer per event. */
function keepValidated(
  body: ParsedBody,
  answer: Answer,
  validate: (data: unknown) => boolean,
  keep: (text: string, counts: number[], stored: (bases: number[] | null) => void) => void,
): void {
  const events: unknown[] = Array.isArray(body.parsed) ? body.parsed : [body.parsed];
  const ids: string[] = [];
  // Per event: its partition and its place among the body's records of that partition, or -1 when invalid.
  const partitions: number[] = [];
  const places: number[] = [];
  const counts = new Array<number>(benchPartitions).fill(0);
  let records = '';
  let accepted = 0;
  for (const event of events) {
    const data = typeof event === 'object' && event !== null ? (event as { data?: unknown }).data : undefined;
    if (data === undefined || !validate(data)) {
      ids.push('');
      partitions.push(-1);
      places.push(-1);
      continue;
    }
    const id = randomUUID();
    const key = (data as { customer_id?: unknown }).customer_id;
    const partition = typeof key === 'string' ? partitionForKey(key, benchPartitions) : accepted % benchPartitions;
    ids.push(id);
    partitions.push(partition);
    places.push(counts[partition]!++);
    records += `${id}\t${partition}\t${JSON.stringify(data)}\n`;
    accepted++;
  }
  keep(records, counts, (bases) => {
    let json = `{"accepted":${accepted},"rejected":${events.length - accepted},"results":[`;
    for (let index = 0; index < events.length; index++) {
      if (index > 0) json += ',';
      const partition = partitions[index]!;
      json +=
        partition < 0
          ? `{"index":${index},"error":"schema_validation_failed"}`
          : `{"id":"${ids[index]!}","partition":${partition},"offset":${bases![partition]! + places[index]!}}`;
    }
    answer(`${json}]}`);
  });
}

/** The store thread: every batch of bodies that arrived since the last commit, in one transaction. */
function store(file: string): void {
  const db = new DatabaseSync(file);
  for (const pragma of sluiceFilePragmas) db.exec(`PRAGMA ${pragma}`);
  db.exec('CREATE TABLE bodies (seq INTEGER PRIMARY KEY, body TEXT NOT NULL)');
  const insert = db.prepare('INSERT INTO bodies (body) VALUES (?)');
  const checkpointer = BackgroundCheckpointer.start(file);
  const nextOffsets = new Array<number>(benchPartitions).fill(0);
  let queued: Batch[] = [];
  let flushing = false;
  const flush = (): void => {
    const batches = queued;
    queued = [];
    flushing = false;
    const done: number[] = [];
    const bases: (number[] | null)[] = [];
    // A failed commit ends the thread, and with it the server: no offsets to take back.
    db.exec('BEGIN IMMEDIATE');
    for (const batch of batches) {
      batch.texts.forEach((text, index) => {
        insert.run(text);
        const counts = batch.counts[index]!;
        bases.push(counts === null ? null : nextOffsets.slice());
        counts?.forEach((count, partition) => (nextOffsets[partition]! += count));
        done.push(batch.jobs[index]!);
      });
    }
    db.exec('COMMIT');
    checkpointer.committed();
    parentPort!.postMessage({ done, bases } satisfies Stored);
  };
  parentPort!.on('message', (batch: Batch) => {
    queued.push(batch);
    if (!flushing) {
      flushing = true;
      setImmediate(flush);
    }
  });
}
