import { randomBytes } from 'node:crypto';
import type { TestContext } from 'node:test';

/** A port opened by an adapter for one test, and the way to restart it on the same storage. */
export interface Opened<P> {
  port: P;
  /**
   * Closes `port` and opens the same storage again, as a process restart would (the same
   * data directory for SQLite, the same cluster for Kafka). The harness closes what it opens.
   */
  reopen(): Promise<P>;
}

/** Opens the port under test; the harness registers its own cleanup on `t`. */
export type OpenPort<P> = (t: TestContext) => Promise<Opened<P>>;

/**
 * A name prefix no other test uses, so the suites can run against a shared backend (one
 * Kafka cluster) without seeing each other's streams, groups or catalog entries.
 */
export function uniquePrefix(): string {
  return `c${randomBytes(5).toString('hex')}`;
}

/** Lets queued callbacks and I/O run; does not wait for any timer. */
export async function settle(turns = 5): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise((resolve) => setImmediate(resolve));
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
