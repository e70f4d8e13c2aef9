import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { BackgroundCheckpointer } from '../src/adapters/sqlite/checkpointer.ts';
import { partitionForKey } from '../src/domain/partitioner.ts';
import { bareJsonValidator } from './bare-json-validator.ts';
import { serveFloor } from './floor-http.ts';
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
 * body's records are stored as one row, each partition's offsets counted in the order bodies
 * are committed; the answer, after the commit, gives every event's id,
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
}

/** What the store thread answers after a commit: the bodies it stored. */
interface Stored {
  done: number[];
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
  const waiting = new Map<number, () => void>();
  let next = 0;
  let outgoing: Batch | undefined;
  storeThread.on('message', ({ done }: Stored) => {
    for (const job of done) {
      waiting.get(job)?.();
      waiting.delete(job);
    }
  });
  storeThread.on('error', (error) => {
    process.stderr.write(`durable floor: the store thread failed: ${error.stack ?? String(error)}\n`);
    process.exit(1);
  });
  const keep = (text: string, stored: () => void): void => {
    const job = next++;
    waiting.set(job, stored);
    // The bodies of one turn cross to the store thread in one message.
    if (outgoing === undefined) {
      outgoing = { jobs: [], texts: [] };
      setImmediate(() => {
        storeThread.postMessage(outgoing);
        outgoing = undefined;
      });
    }
    outgoing.jobs.push(job);
    outgoing.texts.push(text);
  };
  const validate = validating ? bareJsonValidator(orderSchema) : undefined;
  // Bodies are committed in the order they are kept, and a failed commit ends the server, so
  // each partition's offsets can be counted as bodies are kept.
  const nextOffsets = new Array<number>(benchPartitions).fill(0);
  serveFloor({
    keep:
      validate === undefined
        ? (body, answer) => keep(body.text, () => answer())
        : (body, answer) => keepValidated(body.parsed, answer, validate, nextOffsets, keep),
    beforeExit: async () => {
      await storeThread.terminate();
    },
    extra: { file },
  });
}

/** The validating floor's work for one body: check, place and write each event, store the records, then answer per event. */
function keepValidated(
  parsed: unknown,
  answer: Answer,
  validate: (data: unknown) => boolean,
  nextOffsets: number[],
  keep: (text: string, stored: () => void) => void,
): void {
  const events: unknown[] = Array.isArray(parsed) ? parsed : [parsed];
  const ids: string[] = [];
  // Per event: its partition and its offset, or -1 when invalid.
  const partitions: number[] = [];
  const offsets: number[] = [];
  let records = '';
  let accepted = 0;
  for (const event of events) {
    const data = typeof event === 'object' && event !== null ? (event as { data?: unknown }).data : undefined;
    if (data === undefined || !validate(data)) {
      ids.push('');
      partitions.push(-1);
      offsets.push(-1);
      continue;
    }
    const id = randomUUID();
    // The schema requires `customer_id` as a string, so every valid event has it.
    const partition = partitionForKey((data as { customer_id: string }).customer_id, benchPartitions);
    ids.push(id);
    partitions.push(partition);
    offsets.push(nextOffsets[partition]!++);
    records += `${id}\t${partition}\t${JSON.stringify(data)}\n`;
    accepted++;
  }
  keep(records, () => {
    let json = `{"accepted":${accepted},"rejected":${events.length - accepted},"results":[`;
    for (let index = 0; index < events.length; index++) {
      if (index > 0) json += ',';
      const partition = partitions[index]!;
      json +=
        partition < 0
          ? `{"index":${index},"error":"schema_validation_failed"}`
          : `{"id":"${ids[index]!}","partition":${partition},"offset":${offsets[index]!}}`;
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
  let queued: Batch[] = [];
  let flushing = false;
  const flush = (): void => {
    const batches = queued;
    queued = [];
    flushing = false;
    db.exec('BEGIN IMMEDIATE');
    for (const batch of batches) for (const text of batch.texts) insert.run(text);
    db.exec('COMMIT');
    checkpointer.committed();
    parentPort!.postMessage({ done: batches.flatMap((batch) => batch.jobs) } satisfies Stored);
  };
  parentPort!.on('message', (batch: Batch) => {
    queued.push(batch);
    if (!flushing) {
      flushing = true;
      setImmediate(flush);
    }
  });
}
