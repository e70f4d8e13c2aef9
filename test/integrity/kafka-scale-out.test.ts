/**
 * Scale-out on Kafka: two `sluice start --kafka` processes share one broker (same topic
 * prefix, same admin token, separate data directories). What one process writes to the
 * catalog the other follows; producers spread over both; consumer-group members poll both;
 * one process is killed with SIGKILL under load and the other takes over.
 *
 * What must hold: every acknowledged event is stored exactly once, where it was acknowledged
 * (the idempotent producer, and producer-chosen ids for the batch cut off by the kill, which
 * is sent again to the survivor); the group's members split the partitions across the two
 * processes, each partition owned by one member; together they receive every event at least
 * once, with no gap; after the kill, the survivor's member takes over the dead process's
 * partitions once the dead member's session has expired, resuming at the group's commit.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { resolveKafkaOptions } from '../../src/adapters/kafka/client-options.ts';
import { deleteTestTopics, kafkaBootstrap } from '../helpers/kafka.ts';
import { spawnSluice } from '../helpers/process.ts';
import { adminToken, tempDir } from '../helpers/sluice.ts';
import { kafkaSkip, timedCall, topicPrefix } from './kafka-faults.ts';
import { callJson, produce, verifyStream as verifyStoredStream, type Acknowledged, type SentData, type StoredRecord } from './load.ts';

const tenant = 'scale';
const type = 'ticks';
const stream = `${tenant}.${type}`;
const partitions = 4;
const keys = Array.from({ length: 12 }, (_, i) => `k${i}`);
const group = 'workers';
/** Short, so the survivor takes over soon after the kill. */
const sessionTimeoutMs = 3000;

const schema = {
  type: 'object',
  required: ['k', 'p', 'seq'],
  additionalProperties: false,
  properties: { k: { type: 'string' }, p: { type: 'string' }, seq: { type: 'integer', minimum: 0 } },
};

interface PollAnswer {
  member: string;
  members: string[];
  generation: number;
  partitions: { stream: string; partition: number }[];
  items: { id: string; partition: number; offset: number }[];
  positions: { stream: string; partition: number; offset: number }[];
}

/** What one member received, per partition, in order. */
class Receipts {
  readonly offsets = new Map<number, number[]>();
  readonly ids = new Set<string>();
  add(items: PollAnswer['items']): void {
    for (const item of items) {
      this.ids.add(item.id);
      this.offsets.set(item.partition, [...(this.offsets.get(item.partition) ?? []), item.offset]);
    }
  }
}

async function poll(url: string, token: string, member: string, waitMs: number): Promise<PollAnswer> {
  return (await callJson(url, 'POST', `/v1/groups/${group}/poll`, token, { streams: [stream], member, max: 500, waitMs }, 200)) as PollAnswer;
}

async function commit(url: string, token: string, member: string): Promise<void> {
  await callJson(url, 'POST', `/v1/groups/${group}/commit`, token, { member }, 200);
}

/**
 * Polls and commits in a loop until `stop()` or the process dies; answers why it ended
 * (undefined when stopped) and every poll's answer.
 */
async function consume(
  url: string,
  token: string,
  member: string,
  receipts: Receipts,
  stop: () => boolean,
): Promise<{ answers: PollAnswer[]; stoppedBy?: string }> {
  const answers: PollAnswer[] = [];
  for (let round = 0; round < 2000 && !stop(); round++) {
    try {
      const answer = await poll(url, token, member, 200);
      answers.push(answer);
      receipts.add(answer.items);
      await commit(url, token, member);
    } catch (error) {
      return { answers, stoppedBy: (error as Error & { cause?: Error }).cause?.message ?? (error as Error).message };
    }
  }
  return { answers };
}

/** Each partition's offsets, as received, must be contiguous: at least once, with no gap. */
function assertContiguous(receipts: Receipts, label: string, firstOffsets?: Map<number, number>): void {
  for (const [partition, offsets] of receipts.offsets) {
    const distinct = [...new Set(offsets)].sort((a, b) => a - b);
    const first = firstOffsets?.get(partition) ?? 0;
    assert.equal(distinct[0], first, `${label}: partition ${partition} starts at ${distinct[0]}, not ${first}`);
    assert.deepEqual(
      distinct,
      distinct.map((_, i) => first + i),
      `${label}: partition ${partition} has a gap`,
    );
  }
}

