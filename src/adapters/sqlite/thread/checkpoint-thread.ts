import { DatabaseSync } from 'node:sqlite';
import { parentPort, workerData } from 'node:worker_threads';
import { type CheckpointThreadData, type CheckpointThreadReport, commitsSlot, stopSlot } from '../checkpointer.ts';

/**
 * The checkpoint thread (`../checkpointer.ts`): after commits, copies the WAL's pages into the
 * database file without waiting for the writer (a PASSIVE checkpoint), at most once per
 * pause. It blocks in `Atomics.wait`, so it has no event loop work of its own; what goes
 * wrong is posted to the thread that started it.
 */
const { file, signal: buffer, pauseMs } = workerData as CheckpointThreadData;
const signal = new Int32Array(buffer);
const report = (message: CheckpointThreadReport): void => parentPort?.postMessage(message);

/** The most a failing checkpoint is put off: long enough not to spin, short enough to resume soon. */
const maxRetryPauseMs = 5_000;

/**
 * Waits for commits and checkpoints after them, at most once per pause, until stopped. A
 * checkpoint that fails (the disk full, the file locked by a foreign process) is reported
 * once and tried again after a pause that doubles up to five seconds; meanwhile the writer's
 * own checkpoint keeps the WAL bounded. Recovery is reported too, so a log shows both ends.
 */
function checkpointAfterCommits(db: DatabaseSync): void {
  let seen = 0;
  let failures = 0;
  let ready = false;
  while (Atomics.load(signal, stopSlot) === 0) {
    Atomics.wait(signal, commitsSlot, seen);
    seen = Atomics.load(signal, commitsSlot);
    if (Atomics.load(signal, stopSlot) !== 0) break;
    let pause = pauseMs;
    try {
      // Set with the first checkpoint, so that a database locked at first is retried like one
      // locked later. The copied pages are fsynced before the writer may start the WAL over.
      if (!ready) db.exec('PRAGMA synchronous = FULL');
      ready = true;
      db.exec('PRAGMA wal_checkpoint(PASSIVE)');
      if (failures > 0) report({ kind: 'resumed', failures });
      failures = 0;
    } catch (error) {
      failures++;
      pause = Math.min(pauseMs * 2 ** failures, maxRetryPauseMs);
      if (failures === 1) report({ kind: 'failing', error: error instanceof Error ? error.message : String(error), retryInMs: pause });
    }
    Atomics.wait(signal, stopSlot, 0, pause);
  }
}

// A store closed before this thread got going has nothing for it to do.
if (Atomics.load(signal, stopSlot) === 0) {
  const db = new DatabaseSync(file);
  try {
    checkpointAfterCommits(db);
  } finally {
    db.close();
  }
}
