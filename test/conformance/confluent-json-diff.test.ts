/**
 * Confluent's own JSON Schema compatibility examples (json-schema-provider's `diff-*.json`),
 * replayed against /registry as a Confluent user would: register `original_schema`, then ask
 * whether `update_schema` is compatible under BACKWARD, and compare with Confluent's verdict.
 * Skipped, with a message, where the offline copy is not on the machine.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { startSluice } from '../helpers/sluice.ts';

interface Example {
  description: string;
  original_schema: unknown;
  update_schema: unknown;
  compatible: boolean;
}

const candidates = [process.env.SLUICE_CONFORMANCE_DIR, fileURLToPath(new URL('../../../shared/conformance', import.meta.url)), '/work/shared/conformance'];
const folder = candidates
  .filter((dir): dir is string => dir !== undefined && dir !== '')
  .map((dir) => `${dir}/confluent-json-diff`)
  .find((dir) => existsSync(dir));
const skip = folder === undefined ? `Confluent's JSON Schema diff examples are not on this machine (set SLUICE_CONFORMANCE_DIR)` : false;
/** The files are read by Jackson, which allows a trailing comma; JSON.parse does not. */
function lenient(text: string): string {
  return text.replace(/,(\s*[}\]])/g, '$1');
}

/** How many examples may disagree: none. */
const knownDisagreements = 0;

void test("Confluent's JSON Schema diff examples: Sluice's BACKWARD verdicts agree with Confluent's", { skip, timeout: 300_000 }, async (t) => {
  const examples: Example[] = readdirSync(folder!)
    .filter((name) => name.startsWith('diff-') && name.endsWith('.json'))
    .sort()
    .flatMap((name) => JSON.parse(lenient(readFileSync(`${folder}/${name}`, 'utf8'))) as Example[]);
  const s = await startSluice(t);
  const key = await s.tenantWithKey('acme');
  const reg = (method: string, path: string, body?: unknown) =>
    s.call(method, `/registry${path}`, body === undefined ? { token: key } : { token: key, body, contentType: 'application/vnd.schemaregistry.v1+json' });
  const disagreements: string[] = [];
  for (const [i, example] of examples.entries()) {
    const subject = `diff-${i}`;
    const registered = await reg('POST', `/subjects/${subject}/versions`, { schemaType: 'JSON', schema: JSON.stringify(example.original_schema) });
    if (registered.status !== 200) {
      disagreements.push(
        `#${i} ${example.description}: the original schema was refused (${registered.status} ${JSON.stringify(registered.body).slice(0, 200)})`,
      );
      continue;
    }
    const checked = await reg('POST', `/compatibility/subjects/${subject}/versions/latest?verbose=true`, {
      schemaType: 'JSON',
      schema: JSON.stringify(example.update_schema),
    });
    const verdict = (checked.body as { is_compatible?: boolean }).is_compatible;
    if (checked.status !== 200 || verdict !== example.compatible) {
      disagreements.push(
        `#${i} ${example.description}: Confluent says ${example.compatible ? 'compatible' : 'incompatible'}, Sluice answered ${checked.status} ${JSON.stringify(checked.body).slice(0, 300)}`,
      );
    }
  }
  t.diagnostic(`${examples.length - disagreements.length} of ${examples.length} agree`);
  for (const line of disagreements) t.diagnostic(line);
  assert.ok(disagreements.length <= knownDisagreements, `${disagreements.length} disagreements:\n${disagreements.join('\n')}`);
});