void test(
  'two sluice processes on one Kafka: catalog follows, a group spans both, SIGKILL of one under load loses nothing, the survivor takes over',
  { skip: kafkaSkip, timeout: 120_000 },
  async (t) => {
    const brokers = kafkaBootstrap!;
    const prefix = topicPrefix();
    t.after(() => deleteTestTopics(resolveKafkaOptions({ brokers: brokers.split(','), topicPrefix: prefix })));
    const env = {
      SLUICE_ADMIN_TOKEN: adminToken,
      SLUICE_KAFKA_BROKERS: brokers,
      SLUICE_KAFKA_TOPIC_PREFIX: prefix,
      SLUICE_GROUP_SESSION_TIMEOUT_MS: String(sessionTimeoutMs),
    };
    const [a, b] = await Promise.all([
      spawnSluice(t, ['--data-dir', tempDir(t, 'sluice-scale-a-')], env, 40_000),
      spawnSluice(t, ['--data-dir', tempDir(t, 'sluice-scale-b-')], env, 40_000),
    ]);

    // The catalog follower: a tenant and key made on A work on B, a type made on B works on A.
    await callJson(a.url, 'POST', '/v1/tenants', adminToken, { id: tenant }, 201);
    const { key } = (await callJson(a.url, 'POST', `/v1/tenants/${tenant}/keys`, adminToken, { scopes: ['produce', 'consume', 'manage'] }, 201)) as {
      key: string;
    };
    const created = Date.now();
    let seenAfterMs: number | undefined;
    for (let attempt = 0; attempt < 200 && seenAfterMs === undefined; attempt++) {
      const answer = await timedCall(b.url, 'GET', '/v1/streams', key, undefined, 10_000);
      if (answer.status === 200) seenAfterMs = Date.now() - created;
      else {
        assert.equal(answer.status, 401, JSON.stringify(answer.body));
        await sleep(25);
      }
    }
    assert.ok(seenAfterMs !== undefined, 'the key made on A never worked on B');
    t.diagnostic(`a key made on A worked on B after ${seenAfterMs} ms`);
    assert.ok(seenAfterMs < 5000, `the key took ${seenAfterMs} ms to reach B`);

    await callJson(b.url, 'PUT', `/v1/types/${type}`, key, { schema, partitions, partitionKey: '/k' }, 201);
    for (let attempt = 0; ; attempt++) {
      const answer = await timedCall(a.url, 'GET', `/v1/types/${type}`, key, undefined, 10_000);
      if (answer.status === 200) break;
      assert.ok(attempt < 200, `the type made on B never reached A: ${answer.status}`);
      await sleep(25);
    }

    // Producer-chosen ids count across processes: the same events sent to A and then to B
    // are stored once, and B answers A's positions.
    const acknowledged: Acknowledged[] = [];
    const sent = new Map<string, SentData>();
    const twice = keys.slice(0, 4).map((k, i) => ({ type, id: `twice-${i}`, data: { k, p: 'twice', seq: 0 } }));
    const viaA = (await callJson(a.url, 'POST', '/v1/events', key, twice, 200)) as {
      results: { id: string; partition: number; offset: number; duplicate?: boolean }[];
    };
    const viaB = (await callJson(b.url, 'POST', '/v1/events', key, twice, 200)) as {
      results: { id: string; partition: number; offset: number; duplicate?: boolean }[];
    };
    twice.forEach((event, i) => {
      const first = viaA.results[i]!;
      assert.equal(first.duplicate, undefined, `${event.id} was a duplicate on A`);
      assert.deepEqual(viaB.results[i], { ...first, duplicate: true }, `${event.id} sent again to B`);
      acknowledged.push({ id: event.id, partition: first.partition, offset: first.offset, data: event.data });
      sent.set(event.id, event.data);
    });

    // Membership spans the processes: once each has heard of the other's member, the two
    // members split the partitions, and both processes say the same.
    const firstA = await poll(a.url, key, 'member-a', 0);
    const firstB = await poll(b.url, key, 'member-b', 0);
    let agreed: { a: PollAnswer; b: PollAnswer } | undefined;
    const joinedAt = Date.now();
    for (let attempt = 0; attempt < 250 && agreed === undefined; attempt++) {
      const [onA, onB] = [await poll(a.url, key, 'member-a', 0), await poll(b.url, key, 'member-b', 0)];
      firstA.items.push(...onA.items);
      firstB.items.push(...onB.items);
      if (onA.members.length === 2 && onB.members.length === 2 && onA.partitions.length === 2 && onB.partitions.length === 2) agreed = { a: onA, b: onB };
      else await sleep(20);
    }
    assert.ok(agreed !== undefined, 'the two processes never agreed on the members of the group');
    t.diagnostic(`both processes knew both members after ${Date.now() - joinedAt} ms`);
    assert.deepEqual(agreed.a.members, ['member-a', 'member-b']);
    assert.deepEqual([...agreed.a.partitions, ...agreed.b.partitions].map((tp) => tp.partition).sort(), [0, 1, 2, 3], 'each partition has one owner');

    // Load: three producers on each process; a consumer-group member polling each process.
    const receiptsA = new Receipts();
    const receiptsB = new Receipts();
    receiptsA.add(firstA.items);
    receiptsB.add(firstB.items);
    let stopB = false;
    let stopConsumerB = false;
    let acknowledgedSoFar = 0;
    const consumerA = consume(a.url, key, 'member-a', receiptsA, () => false);
    const consumerB = consume(b.url, key, 'member-b', receiptsB, () => stopConsumerB);
    const producersOn = (url: string, name: string, stop: () => boolean): Promise<Awaited<ReturnType<typeof produce>>>[] =>
      Array.from({ length: 3 }, (_, i) =>
        produce({
          url,
          token: key,
          type,
          producer: `${name}${i}`,
          keys,
          maxRequests: 400,
          maxBatch: 20,
          stop,
          onAcknowledged: (n) => (acknowledgedSoFar += n),
        }),
      );
    const loadA = producersOn(a.url, 'a', () => false);
    const loadB = producersOn(b.url, 'b', () => stopB);
    for (let waited = 0; acknowledgedSoFar === 0 && waited < 20_000; waited += 20) await sleep(20);
    const delay = 500 + Math.floor(Math.random() * 1000);
    await sleep(delay);
    a.child.kill('SIGKILL');
    assert.equal(await a.exited, 'SIGKILL');
    const reportsA = await Promise.all(loadA);
    const endedA = await consumerA;
    await sleep(500);
    stopB = true;
    const reportsB = await Promise.all(loadB);

    for (const report of [...reportsA, ...reportsB]) {
      assert.deepEqual(report.unexpected, [], `producer ${report.producer} got answers other than a full 200`);
      acknowledged.push(...report.acknowledged);
      for (const [id, data] of report.sent) sent.set(id, data);
    }
    const cut = reportsA.filter((report) => report.stoppedBy !== undefined);
    t.diagnostic(
      `SIGKILL of A after ${delay} ms of load; ${acknowledged.length} events acknowledged; ${cut.length} of 3 producers on A cut off; member-a had ${receiptsA.ids.size} events`,
    );
    assert.ok(cut.length > 0, 'every producer on A finished before the kill, so nothing was in flight');
    assert.ok(endedA.stoppedBy !== undefined, 'the member on A did not notice the kill');
    assert.ok(
      reportsB.every((report) => report.stoppedBy === undefined),
      'a producer on B was cut off',
    );

    // The producers cut off on A send their unacknowledged batch to B again: same ids, so
    // whatever A stored before dying is answered as a duplicate at its first position.
    let resentDuplicates = 0;
    for (const report of reportsA) {
      const acked = new Set(report.acknowledged.map((event) => event.id));
      const pending = [...report.sent].filter(([id]) => !acked.has(id));
      if (pending.length === 0) continue;
      const answer = (await callJson(
        b.url,
        'POST',
        '/v1/events',
        key,
        pending.map(([id, data]) => ({ type, id, data })),
        200,
      )) as {
        accepted: number;
        duplicates: number;
        results: { id: string; partition: number; offset: number; duplicate?: boolean }[];
      };
      // Resent events already stored count as duplicates, the others as accepted.
      assert.equal(answer.accepted + answer.duplicates, pending.length);
      answer.results.forEach((result, index) => {
        const [id, data] = pending[index]!;
        assert.equal(result.id, id);
        if (result.duplicate === true) resentDuplicates++;
        acknowledged.push({ id, partition: result.partition, offset: result.offset, data });
      });
    }
    t.diagnostic(`${resentDuplicates} events of the cut-off batches had been stored by A before it died`);

    // Exactly once, where acknowledged, dense, in order per (producer, key).
    const stored = await verifyStream(b.url, key, acknowledged, sent);
    assert.equal(stored.size, sent.size, 'every sent event is acknowledged by now, so the stream holds exactly those');

    // The takeover: once member-a's session has expired, member-b owns every partition and
    // reads A's former partitions from member-a's last commit. Together the two members got
    // every stored event, each partition without a gap.
    const deadline = Date.now() + 30_000;
    const together = (): Set<string> => new Set([...receiptsA.ids, ...receiptsB.ids]);
    while (together().size < stored.size && Date.now() < deadline) await sleep(50);
    stopConsumerB = true;
    const endedB = await consumerB;
    assert.equal(endedB.stoppedBy, undefined, `the member on B failed: ${endedB.stoppedBy}`);
    const lastB = endedB.answers.at(-1);
    assert.deepEqual(lastB?.members, ['member-b'], 'member-a is still a member after its session expired');
    assert.deepEqual(lastB?.partitions.map((tp) => tp.partition).sort(), [0, 1, 2, 3], 'the survivor did not take over every partition');
    assert.deepEqual([...stored.keys()].filter((id) => !together().has(id)).slice(0, 5), [], 'the group missed events');
    const both = new Receipts();
    for (const receipts of [receiptsA, receiptsB])
      for (const [partition, offsets] of receipts.offsets) both.offsets.set(partition, [...(both.offsets.get(partition) ?? []), ...offsets]);
    assertContiguous(both, 'the group');
    assert.deepEqual(
      [...receiptsA.ids].filter((id) => !stored.has(id)),
      [],
      'member-a got events that are not stored',
    );

    // Committed offsets are shared: B's view of the group is the commits in Kafka.
    const view = (await callJson(b.url, 'GET', `/v1/groups/${group}`, key, undefined, 200)) as {
      offsets: { partition: number; offset: number; end: number; lag: number }[];
    };
    const committed = new Map(view.offsets.map((offset) => [offset.partition, offset.offset]));
    assert.deepEqual([...committed.keys()].sort(), [0, 1, 2, 3]);
    for (const offset of view.offsets) assert.equal(offset.lag, 0, `partition ${offset.partition} is committed at ${offset.offset} of ${offset.end}`);

    // member-a comes back, on the survivor: the two members split the partitions again, and
    // each resumes at the group's commit: they get the new events, and nothing older.
    const fresh = keys.map((k, i) => ({ type, id: `after-${i}`, data: { k, p: 'after', seq: 0 } }));
    const freshAnswer = (await callJson(b.url, 'POST', '/v1/events', key, fresh, 200)) as { results: { id: string; partition: number; offset: number }[] };
    const again = new Receipts();
    const assigned = new Map<string, number[]>();
    // Until every new event came and the two members' shares have settled (a member that polls
    // first may briefly hold every partition before the other one's first poll is seen).
    const settled = (): boolean => assigned.get('member-a')?.length === 2 && assigned.get('member-b')?.length === 2;
    for (let round = 0; round < 100 && (again.ids.size < fresh.length || !settled()); round++) {
      for (const member of ['member-a', 'member-b']) {
        const answer = await poll(b.url, key, member, 100);
        assigned.set(member, answer.partitions.map((tp) => tp.partition).sort());
        again.add(answer.items);
        await commit(b.url, key, member);
      }
    }
    const ownedA = assigned.get('member-a') ?? [];
    const ownedB = assigned.get('member-b') ?? [];
    assert.equal(ownedA.length, 2, `member-a owns ${ownedA.join(',')} on B`);
    assert.equal(ownedB.length, 2, `member-b owns ${ownedB.join(',')} on B`);
    assert.deepEqual([...ownedA, ...ownedB].sort(), [0, 1, 2, 3], 'the two members on B do not split the partitions');
    assert.deepEqual([...again.ids].sort(), fresh.map((event) => event.id).sort(), 'after the takeover the group got other than exactly the new events');
    assertContiguous(again, 'after takeover', committed);
    for (const result of freshAnswer.results) assert.ok(again.offsets.get(result.partition)?.includes(result.offset), `${result.id} was not delivered`);
  },
);

/** Reads the whole stream back and checks it; answers every stored record by id. */
async function verifyStream(
  url: string,
  token: string,
  acknowledged: readonly Acknowledged[],
  sent: ReadonlyMap<string, SentData>,
): Promise<Map<string, StoredRecord>> {
  return (await verifyStoredStream(url, token, stream, partitions, acknowledged, sent)).byId;
}
