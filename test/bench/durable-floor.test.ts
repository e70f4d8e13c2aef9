import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { DatabaseSync } from 'node:sqlite';
import { test, type TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

import { partitionForKey } from '../../src/domain/partitioner.ts';
import { benchPartitions, EventPool } from '../../bench/workload.ts';

const script = fileURLToPath(new URL('../../bench/durable-floor-server.ts', import.meta.url));

interface RunningFloor {
  url: string;
  file: string;
  send: (body: string) => Promise<[number, string]>;
  kill: (signal: NodeJS.Signals) => void;
  exited: Promise<number | null>;
}

async function startFloor(t: TestContext, ...flags: string[]): Promise<RunningFloor> {
  const dataDir = mkdtempSync(join(tmpdir(), 'sluice-test-durable-floor-'));
  t.after(() => rmSync(dataDir, { recursive: true, force: true }));
  const child = spawn(process.execPath, [script, dataDir, ...flags], { stdio: ['pipe', 'pipe', 'inherit'] });
  t.after(() => child.kill('SIGKILL'));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const started = await new Promise<{ url: string; file: string }>((resolve, reject) => {
    createInterface({ input: child.stdout }).once('line', (line) => resolve(JSON.parse(line) as { url: string; file: string }));
    void exited.then((code) => reject(new Error(`the durable floor exited (${code}) before listening`)));
  });
  const send = async (body: string): Promise<[number, string]> => {
    const answer = await fetch(`${started.url}/v1/events`, { method: 'POST', body });
    return [answer.status, await answer.text()];
  };
  return { ...started, send, kill: (signal) => child.kill(signal), exited };
}

void test('the durable floor answers a body only once it is committed, and refuses malformed JSON', async (t) => {
  const floor = await startFloor(t);
  const { send } = floor;

  assert.deepEqual(await Promise.all(['[{"a":1},{"a":2},{"a":3}]', '{"a":4}'].map(send)), [
    [202, '{"accepted":3}'],
    [202, '{"accepted":1}'],
  ]);

  // While another connection holds the write lock the body cannot be committed, so it is not answered.
  const other = new DatabaseSync(floor.file);
  other.exec('PRAGMA busy_timeout = 5000');
  other.exec('BEGIN IMMEDIATE');
  let answered = false;
  const held = send('{"a":5}').then((answer) => {
    answered = true;
    return answer;
  });
  await sleep(300);
  assert.equal(answered, false);
  other.exec('COMMIT');
  assert.deepEqual(await held, [202, '{"accepted":1}']);
  const stored = other.prepare('SELECT body FROM bodies ORDER BY seq').all();
  assert.deepEqual(stored.map((row) => row.body).toSorted(), ['[{"a":1},{"a":2},{"a":3}]', '{"a":4}', '{"a":5}']);
  other.close();

  assert.deepEqual(await send('[{"a":'), [400, '{"error":"malformed_json"}']);
  floor.kill('SIGTERM');
  assert.equal(await floor.exited, 0);
});

void test('the validating floor checks each event, answers its id, partition and offset once committed, and stores the valid ones', async (t) => {
  const floor = await startFloor(t, '--validate');
  const events = new EventPool(4, 7).tails.map((tail) => JSON.parse(`{${tail}`) as { type: string; data: { customer_id: string } });
  const invalid = { type: 'orders', data: { ...events[2]!.data, amount: 'a lot' } };
  const [status, text] = await floor.send(JSON.stringify([events[0], invalid, events[1]]));
  assert.equal(status, 202);
  const answer = JSON.parse(text) as {
    accepted: number;
    rejected: number;
    results: { id?: string; partition?: number; offset?: number; index?: number; error?: string }[];
  };
  assert.deepEqual({ accepted: answer.accepted, rejected: answer.rejected }, { accepted: 2, rejected: 1 });
  assert.deepEqual(answer.results[1], { index: 1, error: 'schema_validation_failed' });
  const placed = [answer.results[0]!, answer.results[2]!];
  placed.forEach((result, i) => {
    assert.match(result.id ?? '', /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.equal(result.partition, partitionForKey(events[i]!.data.customer_id, benchPartitions));
  });
  // Offsets are dense per partition, in order: a second body goes on after the first.
  const [, second] = await floor.send(JSON.stringify(events[0]));
  const again = (JSON.parse(second) as { results: { id: string; partition: number; offset: number }[] }).results[0]!;
  const before = placed.filter((result) => result.partition === again.partition).length;
  assert.deepEqual(again, { id: again.id, partition: placed[0]!.partition, offset: before });
  assert.deepEqual(
    placed.filter((result) => result.partition === placed[0]!.partition).map((result) => result.offset),
    placed[0]!.partition === placed[1]!.partition ? [0, 1] : [0],
  );

  const db = new DatabaseSync(floor.file, { readOnly: true });
  const rows = (db.prepare('SELECT body FROM bodies ORDER BY seq').all() as { body: string }[]).map((row) => row.body);
  db.close();
  assert.equal(rows.length, 2);
  assert.deepEqual(
    rows[0]!
      .trimEnd()
      .split('\n')
      .map((line) => line.split('\t')),
    placed.map((result, i) => [result.id, String(result.partition), JSON.stringify(events[i]!.data)]),
  );
  floor.kill('SIGTERM');
  assert.equal(await floor.exited, 0);
});
