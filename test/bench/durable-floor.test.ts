import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { createInterface } from 'node:readline';
import { DatabaseSync } from 'node:sqlite';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const script = fileURLToPath(new URL('../../bench/durable-floor-server.ts', import.meta.url));

void test('the durable floor answers a body only once it is committed, refuses malformed JSON, and removes its file on exit', async () => {
  const child = spawn(process.execPath, [script], { stdio: ['pipe', 'pipe', 'inherit'] });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  try {
    const started = await new Promise<{ url: string; file: string }>((resolve, reject) => {
      createInterface({ input: child.stdout }).once('line', (line) => resolve(JSON.parse(line) as { url: string; file: string }));
      void exited.then((code) => reject(new Error(`the durable floor exited (${code}) before listening`)));
    });

    const bodies = ['[{"a":1},{"a":2},{"a":3}]', '{"a":4}'];
    const answers = await Promise.all(bodies.map((body) => fetch(`${started.url}/v1/events`, { method: 'POST', body })));
    assert.deepEqual(await Promise.all(answers.map(async (answer) => [answer.status, await answer.text()])), [
      [202, '{"accepted":3}'],
      [202, '{"accepted":1}'],
    ]);
    // Every answered body is in the file, seen from a connection of another process's kind.
    const reader = new DatabaseSync(started.file, { readOnly: true });
    try {
      const stored = reader
        .prepare('SELECT body FROM bodies ORDER BY seq')
        .all()
        .map((row) => row.body);
      assert.deepEqual(stored.toSorted(), bodies.toSorted());
    } finally {
      reader.close();
    }

    const malformed = await fetch(`${started.url}/v1/events`, { method: 'POST', body: '[{"a":' });
    assert.equal(malformed.status, 400);
    assert.equal(await malformed.text(), '{"error":"malformed_json"}');

    child.kill('SIGTERM');
    assert.equal(await exited, 0);
    assert.equal(existsSync(dirname(started.file)), false);
  } finally {
    child.kill('SIGKILL');
  }
});
