import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { BackgroundCheckpointer } from '../src/adapters/sqlite/checkpointer.ts';

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
 * Run as its own process; prints `{"url":...,"file":...}` on stdout. The file lives in a
 * temporary directory removed on exit.
 */

interface Stored {
  /** Bodies stored, by the numbers the HTTP thread gave them. */
  done: number[];
}

if (isMainThread) serve();
else store(workerData as string);

function serve(): void {
  const dataDir = mkdtempSync(join(tmpdir(), 'sluice-durable-floor-'));
  const file = join(dataDir, 'floor.db');
  const storeThread = new Worker(new URL(import.meta.url), { workerData: file, name: 'floor-store' });
  const waiting = new Map<number, () => void>();
  let next = 0;
  // Bodies of one event-loop turn cross to the store thread in one message.
  let outgoing: { jobs: number[]; texts: string[] } | undefined;
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

  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      let accepted: number;
      try {
        const parsed: unknown = JSON.parse(text);
        accepted = Array.isArray(parsed) ? parsed.length : 1;
      } catch {
        const error = '{"error":"malformed_json"}';
        response.writeHead(400, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(error) }).end(error);
        return;
      }
      const job = next++;
      waiting.set(job, () => {
        const body = `{"accepted":${accepted}}`;
        response.writeHead(202, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }).end(body);
      });
      if (outgoing === undefined) {
        outgoing = { jobs: [], texts: [] };
        setImmediate(() => {
          storeThread.postMessage(outgoing);
          outgoing = undefined;
        });
      }
      outgoing.jobs.push(job);
      outgoing.texts.push(text);
    });
  });

  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1', () => {
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('the durable floor server has no TCP address');
    process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${address.port}`, pid: process.pid, file })}\n`);
  });

  const stop = (): void => {
    server.close(() => {
      void storeThread.terminate().finally(() => {
        rmSync(dataDir, { recursive: true, force: true });
        process.exit(0);
      });
    });
    server.closeAllConnections();
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  // The parent holds our stdin; when it goes away, so do we.
  process.stdin.on('end', stop);
  process.stdin.resume();
}

/** The store thread: every batch of bodies that arrived since the last commit, in one transaction. */
function store(file: string): void {
  const db = new DatabaseSync(file);
  for (const pragma of ['page_size = 16384', 'journal_mode = WAL', 'synchronous = FULL', 'cache_size = -65536']) db.exec(`PRAGMA ${pragma}`);
  db.exec('CREATE TABLE bodies (seq INTEGER PRIMARY KEY, body TEXT NOT NULL)');
  const insert = db.prepare('INSERT INTO bodies (body) VALUES (?)');
  const checkpointer = BackgroundCheckpointer.start(file);
  let queued: { jobs: number[]; texts: string[] }[] = [];
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
  parentPort!.on('message', (batch: { jobs: number[]; texts: string[] }) => {
    queued.push(batch);
    if (!flushing) {
      flushing = true;
      setImmediate(flush);
    }
  });
}
