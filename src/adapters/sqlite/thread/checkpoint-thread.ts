import { DatabaseSync } from 'node:sqlite';
import { parentPort, workerData } from 'node:worker_threads';
import { type CheckpointThreadData, type CheckpointThreadReport, commitsSlot, stopSlot } from '../checkpointer.ts';
import { checkpointAfterCommits } from '../checkpoint-loop.ts';

/**
 * The checkpoint thread (`../checkpointer.ts`): after commits, copies the WAL's pages into the
 * database file without waiting for the writer (a PASSIVE checkpoint), at most once per
 * pause. It blocks in `Atomics.wait`, so it has no event loop work of its own; what goes
 * wrong is posted to the thread that started it.
 */
const { file, signal: buffer, pauseMs } = workerData as CheckpointThreadData;
const signal = new Int32Array(buffer);
const report = (message: CheckpointThreadReport): void => parentPort?.postMessage(message);

// A store closed before this thread got going has nothing for it to do.
if (Atomics.load(signal, stopSlot) === 0) {
  const db = new DatabaseSync(file);
  let ready = false;
  const checkpoint = (): void => {
    // Set with the first checkpoint, so that a database locked at first is retried like one locked later.
    // The copied pages are fsynced before the writer may start the WAL over.
    if (!ready) db.exec('PRAGMA synchronous = FULL');
    ready = true;
    db.exec('PRAGMA wal_checkpoint(PASSIVE)');
  };
  try {
    checkpointAfterCommits({ signal, commitsSlot, stopSlot, pauseMs, checkpoint, report });
  } finally {
    db.close();
  }
}
