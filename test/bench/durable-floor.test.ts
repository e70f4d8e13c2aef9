import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { DatabaseSync } from 'node:sqlite';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

const script = fileURLToPath(new URL('../../bench/durable-floor-server.ts', import.meta.url));

void test('the durable floor answers a body only once it is committed, and refuses malformed JSON', async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'sluice-test-durable-floor-'));
  t.after(() => rmSync(dataDir, { recursive: true, force: true }));
  const child = spawn(process.execPath, [script, dataDir], { stdio: ['pipe', 'pipe', 'inherit'] });
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

  assert.deepEqual(await Promise.all(['[{"a":1},{"a":2},{"a":3}]', '{"a":4}'].map(send)), [
    [202, '{"accepted":3}'],
    [202, '{"accepted":1}'],
  ]);

  // While another connection holds the write lock the body cannot be committed, so it is not answered.
  const other = new DatabaseSync(started.file);
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
  child.kill('SIGTERM');
  assert.equal(await exited, 0);
});
