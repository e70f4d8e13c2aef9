/**
 * What the correlation crash tests read back: the outcomes stored in the Faust scenario's two
 * output streams, waited for until every transaction has one, and the checks that each has
 * exactly one.
 */
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { callJson } from './load.ts';

interface Stored {
  data: { key: string; complete: boolean };
}

export interface OutcomeKeys {
  completeKeys: string[];
  expiredKeys: string[];
}

/** Every record of a stream, partition by partition. */
async function outcomes(url: string, key: string, stream: string): Promise<Stored[]> {
  const items: Stored[] = [];
  const info = (await callJson(url, 'GET', `/v1/streams/${stream}`, key, undefined, 200)) as { partitions: number; endOffsets: number[] };
  for (let partition = 0; partition < info.partitions; partition++) {
    for (let from = 0; from < info.endOffsets[partition]!; from += 1000) {
      const page = (await callJson(url, 'GET', `/v1/streams/${stream}/events?partition=${partition}&from=${from}&limit=1000`, key, undefined, 200)) as {
        items: Stored[];
      };
      items.push(...page.items);
    }
  }
  return items;
}

/**
 * Polls tenant `faust`'s `Events_Aggregated` and `Events_Expired` until `transactions` outcomes
 * are there (or `timeoutMs` passed), then waits `settleMs` more so that a second outcome of any
 * transaction would show, and answers the keys of both.
 */
export async function awaitOutcomes(
  url: string,
  key: string,
  transactions: number,
  timing: { timeoutMs: number; pollMs: number; settleMs: number },
): Promise<OutcomeKeys> {
  const read = (): Promise<[Stored[], Stored[]]> => Promise.all([outcomes(url, key, 'faust.Events_Aggregated'), outcomes(url, key, 'faust.Events_Expired')]);
  const deadline = Date.now() + timing.timeoutMs;
  while (Date.now() < deadline) {
    const [complete, expired] = await read();
    if (complete.length + expired.length >= transactions) break;
    await sleep(timing.pollMs);
  }
  await sleep(timing.settleMs);
  const [complete, expired] = await read();
  return { completeKeys: complete.map((r) => r.data.key), expiredKeys: expired.map((r) => r.data.key) };
}

/** No transaction completed or expired twice, the complete ones are those expected, and each has one outcome. */
export function assertOneOutcomeEach({ completeKeys, expiredKeys }: OutcomeKeys, expectedComplete: ReadonlySet<string>, transactions: number): void {
  assert.equal(new Set(completeKeys).size, completeKeys.length, 'no transaction completed twice');
  assert.equal(new Set(expiredKeys).size, expiredKeys.length, 'no transaction expired twice');
  assert.deepEqual(new Set(completeKeys), expectedComplete, 'every complete transaction aggregated once');
  assert.equal(completeKeys.length + expiredKeys.length, transactions, 'every transaction has exactly one outcome');
}
