/**
 * Installed as a package, `sluice` is on the PATH and runs: `npm pack` builds dist/ (prepack),
 * the tarball installs into an empty project, and the installed command starts a server that
 * answers.
 */
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { promisify } from 'node:util';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../../..', import.meta.url));

void test('npm pack ships a package whose installed sluice command runs', { timeout: 300_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-pack-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  await run('npm', ['pack', '--pack-destination', dir], { cwd: root, maxBuffer: 16 * 1024 * 1024 });
  const tarball = readdirSync(dir).find((name) => name.endsWith('.tgz'));
  assert.ok(tarball !== undefined, 'npm pack wrote a tarball');
  const { stdout: listing } = await run('tar', ['-tzf', join(dir, tarball)]);
  assert.ok(listing.includes('package/dist/edges/cli/main.js'), 'the tarball has the built CLI');
  assert.ok(!listing.includes('package/src/'), 'and not the TypeScript sources');

  const app = join(dir, 'app');
  await run('mkdir', ['-p', app]);
  writeFileSync(join(app, 'package.json'), '{"name":"app","private":true}');
  await run('npm', ['install', '--no-audit', '--no-fund', join(dir, tarball)], { cwd: app, maxBuffer: 16 * 1024 * 1024 });
  const bin = join(app, 'node_modules', '.bin', 'sluice');
  const { stdout: version } = await run(bin, ['--version']);
  assert.match(version.trim(), /^\d+\.\d+\.\d+/);

  const server = spawn(bin, ['start', '--port', '0', '--data-dir', join(dir, 'data')], {
    env: { ...process.env, SLUICE_ADMIN_TOKEN: 'package-test-admin-token' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  t.after(() => server.kill('SIGKILL'));
  const url = await new Promise<string>((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => reject(new Error(`the installed server did not start: ${seen}`)), 30_000);
    const onData = (chunk: Buffer): void => {
      seen += chunk.toString();
      const found = /"address":"(http:\/\/[^"]+)"/.exec(seen);
      if (found !== null) {
        clearTimeout(timer);
        resolve(found[1]!);
      }
    };
    server.stdout.on('data', onData);
    server.stderr.on('data', onData);
  });
  const created = await fetch(`${url}/v1/tenants`, {
    method: 'POST',
    headers: { authorization: 'Bearer package-test-admin-token', 'content-type': 'application/json' },
    body: '{"id":"acme"}',
  });
  assert.equal(created.status, 201);
});
