import type { CheckpointThreadReport } from './checkpointer.ts';

/** The most a failing checkpoint is put off: long enough not to spin, short enough to resume soon. */
const maxRetryPauseMs = 5_000;

export interface CheckpointLoop {
  /** `commitsSlot` counts commits; `stopSlot` is 1 once the loop should end. */
  signal: Int32Array;
  commitsSlot: number;
  stopSlot: number;
  /** The least time between two checkpoints. */
  pauseMs: number;
  checkpoint: () => void;
  report: (message: CheckpointThreadReport) => void;
}

/**
 * Waits for commits and checkpoints after them, at most once per pause, until stopped. A
 * checkpoint that fails (the disk full, the file locked by a foreign process) is reported
 * once and tried again after a pause that doubles up to five seconds; meanwhile the writer's
 * own checkpoint keeps the WAL bounded. Recovery is reported too, so a log shows both ends.
 */
export function checkpointAfterCommits(loop: CheckpointLoop): void {
  const { signal, commitsSlot, stopSlot, checkpoint, report } = loop;
  let seen = 0;
  let failures = 0;
  while (Atomics.load(signal, stopSlot) === 0) {
    Atomics.wait(signal, commitsSlot, seen);
    seen = Atomics.load(signal, commitsSlot);
    if (Atomics.load(signal, stopSlot) !== 0) break;
    let pause = loop.pauseMs;
    try {
      checkpoint();
      if (failures > 0) report({ kind: 'resumed', failures });
      failures = 0;
    } catch (error) {
      failures++;
      pause = Math.min(loop.pauseMs * 2 ** failures, maxRetryPauseMs);
      if (failures === 1) report({ kind: 'failing', error: error instanceof Error ? error.message : String(error), retryInMs: pause });
    }
    Atomics.wait(signal, stopSlot, 0, pause);
  }
}
