import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { errorCatalogue } from '../../src/domain/errors.ts';

// Protects the promise that docs/errors.md lists every code the API can answer, with its status.
void test('docs/errors.md lists every error code with its HTTP status', () => {
  const doc = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');
  const rows = new Map<string, number>();
  for (const match of doc.matchAll(/^\| `([a-z0-9_]+)` \| (\d{3}) \|/gm)) rows.set(match[1]!, Number(match[2]));
  for (const [code, entry] of Object.entries(errorCatalogue)) {
    assert.equal(rows.get(code), entry.status, `docs/errors.md: ${code} should be listed with status ${entry.status}`);
  }
  assert.deepEqual([...rows.keys()].sort(), Object.keys(errorCatalogue).sort(), 'docs/errors.md lists a code the catalogue does not have');
});
