import { DatabaseSync } from 'node:sqlite';
import { isMainThread, type MessagePort, parentPort, workerData } from 'node:worker_threads';
import { BackgroundCheckpointer } from '../src/adapters/sqlite/checkpointer.ts';
import { sluiceFilePragmas } from './sqlite-settings.ts';
import { benchPartitions } from './workload.ts';

/**
 * The durable floors' store thread: every body that arrived since the last commit, from any
 * thread that sends them, in one transaction of one SQLite file with Sluice's settings (WAL,
 * synchronous=FULL, 16 KiB pages), one row per body, with Sluice's checkpoint thread copying
 * the WAL into the database file between commits. A body sent with its records' count per
 * partition is given each partition's first offset, counted in commit order, as Sluice's
 * store gives offsets. Started with the database file as its `workerData`; a thread other
 * than the one that started it is connected by sending `{ port }`.
 */

/** Bodies of one event-loop turn of a sending thread, by the numbers it gave them. */
export interface FloorBatch {
  jobs: number[];
  texts: string[];
  /** When the store numbers the records: each body's count per partition, `benchPartitions` per body. */
  counts?: Int32Array;
}

/** What the store thread answers after a commit: the bodies it stored and, when asked, each one's first offset per partition. */
export interface FloorStored {
  done: number[];
  bases?: Int32Array;
}

interface Queued {
  batch: FloorBatch;
  replyTo: MessagePort;
}

if (!isMainThread && parentPort !== null) runStore(workerData as string, parentPort);

function runStore(file: string, parent: MessagePort): void {
  const db = new DatabaseSync(file);
  for (const pragma of sluiceFilePragmas) db.exec(`PRAGMA ${pragma}`);
  db.exec('CREATE TABLE bodies (seq INTEGER PRIMARY KEY, body TEXT NOT NULL)');
  const insert = db.prepare('INSERT INTO bodies (body) VALUES (?)');
  const checkpointer = BackgroundCheckpointer.start(file);
  const nextOffsets = new Array<number>(benchPartitions).fill(0);
  let queued: Queued[] = [];
  let flushing = false;
  const flush = (): void => {
    const flushed = queued;
    queued = [];
    flushing = false;
    db.exec('BEGIN IMMEDIATE');
    for (const { batch } of flushed) for (const text of batch.texts) insert.run(text);
    db.exec('COMMIT');
    checkpointer.committed();
    for (const { batch, replyTo } of flushed) {
      const stored: FloorStored = { done: batch.jobs };
      if (batch.counts !== undefined) stored.bases = basesOf(batch.counts, nextOffsets);
      replyTo.postMessage(stored);
    }
  };
  const listen = (port: MessagePort): void => {
    port.on('message', (message: FloorBatch | { port: MessagePort }) => {
      if ('port' in message) {
        listen(message.port);
        return;
      }
      queued.push({ batch: message, replyTo: port });
      if (!flushing) {
        flushing = true;
        setImmediate(flush);
      }
    });
  };
  listen(parent);
}

/** Each body's first offset per partition, the bodies taken in order; moves `nextOffsets` past them. */
function basesOf(counts: Int32Array, nextOffsets: number[]): Int32Array {
  const bases = new Int32Array(counts.length);
  for (let at = 0; at < counts.length; at++) {
    const partition = at % benchPartitions;
    bases[at] = nextOffsets[partition]!;
    nextOffsets[partition]! += counts[at]!;
  }
  return bases;
}
