import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { BackgroundCheckpointer } from '../src/adapters/sqlite/checkpointer.ts';
import { serveFloor } from './floor-http.ts';
import { sluiceFilePragmas } from './sqlite-settings.ts';

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
 * Usage: node bench/durable-floor-server.ts <dataDir>; prints `{"url":...,"file":...}` on
 * stdout. The caller owns the directory (and removes it).
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

if (isMainThread) {
  const dataDir = process.argv[2];
  if (dataDir === undefined) throw new Error('usage: node bench/durable-floor-server.ts <dataDir>');
  serve(join(dataDir, 'floor.db'));
} else {
  store(workerData as string);
}

function serve(file: string): void {
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
  serveFloor({
    keep: (text, answer) => {
      const job = next++;
      waiting.set(job, answer);
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
    },
    beforeExit: async () => {
      await storeThread.terminate();
    },
    extra: { file },
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
