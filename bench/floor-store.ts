import type { FloorBatch, FloorStored } from './floor-store-thread.ts';
import { benchPartitions } from './workload.ts';

/** Where the store thread's file is, to start it; importing that file in another thread would run it. */
export const floorStoreThreadUrl = new URL('./floor-store-thread.ts', import.meta.url);

/** A worker or a port, whichever leads to the floor's store thread. */
interface StorePort {
  postMessage(message: FloorBatch): void;
  on(event: 'message', listener: (stored: FloorStored) => void): unknown;
}

/**
 * A thread's side of the floor's store thread (bench/floor-store-thread.ts): `keep` sends a
 * body's text and calls `stored` once it is committed, with its first offset per partition
 * when it was sent with its records' counts (all of one store's bodies are sent with counts,
 * or none are: the answer's offsets are laid out by body). The bodies of one event-loop turn
 * cross in one message.
 */
export class FloorStore {
  readonly #port: StorePort;
  readonly #waiting = new Map<number, (bases?: Int32Array) => void>();
  #next = 0;
  #outgoing: { jobs: number[]; texts: string[]; counts: number[] } | undefined;

  constructor(port: StorePort) {
    this.#port = port;
    port.on('message', ({ done, bases }) => {
      done.forEach((job, index) => {
        const stored = this.#waiting.get(job);
        this.#waiting.delete(job);
        stored?.(bases?.subarray(index * benchPartitions, (index + 1) * benchPartitions));
      });
    });
  }

  keep(text: string, counts: Int32Array | undefined, stored: (bases?: Int32Array) => void): void {
    const job = this.#next++;
    this.#waiting.set(job, stored);
    if (this.#outgoing === undefined) {
      const outgoing = { jobs: [] as number[], texts: [] as string[], counts: [] as number[] };
      this.#outgoing = outgoing;
      setImmediate(() => {
        this.#outgoing = undefined;
        const { jobs, texts } = outgoing;
        this.#port.postMessage(outgoing.counts.length === 0 ? { jobs, texts } : { jobs, texts, counts: Int32Array.from(outgoing.counts) });
      });
    }
    this.#outgoing.jobs.push(job);
    this.#outgoing.texts.push(text);
    if (counts !== undefined) this.#outgoing.counts.push(...counts);
  }
}
