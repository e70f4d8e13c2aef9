/**
 * The @kafkajs/confluent-schema-registry project's own jest suite, unchanged, against a
 * running Sluice (scripts/registry-conformance.sh): existing Confluent clients move over with
 * no renaming. Skipped, with a message, where the suite's offline copy is not on the machine.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';

const script = fileURLToPath(new URL('../../scripts/registry-conformance.sh', import.meta.url));
// Where the offline copy may be: named by SLUICE_CONFORMANCE_DIR, beside the checkout, or the machine's shared folder.
const candidates = [process.env.SLUICE_CONFORMANCE_DIR, fileURLToPath(new URL('../../../shared/conformance', import.meta.url)), '/work/shared/conformance'];
const suite = candidates
  .filter((dir): dir is string => dir !== undefined && dir !== '')
  .map((dir) => `${dir}/kafkajs-csr/`)
  .find((dir) => existsSync(`${dir}package.json`));
const skip =
  suite === undefined
    ? `the kafkajs registry client's suite is not on this machine (set SLUICE_CONFORMANCE_DIR; looked in ${candidates.filter(Boolean).join(', ')})`
    : false;

void test('the kafkajs Confluent registry client passes its own test suite against /registry', { skip, timeout: 900_000 }, async () => {
  const { code, output } = await new Promise<{ code: number | null; output: string }>((resolve) => {
    execFile('bash', [script, suite!], { maxBuffer: 64 * 1024 * 1024, timeout: 880_000 }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : null, output: `${stdout}\n${stderr}` });
    });
  });
  const summary = /Tests:\s+(.*)/.exec(output)?.[1] ?? 'no jest summary';
  assert.equal(code, 0, `jest failed (${summary}):\n${output.slice(-6000)}`);
  assert.match(summary, /\b0 failed|^(?!.*failed)/, summary);
  assert.match(summary, /148 passed/, `every test of the suite ran and passed: ${summary}`);
});
