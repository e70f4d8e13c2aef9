import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startSluice } from '../helpers/sluice.ts';

void test('the console loads under 300 KB compressed, from this server alone, and can be switched off', async (t) => {
  const s = await startSluice(t);
  const html = await fetch(`${s.url}/console`, { headers: { 'accept-encoding': 'gzip' } });
  assert.equal(html.status, 200);
  assert.match(html.headers.get('content-security-policy') ?? '', /default-src 'self'.*connect-src 'self'/);
  const page = await html.text();
  // Everything the page loads is on this server: no CDN.
  const references = [...page.matchAll(/(?:src|href)="([^"]+)"/g)].map((match) => match[1]!);
  assert.ok(references.length > 0 && references.every((reference) => reference.startsWith('/console/') || reference.startsWith('#')), references.join(' '));
  let compressed = 0;
  for (const path of ['/console', ...references.filter((reference) => reference.startsWith('/'))]) {
    const response = await fetch(`${s.url}${path}`, { headers: { 'accept-encoding': 'gzip' } });
    assert.equal(response.headers.get('content-encoding'), 'gzip');
    compressed += Number(response.headers.get('content-length'));
  }
  t.diagnostic(`first load: ${compressed} bytes compressed`);
  assert.ok(compressed > 0 && compressed <= 300 * 1024, `${compressed} bytes`);

  const off = await startSluice(t, { console: { enabled: false } });
  assert.equal((await fetch(`${off.url}/console`)).status, 404);
});
