import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { test } from 'node:test';
import { runCli } from '../../helpers/process.ts';
import { adminToken, tempDir } from '../../helpers/sluice.ts';

void test('start on a port in use says so and how to choose another', async (t) => {
  const blocker = createServer();
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => blocker.close(() => resolve())));
  const { port } = blocker.address() as { port: number };
  const result = await runCli(['start', '--port', String(port), '--host', '127.0.0.1', '--data-dir', tempDir(t), '--log-level', 'silent'], { SLUICE_ADMIN_TOKEN: adminToken });
  assert.notEqual(result.code, 0);
  assert.match(result.stderr, new RegExp(`port ${port} on 127\\.0\\.0\\.1 is already in use: .*--port or SLUICE_PORT`));
});
