/**
 * The durability invariant: "acknowledged means durable, in order per key". A real
 * `sluice start` process is killed with SIGKILL while eight producers write to it; after a
 * restart on the same data directory every acknowledged event must be there exactly once,
 * at the position it was acknowledged with, each producer's events of one key in the order
 * they were sent, and the offsets of every partition dense from 0.
 *
 * SIGKILL ends the process, not the machine: the kernel still flushes its page cache, so
 * this proves the server answers only after the commit, and that SQLite recovers its WAL
 * after a crash mid-transaction, not that fsync reaches the disk (that is SQLite's
 * `synchronous=FULL`).
 */
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'node:test';
import { spawnSluice, type SluiceProcess } from '../helpers/process.ts';
import { adminToken, tempDir } from '../helpers/sluice.ts';
import { callJson, produce, verifyStream as verifyStoredStream, type Acknowledged, type SentData } from './load.ts';

const tenant = 'crash';
const type = 'ticks';
const stream = `${tenant}.${type}`;
const partitions = 4;
const keys = Array.from({ length: 16 }, (_, i) => `k${i}`);
const producers = 8;
const rounds = 3;

const schema = {
  type: 'object',
  required: ['k', 'p', 'seq'],
  additionalProperties: false,
  properties: { k: { type: 'string' }, p: { type: 'string' }, seq: { type: 'integer', minimum: 0 } },
};

void test('acknowledged events survive SIGKILL exactly once, in order per key, with dense offsets', { timeout: 55_000 }, async (t) => {
  const dataDir = tempDir(t, 'sluice-crash-');
  const env = { SLUICE_ADMIN_TOKEN: adminToken };
  let server: SluiceProcess = await spawnSluice(t, ['--data-dir', dataDir], env);
  await callJson(server.url, 'POST', '/v1/tenants', adminToken, { id: tenant }, 201);
  const { key } = (await callJson(server.url, 'POST', `/v1/tenants/${tenant}/keys`, adminToken, { scopes: ['produce', 'consume', 'manage'] }, 201)) as {
    key: string;
  };
  await callJson(server.url, 'PUT', `/v1/types/${type}`, key, { schema, partitions, partitionKey: '/k' }, 201);

  const acknowledged: Acknowledged[] = [];
  const sent = new Map<string, SentData>();

  for (let round = 1; round <= rounds; round++) {
    let killed = false;
    let acknowledgedSoFar = 0;
    const load = Array.from({ length: producers }, (_, i) =>
      produce({
        url: server.url,
        token: key,
        type,
        producer: `r${round}p${i}`,
        keys,
        maxRequests: 1500,
        maxBatch: 20,
        stop: () => killed,
        onAcknowledged: (count) => (acknowledgedSoFar += count),
      }),
    );
    // The kill comes a random time after the load is flowing, however slow the machine is.
    for (let waited = 0; acknowledgedSoFar === 0 && waited < 10_000; waited += 20) await sleep(20);
    const delay = 300 + Math.floor(Math.random() * 700);
    await sleep(delay);
    server.child.kill('SIGKILL');
    assert.equal(await server.exited, 'SIGKILL');
    killed = true;
    const reports = await Promise.all(load);

    let roundAcknowledged = 0;
    for (const report of reports) {
      assert.deepEqual(report.unexpected, [], `producer ${report.producer} got answers other than a full 200`);
      acknowledged.push(...report.acknowledged);
      roundAcknowledged += report.acknowledged.length;
      for (const [id, data] of report.sent) sent.set(id, data);
    }
    const cut = reports.filter((report) => report.stoppedBy !== undefined).length;
    t.diagnostic(`round ${round}: SIGKILL after ${delay} ms; ${roundAcknowledged} events acknowledged; ${cut} of ${producers} producers cut off mid-run`);
    assert.ok(roundAcknowledged > 0, `round ${round}: no event was acknowledged before the kill`);
    assert.ok(cut > 0, `round ${round}: every producer finished before the kill, so nothing was in flight`);

    server = await spawnSluice(t, ['--data-dir', dataDir], env);
    const ends = await verifyStream(server.url, key, acknowledged, sent);

    // The restarted server takes new events and continues each partition where it stopped.
    const probe = keys.map((k) => ({ type, id: `r${round}-probe-${k}`, data: { k, p: `r${round}-probe`, seq: 0 } }));
    const answer = (await callJson(server.url, 'POST', '/v1/events', key, probe, 200)) as {
      accepted: number;
      results: { id: string; partition: number; offset: number }[];
    };
    assert.equal(answer.accepted, keys.length);
    const offsetsByPartition = new Map<number, number[]>();
    answer.results.forEach((result, index) => {
      const event = probe[index]!;
      assert.equal(result.id, event.id);
      offsetsByPartition.set(result.partition, [...(offsetsByPartition.get(result.partition) ?? []), result.offset]);
      acknowledged.push({ id: event.id, partition: result.partition, offset: result.offset, data: event.data });
      sent.set(event.id, event.data);
    });
    for (const [partition, offsets] of offsetsByPartition) {
      const end = ends[partition]!;
      assert.deepEqual(
        offsets,
        offsets.map((_, i) => end + i),
        `round ${round}: partition ${partition} did not continue at offset ${end}`,
      );
    }
  }

  // The last probe was acknowledged after the last restart: check once more without a kill.
  await verifyStream(server.url, key, acknowledged, sent);
});

/** Reads every partition back and checks the invariants; answers the end offset of each partition. */
async function verifyStream(url: string, token: string, acknowledged: readonly Acknowledged[], sent: ReadonlyMap<string, SentData>): Promise<number[]> {
  return (await verifyStoredStream(url, token, stream, partitions, acknowledged, sent, { keysStayInPartition: true })).endOffsets;
}
