import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { startSluice, type TestSluice } from '../../helpers/sluice.ts';

interface SseFrame {
  id?: string;
  event?: string;
  data?: string;
  comments: string[];
}

/** A Server-Sent Events reader over fetch's streaming body. */
class SseClient {
  readonly response: Response;
  readonly #controller: AbortController;
  readonly #reader: ReadableStreamDefaultReader<Uint8Array>;
  readonly #decoder = new TextDecoder();
  #buffer = '';

  constructor(response: Response, controller: AbortController) {
    this.response = response;
    this.#controller = controller;
    this.#reader = response.body!.getReader();
  }

  /** The next frame; fails the test rather than hang when none comes within `timeoutMs`. */
  async next(timeoutMs = 10_000): Promise<SseFrame> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const end = this.#buffer.indexOf('\n\n');
      if (end >= 0) {
        const block = this.#buffer.slice(0, end);
        this.#buffer = this.#buffer.slice(end + 2);
        return parseFrame(block);
      }
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw new Error(`no SSE frame within ${timeoutMs} ms`);
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no SSE frame within ${timeoutMs} ms`)), remaining);
      });
      try {
        const chunk = await Promise.race([this.#reader.read(), timeout]);
        if (chunk.done) throw new Error('the SSE stream ended');
        this.#buffer += this.#decoder.decode(chunk.value, { stream: true });
      } finally {
        clearTimeout(timer);
      }
    }
  }

  /** The next `count` record frames, skipping comments and keep-alives. */
  async records(count: number): Promise<{ id: string; record: any }[]> {
    const out: { id: string; record: any }[] = [];
    while (out.length < count) {
      const frame = await this.next();
      if (frame.event !== 'record') continue;
      assert.ok(frame.id !== undefined, 'every record frame has an id');
      out.push({ id: frame.id, record: JSON.parse(frame.data!) });
    }
    return out;
  }

  close(): void {
    this.#controller.abort();
  }
}

function parseFrame(block: string): SseFrame {
  const frame: SseFrame = { comments: [] };
  for (const line of block.split('\n')) {
    if (line.startsWith(':')) {
      frame.comments.push(line.slice(1).trim());
      continue;
    }
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'id') frame.id = value;
    else if (field === 'event') frame.event = value;
    else if (field === 'data') frame.data = frame.data === undefined ? value : `${frame.data}\n${value}`;
  }
  return frame;
}

async function openTail(t: TestContext, s: TestSluice, key: string, query = '', headers: Record<string, string> = {}): Promise<SseClient> {
  const controller = new AbortController();
  const response = await fetch(`${s.url}/v1/streams/acme.clicks/tail${query}`, {
    headers: { authorization: `Bearer ${key}`, ...headers },
    signal: controller.signal,
  });
  const client = new SseClient(response, controller);
  t.after(() => client.close());
  return client;
}

async function setup(t: TestContext): Promise<{ s: TestSluice; key: string }> {
  const s = await startSluice(t);
  const key = await s.tenantWithKey('acme');
  assert.equal((await s.call('PUT', '/v1/types/clicks', { token: key, body: { schema: { type: 'object' }, partitions: 3 } })).status, 201);
  return { s, key };
}

async function produce(s: TestSluice, key: string, from: number, to: number): Promise<void> {
  const body = Array.from({ length: to - from }, (_, i) => ({ type: 'clicks', data: { n: from + i } }));
  assert.equal((await s.call('POST', '/v1/events', { token: key, body })).status, 200);
}

const numbers = (items: { record: { data: { n: number } } }[]) => items.map((item) => item.record.data.n).sort((a, b) => a - b);

void test('a live tail delivers events produced after it connected, each with a position id', async (t) => {
  const { s, key } = await setup(t);
  await produce(s, key, 0, 2);
  const tail = await openTail(t, s, key);
  assert.equal(tail.response.status, 200);
  assert.match(tail.response.headers.get('content-type') ?? '', /^text\/event-stream/);
  const hello = await tail.next();
  // Starting at the end: the old events are not replayed; the first id is the start position.
  assert.equal(hello.id, '0:1,1:1,2:0');
  assert.ok(hello.comments.some((comment) => comment.includes('acme.clicks')));

  await produce(s, key, 2, 6);
  const got = await tail.records(4);
  assert.deepEqual(numbers(got), [2, 3, 4, 5]);
  for (const { id, record } of got) {
    assert.match(id, /^0:\d+,1:\d+,2:\d+$/);
    assert.equal(record.stream, 'acme.clicks');
    assert.equal(record.tenant, 'acme');
    // The id is the position just after this record.
    const next = id.split(',').map((part) => Number(part.split(':')[1]));
    assert.equal(next[record.partition], record.offset + 1);
  }
  assert.equal(got.at(-1)!.id, '0:2,1:2,2:2');
});

void test('reconnecting with Last-Event-ID resumes without gaps or repeats', async (t) => {
  const { s, key } = await setup(t);
  const first = await openTail(t, s, key, '?from=earliest');
  await first.next();
  await produce(s, key, 0, 6);
  const before = await first.records(4);
  const lastId = before.at(-1)!.id;
  first.close();

  await produce(s, key, 6, 9);
  const second = await openTail(t, s, key, '', { 'last-event-id': lastId });
  assert.equal(second.response.status, 200);
  const hello = await second.next();
  assert.equal(hello.id, lastId);
  const after = await second.records(5);
  const all = [...numbers(before), ...numbers(after)].sort((a, b) => a - b);
  assert.deepEqual(all, [0, 1, 2, 3, 4, 5, 6, 7, 8], 'every event exactly once across the two connections');

  // Nothing more is pending: a new event is the next frame after any keep-alive.
  await produce(s, key, 9, 10);
  const [last] = await second.records(1);
  assert.equal(last!.record.data.n, 9);
});

void test('from=earliest replays the whole stream, then follows it', async (t) => {
  const { s, key } = await setup(t);
  await produce(s, key, 0, 7);
  const tail = await openTail(t, s, key, '?from=earliest');
  const hello = await tail.next();
  assert.equal(hello.id, '0:0,1:0,2:0');
  const replayed = await tail.records(7);
  assert.deepEqual(numbers(replayed), [0, 1, 2, 3, 4, 5, 6]);
  // Offsets within each partition arrive in order.
  for (let partition = 0; partition < 3; partition++) {
    const offsets = replayed.filter((item) => item.record.partition === partition).map((item) => item.record.offset);
    assert.deepEqual(
      offsets,
      offsets.map((_, i) => i),
    );
  }
  await produce(s, key, 7, 8);
  const [live] = await tail.records(1);
  assert.equal(live!.record.data.n, 7);
});

void test('a tail is refused before it starts when the position or stream is wrong', async (t) => {
  const { s, key } = await setup(t);
  const badId = await s.call('GET', '/v1/streams/acme.clicks/tail', { token: key, headers: { 'last-event-id': '0:1,1:1' } });
  assert.equal(badId.status, 400);
  assert.equal(badId.body.error.code, 'invalid_position');
  const garbage = await s.call('GET', '/v1/streams/acme.clicks/tail', { token: key, headers: { 'last-event-id': 'hello' } });
  assert.equal(garbage.status, 400);
  const badFrom = await s.call('GET', '/v1/streams/acme.clicks/tail?from=tomorrow', { token: key });
  assert.equal(badFrom.status, 400);
  assert.equal(badFrom.body.error.code, 'invalid_position');
  const missing = await s.call('GET', '/v1/streams/acme.nothing/tail', { token: key });
  assert.equal(missing.status, 404);
  assert.equal(missing.body.error.code, 'not_found');
  const anonymous = await s.call('GET', '/v1/streams/acme.clicks/tail', { token: null });
  assert.equal(anonymous.status, 401);
});

void test('closing the server ends open tails, and the client sees the stream end', async (t) => {
  const { s, key } = await setup(t);
  const tail = await openTail(t, s, key);
  await tail.next();
  await s.sluice.close();
  await assert.rejects(tail.next(), /the SSE stream ended/);
  const health = await fetch(`${s.url}/healthz`).catch((error: unknown) => error);
  assert.ok(health instanceof Error, 'the server no longer answers');
});

void test('revoking a key ends its open tails and long-polls within a second; other keys go on', async (t) => {
  const { s, key } = await setup(t);
  const { key: doomed, id } = (await s.call<{ key: string; id: string }>('POST', '/v1/tenants/acme/keys', { body: { scopes: ['consume', 'produce'] } })).body;
  const doomedTail = await openTail(t, s, doomed);
  const keptTail = await openTail(t, s, key);
  await doomedTail.next();
  await keptTail.next();
  const longPoll = s.call('GET', '/v1/streams/acme.clicks/events?partition=0&from=latest&waitMs=20000', { token: doomed });
  const groupPoll = s.call('POST', '/v1/groups/g1/poll', { token: doomed, body: { streams: ['acme.clicks'], member: 'm1', waitMs: 20000, from: 'latest' } });
  await new Promise((resolve) => setTimeout(resolve, 300));

  const revokedAt = performance.now();
  assert.equal((await s.call('DELETE', `/v1/tenants/acme/keys/${id}`)).status, 204);
  const ending = await doomedTail.next();
  assert.equal(ending.event, 'error');
  assert.equal((JSON.parse(ending.data!) as { error: { code: string } }).error.code, 'unauthorized');
  await assert.rejects(doomedTail.next(), /the SSE stream ended/);
  const [read, polled] = await Promise.all([longPoll, groupPoll]);
  assert.ok(performance.now() - revokedAt < 1000, 'every wait ended within a second');
  assert.equal(read.status, 401);
  assert.equal(polled.status, 401);
  assert.equal((await s.call('GET', '/v1/streams/acme.clicks/tail', { token: doomed })).status, 401, 'and it cannot reconnect');

  // The other key's tail still follows the stream.
  await produce(s, key, 0, 2);
  assert.equal((await keptTail.records(2)).length, 2);
});
