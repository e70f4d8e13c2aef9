import { DatabaseSync } from 'node:sqlite';
import { workerData } from 'node:worker_threads';
import { type CheckpointThreadData, commitsSlot, stopSlot } from '../checkpointer.ts';

/**
 * The checkpoint thread (`../checkpointer.ts`): after commits, copies the WAL's pages into the
 * database file without waiting for the writer (a PASSIVE checkpoint), at most once per
 * pause. It blocks in `Atomics.wait`, so it has no event loop work of its own.
 */
const { file, signal: buffer, pauseMs } = workerData as CheckpointThreadData;
const signal = new Int32Array(buffer);

function checkpointAfterCommits(): void {
  const db = new DatabaseSync(file);
  try {
    // The copied pages are fsynced before the writer may start the WAL over.
    db.exec('PRAGMA synchronous = FULL');
    let seen = 0;
    while (Atomics.load(signal, stopSlot) === 0) {
      Atomics.wait(signal, commitsSlot, seen);
      seen = Atomics.load(signal, commitsSlot);
      if (Atomics.load(signal, stopSlot) !== 0) break;
      db.exec('PRAGMA wal_checkpoint(PASSIVE)');
      Atomics.wait(signal, stopSlot, 0, pauseMs);
    }
  } finally {
    db.close();
  }
}

// A store closed before this thread got going has nothing for it to do.
if (Atomics.load(signal, stopSlot) === 0) checkpointAfterCommits();
