/**
 * The web console in a real browser: Debian's Chromium (never a downloaded one) driven by
 * playwright-core, against a real server with real data. Screenshots of each page go to
 * docs/console/ for the README. Skipped, saying so, where /usr/bin/chromium is missing, unless
 * SLUICE_REQUIRE_BROWSER is set (as `.ci/run` does).
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { test, type TestContext } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { adminToken, startSluice, type TestSluice } from '../helpers/sluice.ts';

const executablePath = '/usr/bin/chromium';
const skip =
  !existsSync(executablePath) && process.env.SLUICE_REQUIRE_BROWSER === undefined ? `${executablePath} is missing (apt-get install chromium)` : false;
const screenshots = fileURLToPath(new URL('../../docs/console/', import.meta.url));

async function browser(t: TestContext): Promise<Browser> {
  const launched = await chromium.launch({ executablePath, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
  t.after(() => launched.close());
  return launched;
}

async function shot(page: Page, name: string): Promise<void> {
  mkdirSync(screenshots, { recursive: true });
  await page.screenshot({ path: `${screenshots}${name}.png`, fullPage: true });
}

async function signIn(page: Page, url: string, token: string): Promise<void> {
  await page.goto(`${url}/console`);
  await page.getByLabel('API key or admin token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

const strict = { type: 'object', required: ['order_id', 'amount'], properties: { order_id: { type: 'string' }, amount: { type: 'integer', minimum: 0 } } };
const relaxed = { ...strict, properties: { ...strict.properties, amount: { type: 'number', minimum: 0 } } };

async function tenantWithOrders(s: TestSluice): Promise<string> {
  const key = await s.tenantWithKey('acme');
  assert.equal((await s.call('PUT', '/v1/types/orders', { token: key, body: { schema: strict, partitionKey: '/order_id', partitions: 2 } })).status, 201);
  const sent = await s.call('POST', '/v1/events', {
    token: key,
    body: [
      { type: 'orders', id: 'o-1', data: { order_id: 'o-1', amount: 12 } },
      { type: 'orders', id: 'o-2', data: { order_id: 'o-2', amount: 3 } },
      { type: 'orders', id: 'o-3', data: { order_id: 'o-3', amount: 9.5 } },
    ],
  });
  assert.equal(sent.status, 207);
  return key;
}

void test(
  'a tenant signs in, browses, tails, fixes and redrives a dead letter, compares versions, dry-runs a pipeline, and is signed out when the key is revoked',
  { skip, timeout: 120_000 },
  async (t) => {
    const s = await startSluice(t);
    const key = await tenantWithOrders(s);
    const page = await (await browser(t)).newPage({ viewport: { width: 1280, height: 800 } });

    await signIn(page, s.url, key);
    await page.getByRole('heading', { name: 'Overview: acme' }).waitFor();
    await page.getByRole('link', { name: 'dead letters', exact: true }).waitFor();
    await shot(page, 'overview');

    // The stream browser shows what the API stored; an event is found by its id.
    await page.goto(`${s.url}/console#/streams/acme.orders`);
    // Each order's id is its key too.
    await page.getByRole('cell', { name: 'o-1', exact: true }).first().waitFor();
    assert.equal(await page.getByRole('cell', { name: 'o-2', exact: true }).count(), 2);
    await page.getByLabel('Find an event by id').fill('o-2');
    await page.getByRole('button', { name: 'Find' }).click();
    await page.locator('#found pre').getByText('"amount": 3').waitFor();
    await shot(page, 'streams');

    // The live tail shows an event sent through the API within a second.
    await page.goto(`${s.url}/console#/tail/acme.orders`);
    await page.getByText('following').waitFor();
    assert.equal((await s.call('POST', '/v1/events', { token: key, body: { type: 'orders', data: { order_id: 'live-1', amount: 1 } } })).status, 200);
    await page.locator('#tail').getByText('live-1').waitFor({ timeout: 1000 });
    await shot(page, 'tail');

    // The dead letter says why; after the schema is fixed it is redriven from the page.
    await page.goto(`${s.url}/console#/dead-letters`);
    await page.getByText('schema_validation_failed').waitFor();
    await page.getByText('/amount').first().waitFor();
    await shot(page, 'dead-letters');
    assert.equal((await s.call('PUT', '/v1/types/orders', { token: key, body: { schema: relaxed } })).status, 201);
    await page.getByRole('checkbox', { name: /select dead letter/ }).check();
    await page.getByRole('button', { name: 'Redrive selected' }).click();
    await page.getByText('1 redriven, 0 still failing').waitFor();
    await page.getByText('0 pending').waitFor();
    const redriven = await s.call('GET', '/v1/streams/acme.orders/events/o-3', { token: key });
    assert.deepEqual(redriven.body.data, { order_id: 'o-3', amount: 9.5 });

    // The two versions side by side; the pipeline tried on samples without storing anything.
    await s.call('PUT', '/v1/types/orders/pipeline', {
      token: key,
      body: { steps: [{ set: { source: 'console' } }], filter: { data: { amount: [{ numeric: ['>', 0] }] } } },
    });
    await page.goto(`${s.url}/console#/types/orders`);
    await page.locator('#diff .del').getByText('"integer"').waitFor();
    await page.locator('#diff .add').getByText('"number"').waitFor();
    await page.getByLabel(/Sample data/).fill('{"order_id":"x","amount":5}\n{"order_id":"y"}\n{"order_id":"z","amount":0}');
    await page.getByRole('button', { name: 'Dry run' }).click();
    await page.getByText('#0: accepted').waitFor();
    await page.getByText('#1: dead-letter').waitFor();
    await page.getByText('#2: filtered').waitFor();
    await page.locator('#dry-run-results').getByText('"source": "console"').waitFor();
    await shot(page, 'type');
    const stored = await s.call('GET', '/v1/streams/acme.orders', { token: key });
    assert.equal(
      stored.body.endOffsets.reduce((a: number, b: number) => a + b, 0),
      4,
      'the dry run stored nothing',
    );

    // Dark mode and a phone.
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${s.url}/console#/overview`);
    await page.getByRole('heading', { name: 'Overview: acme' }).waitFor();
    await shot(page, 'overview-phone-dark');
    await page.emulateMedia({ colorScheme: 'light' });
    await page.setViewportSize({ width: 1280, height: 800 });

    // Revoking the key signs the open console out.
    await page.goto(`${s.url}/console#/tail/acme.orders`);
    await page.getByText('following').waitFor();
    const [, keyId] = key.split('.');
    assert.equal((await s.call('DELETE', `/v1/tenants/acme/keys/${keyId!}`)).status, 204);
    await page.getByRole('button', { name: 'Sign in' }).waitFor({ timeout: 5000 });
    await page.getByText(/revoked|session ended/).waitFor();
  },
);

void test('the admin signs in to tenants and keys: a new key is shown once, and can be revoked', { skip, timeout: 60_000 }, async (t) => {
  const s = await startSluice(t);
  await s.tenantWithKey('acme');
  const page = await (await browser(t)).newPage({ viewport: { width: 1280, height: 800 } });
  await signIn(page, s.url, adminToken);
  await page.getByRole('heading', { name: 'Tenants' }).waitFor();
  await page.getByLabel('New tenant id').fill('globex');
  await page.getByRole('button', { name: 'Create tenant' }).click();
  await page.getByRole('link', { name: 'globex' }).click();
  await page.getByRole('button', { name: 'Create key' }).click();
  await page.getByText('The secret is shown this once').waitFor();
  const secret = JSON.parse((await page.locator('#secret pre').textContent()) ?? '""') as string;
  assert.match(secret, /^sk\./);
  assert.equal((await s.call('GET', '/v1/types', { token: secret })).status, 200, 'the key shown works');
  await shot(page, 'admin-keys');
  await page.getByRole('button', { name: 'Revoke' }).click();
  await page.getByText(/revoked/).waitFor();
  assert.equal((await s.call('GET', '/v1/types', { token: secret })).status, 401);
  // A tenant's data is not the admin's to browse.
  assert.equal(await page.getByRole('link', { name: 'Streams' }).count(), 0);
});

void test('the stream browser pages a stream of 100,000 records: one page is fetched and drawn at a time', { skip, timeout: 120_000 }, async (t) => {
  const s = await startSluice(t);
  const key = await s.tenantWithKey('acme');
  await s.call('PUT', '/v1/types/big', { token: key, body: { schema: { type: 'object' }, partitions: 1 } });
  const attributes = { type: 'big', source: '/tenants/acme', time: new Date().toISOString() };
  for (let start = 0; start < 100_000; start += 10_000) {
    await s.sluice.store.log.append(
      Array.from({ length: 10_000 }, (_, i) => ({
        stream: 'acme.big',
        partition: 0,
        id: `r-${start + i}`,
        unique: false,
        key: null,
        timestamp: Date.now(),
        attributes,
        value: JSON.stringify({ n: start + i }),
      })),
    );
  }
  const page = await (await browser(t)).newPage();
  const reads: string[] = [];
  page.on('request', (request) => {
    if (request.url().includes('/v1/streams/acme.big/events')) reads.push(request.url());
  });
  await signIn(page, s.url, key);
  await page.getByRole('heading', { name: 'Overview: acme' }).waitFor();
  await page.goto(`${s.url}/console#/streams/acme.big`);
  await page.getByRole('cell', { name: 'r-99', exact: true }).waitFor();
  assert.equal(await page.locator('#records tbody tr').count(), 100);
  await page.getByRole('button', { name: 'Next page' }).click();
  await page.getByRole('cell', { name: 'r-199', exact: true }).waitFor();
  assert.equal(await page.locator('#records tbody tr').count(), 200);
  // The overview's chart asks for one record per time; the browser's reads ask for a page.
  const pageReads = reads.filter((url) => !/[?&]limit=1(&|$)/.test(url));
  assert.ok(pageReads.length >= 2);
  assert.ok(
    pageReads.every((url) => url.includes('limit=100')),
    'every read asks for one page',
  );
});

void test('every console page passes axe-core (WCAG 2 A and AA, colour contrast included) in light and dark mode', { skip, timeout: 120_000 }, async (t) => {
  const s = await startSluice(t);
  const key = await tenantWithOrders(s);
  const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
  // The console's policy refuses inline scripts: the audit is injected past it.
  const context = await (await browser(t)).newContext({ bypassCSP: true, viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  await signIn(page, s.url, key);
  await page.getByRole('heading', { name: 'Overview: acme' }).waitFor();
  const pages: [string, string][] = [
    ['overview', 'Overview: acme'],
    ['types', 'Event types'],
    ['types/orders', 'Event type orders'],
    ['streams/acme.orders', 'Stream browser'],
    ['tail/acme.orders', 'Live tail'],
    ['dead-letters', 'Dead letters'],
    ['groups', 'Consumer groups'],
    ['subscriptions', 'Subscriptions'],
    ['correlations', 'Correlations'],
  ];
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    for (const [hash, heading] of pages) {
      await page.goto(`${s.url}/console#/${hash}`);
      await page.getByRole('heading', { name: heading, exact: true }).waitFor();
      await page.addScriptTag({ content: axeSource });
      const violations = await page.evaluate(async () => {
        const result = await (
          globalThis as unknown as {
            axe: { run: (context: unknown, options: unknown) => Promise<{ violations: { id: string; nodes: { target: string[] }[] }[] }> };
          }
        ).axe.run((globalThis as any).document, {
          runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa'] },
        });
        return result.violations.map((violation) => `${violation.id}: ${violation.nodes.map((node) => node.target.join(' ')).join(', ')}`);
      });
      assert.deepEqual(violations, [], `${scheme} #/${hash}`);
    }
  }
});

void test('the session cookie is not sent cross-site: a page on another site cannot act with it', { skip, timeout: 60_000 }, async (t) => {
  const s = await startSluice(t);
  const key = await tenantWithOrders(s);
  // A hostile page on another site (localhost is another site than 127.0.0.1).
  const hostile = createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'text/html' });
    response.end(
      `<form id="f" method="POST" action="${s.url}/v1/types/orders/erase" enctype="text/plain"><input name='{"key":"o-1","x":"' value='"}'></form>` +
        `<script>fetch('${s.url}/v1/types', { credentials: 'include' }).then((r) => (document.title = 'status ' + r.status), () => (document.title = 'blocked'));</script>`,
    );
  });
  await new Promise<void>((resolve) => hostile.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => hostile.close(() => resolve())));
  const hostilePort = (hostile.address() as { port: number }).port;
  const page = await (await browser(t)).newPage();
  await signIn(page, s.url, key);
  await page.getByRole('heading', { name: 'Overview: acme' }).waitFor();
  await page.goto(`http://localhost:${hostilePort}/`);
  await page.waitForFunction(() => {
    const title = String((globalThis as any).document.title);
    return title.startsWith('status') || title === 'blocked';
  });
  // The fetch from the other site got no session: 401 (or CORS stopped it before an answer).
  assert.match(await page.title(), /^(status 401|blocked)$/);
  await page.locator('#f').evaluate((form) => (form as any).submit());
  await page.waitForURL(`${s.url}/v1/types/orders/erase`);
  assert.match(await page.locator('body').innerText(), /unauthorized/);
  // The erase was refused (no cookie went with it): the event still holds its data.
  const event = await s.call('GET', '/v1/streams/acme.orders/events/o-1', { token: key });
  assert.deepEqual(event.body.data, { order_id: 'o-1', amount: 12 });
});
