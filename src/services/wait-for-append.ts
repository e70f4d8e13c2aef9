import type { EventLog } from '../ports/event-log.ts';

/**
 * Waits until any of `streams` grows past the append version noted for it before the last
 * read (`versions[i]` for `streams[i]`), `timeoutMs` passes, or `signal` aborts.
 */
export async function waitForAnyAppend(
  log: EventLog,
  streams: readonly string[],
  versions: readonly number[],
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<void> {
  if (streams.length === 0) return;
  const controller = new AbortController();
  const forward = (): void => controller.abort();
  signal?.addEventListener('abort', forward, { once: true });
  try {
    await Promise.race(streams.map((stream, i) => log.waitForAppend(stream, timeoutMs, controller.signal, versions[i])));
  } finally {
    controller.abort();
    signal?.removeEventListener('abort', forward);
  }
}
