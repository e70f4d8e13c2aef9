import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { test, type TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

import { spawnServer } from '../../bench/processes.ts';
import { benchPartitions, EventPool } from '../../bench/workload.ts';
import { partitionForKey } from '../../src/domain/partitioner.ts';

const script = fileURLToPath(new URL('../../bench/durable-floor-server.ts', import.meta.url));
const threadedScript = fileURLToPath(new URL('../../bench/threaded-floor-server.ts', import.meta.url));

interface RunningFloor {
  file: string;
  send: (body: string) => Promise<[number, string]>;
  kill: (signal: NodeJS.Signals) => void;
  exited: Promise<number | string>;
}

/** The floor server on a directory of the test's own, started as the benchmark starts it. */
async function startFloor(t: TestContext, floorScript: string, ...flags: string[]): Promise<RunningFloor> {
  const dataDir = mkdtempSync(join(tmpdir(), 'sluice-test-durable-floor-'));
  t.after(() => rmSync(dataDir, { recursive: true, force: true }));
  const { child, url, exited } = await spawnServer('durable floor', [floorScript, dataDir, ...flags]);
  t.after(() => child.kill('SIGKILL'));
  const send = async (body: string): Promise<[number, string]> => {
    const answer = await fetch(`${url}/v1/events`, { method: 'POST', body });
    return [answer.status, await answer.text()];
  };
  return { file: join(dataDir, 'floor.db'), send, kill: (signal) => child.kill(signal), exited };
}

/** Sends `body` while another connection holds the file's write lock: it must not be answered until the lock is let go. */
async function answeredOnlyAfterCommit(floor: RunningFloor, body: string): Promise<[number, string]> {
  const other = new DatabaseSync(floor.file);
  other.exec('PRAGMA busy_timeout = 5000');
  other.exec('BEGIN IMMEDIATE');
  let answered = false;
  const held = floor.send(body).then((answer) => {
    answered = true;
    return answer;
  });
  await sleep(300);
  assert.equal(answered, false);
  other.exec('COMMIT');
  other.close();
  return held;
}

function storedBodies(floor: RunningFloor): string[] {
  const db = new DatabaseSync(floor.file, { readOnly: true });
  const rows = (db.prepare('SELECT body FROM bodies ORDER BY seq').all() as { body: string }[]).map((row) => row.body);
  db.close();
  return rows;
}

void test('the durable floor answers a body only once it is committed, and refuses malformed JSON', async (t) => {
  const floor = await startFloor(t, script);
  assert.deepEqual(await Promise.all(['[{"a":1},{"a":2},{"a":3}]', '{"a":4}'].map(floor.send)), [
    [202, '{"accepted":3}'],
    [202, '{"accepted":1}'],
  ]);
  assert.deepEqual(await answeredOnlyAfterCommit(floor, '{"a":5}'), [202, '{"accepted":1}']);
  assert.deepEqual(storedBodies(floor).toSorted(), ['[{"a":1},{"a":2},{"a":3}]', '{"a":4}', '{"a":5}']);

  assert.deepEqual(await floor.send('[{"a":'), [400, '{"error":"malformed_json"}']);
  floor.kill('SIGTERM');
  assert.equal(await floor.exited, 0);
});

interface ValidatedAnswer {
  accepted: number;
  rejected: number;
  results: ({ id: string; partition: number; offset: number } | { index: number; error: string })[];
}

const validatingFloors: { name: string; args: [string, ...string[]] }[] = [
  { name: 'the validating floor', args: [script, '--validate'] },
  { name: 'the validating floor on two HTTP threads', args: [threadedScript, '--shape=reuse-port'] },
  { name: 'the validating floor with a prepare thread', args: [threadedScript, '--shape=prepare-thread'] },
];

for (const { name, args } of validatingFloors) {
  void test(`${name} checks each event, answers its id, partition and offset once committed, and stores the valid ones`, async (t) => {
    const floor = await startFloor(t, ...args);
    const events = new EventPool(40, 7).tails.map((tail) => JSON.parse(`{${tail}`) as { type: string; data: { customer_id: string } });
    const invalid = { type: 'orders', data: { ...events[0]!.data, amount: 'a lot' } };
    // Eight bodies at once, so that several share a commit: five valid events each, the invalid one second.
    const bodies = Array.from({ length: 8 }, (_, body) => {
      const valid = events.slice(body * 5, body * 5 + 5);
      return { valid, text: JSON.stringify([valid[0], invalid, ...valid.slice(1)]) };
    });
    const answers = (await Promise.all(bodies.map((body) => floor.send(body.text)))).map(([status, text]) => {
      assert.equal(status, 202);
      return JSON.parse(text) as ValidatedAnswer;
    });
    const placed: { id: string; partition: number; offset: number; data: unknown }[] = [];
    answers.forEach((answer, body) => {
      assert.deepEqual({ accepted: answer.accepted, rejected: answer.rejected, results: answer.results.length }, { accepted: 5, rejected: 1, results: 6 });
      assert.deepEqual(answer.results[1], { index: 1, error: 'schema_validation_failed' });
      const valid = answer.results.filter((result) => 'id' in result);
      valid.forEach((result, i) => {
        const data = bodies[body]!.valid[i]!.data;
        assert.match(result.id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
        assert.equal(result.partition, partitionForKey(data.customer_id, benchPartitions));
        placed.push({ ...result, data });
      });
    });
    // Each partition's offsets are 0, 1, 2, … with no gap and no offset given twice, across bodies sharing commits.
    for (let partition = 0; partition < benchPartitions; partition++) {
      const offsets = placed.filter((record) => record.partition === partition).map((record) => record.offset);
      assert.deepEqual(
        offsets.toSorted((a, b) => a - b),
        offsets.map((_, i) => i),
        `partition ${partition}`,
      );
    }
    // Every valid event is stored once, with the id and partition it was answered with.
    const stored = storedBodies(floor).flatMap((body) =>
      body
        .trimEnd()
        .split('\n')
        .map((line) => line.split('\t')),
    );
    assert.deepEqual(stored.toSorted(), placed.map((record) => [record.id, String(record.partition), JSON.stringify(record.data)]).toSorted());

    const [status, text] = await answeredOnlyAfterCommit(floor, JSON.stringify(events[0]));
    assert.equal(status, 202);
    const last = (JSON.parse(text) as ValidatedAnswer).results[0]!;
    assert.ok('offset' in last && last.offset === placed.filter((record) => record.partition === last.partition).length);
    assert.deepEqual(await floor.send('[{"a":'), [400, '{"error":"malformed_json"}']);
    floor.kill('SIGTERM');
    assert.equal(await floor.exited, 0);
  });
}
