/**
 * Load and read-back helpers for the integrity tests: producers that remember exactly
 * which events the server acknowledged, and a reader that pulls a whole stream back.
 */
import assert from 'node:assert/strict';

/** What a producer put in `data`: the key, the producer, and a sequence per (producer, key). */
export interface SentData {
  k: string;
  p: string;
  seq: number;
}

export interface Acknowledged {
  id: string;
  partition: number;
  offset: number;
  data: SentData;
}

export interface ProducerReport {
  producer: string;
  /** Requests answered 200 with every event stored. */
  acknowledged: Acknowledged[];
  /** Every event sent, by id, acknowledged or not (a request cut by a crash may or may not be stored). */
  sent: Map<string, SentData>;
  /** Answers other than 200 (none expected: every event is valid). */
  unexpected: { status: number; body: string }[];
  /** Why the producer stopped early, when it did (connection refused or reset after a kill). */
  stoppedBy?: string;
}

export interface ProducerOptions {
  url: string;
  token: string;
  type: string;
  producer: string;
  keys: readonly string[];
  maxRequests: number;
  maxBatch: number;
  /** Checked before each request; the producer ends when it answers true. */
  stop: () => boolean;
  /** Called with the number of events of each fully acknowledged request. */
  onAcknowledged?: (count: number) => void;
  random?: () => number;
}

/**
 * Sends batches of 1..maxBatch events, one request at a time, until `stop()`, an error,
 * or `maxRequests`. Each event has a producer-chosen id, so a retried or replayed id is
 * never stored twice, and `data.seq` grows per (producer, key).
 */
export async function produce(options: ProducerOptions): Promise<ProducerReport> {
  const random = options.random ?? Math.random;
  const report: ProducerReport = { producer: options.producer, acknowledged: [], sent: new Map(), unexpected: [] };
  const sequence = new Map<string, number>();
  let counter = 0;
  for (let request = 0; request < options.maxRequests && !options.stop(); request++) {
    const size = 1 + Math.floor(random() * options.maxBatch);
    const events = Array.from({ length: size }, () => {
      const k = options.keys[Math.floor(random() * options.keys.length)]!;
      const seq = sequence.get(k) ?? 0;
      sequence.set(k, seq + 1);
      const id = `${options.producer}-${counter++}`;
      const data: SentData = { k, p: options.producer, seq };
      report.sent.set(id, data);
      return { type: options.type, id, data };
    });
    let status: number;
    let text: string;
    try {
      const response = await fetch(`${options.url}/v1/events`, {
        method: 'POST',
        headers: { authorization: `Bearer ${options.token}`, 'content-type': 'application/json' },
        body: JSON.stringify(events),
      });
      status = response.status;
      text = await response.text();
    } catch (error) {
      // The server died with this request in flight: its events are unacknowledged.
      report.stoppedBy = (error as Error & { cause?: Error }).cause?.message ?? (error as Error).message;
      break;
    }
    if (status !== 200) {
      report.unexpected.push({ status, body: text.slice(0, 500) });
      continue;
    }
    const body = JSON.parse(text) as { accepted: number; results: { id?: string; partition?: number; offset?: number; duplicate?: boolean }[] };
    if (body.accepted !== events.length || body.results.length !== events.length) {
      report.unexpected.push({ status, body: text.slice(0, 500) });
      continue;
    }
    events.forEach((event, index) => {
      const result = body.results[index]!;
      if (result.id !== event.id || result.partition === undefined || result.offset === undefined || result.duplicate === true) {
        report.unexpected.push({ status, body: JSON.stringify(result) });
        return;
      }
      report.acknowledged.push({ id: event.id, partition: result.partition, offset: result.offset, data: event.data });
    });
    options.onAcknowledged?.(events.length);
  }
  return report;
}

export interface StoredRecord {
  id: string;
  key: string | null;
  partition: number;
  offset: number;
  data: SentData;
}

/** Reads one partition from offset 0 to its end, page by page, following `next`. */
export async function readPartition(url: string, token: string, stream: string, partition: number, expectedAtMost: number): Promise<StoredRecord[]> {
  const records: StoredRecord[] = [];
  let from = 0;
  const maxPages = Math.ceil(expectedAtMost / 1000) + 2;
  for (let page = 0; page < maxPages; page++) {
    const response = await fetch(`${url}/v1/streams/${encodeURIComponent(stream)}/events?partition=${partition}&from=${from}&limit=1000`, {
      headers: { authorization: `Bearer ${token}` },
    });
    if (response.status !== 200) throw new Error(`reading ${stream}/${partition} from ${from}: HTTP ${response.status} ${await response.text()}`);
    const body = (await response.json()) as { items: StoredRecord[]; next: number };
    if (body.items.length === 0) return records;
    records.push(...body.items);
    if (body.next <= from) throw new Error(`reading ${stream}/${partition}: next ${body.next} does not move past ${from}`);
    from = body.next;
  }
  throw new Error(`reading ${stream}/${partition}: more than ${expectedAtMost} records`);
}

/** Calls the API with a bearer token and a JSON body; throws unless the status is the expected one. */
export async function callJson(url: string, method: string, path: string, token: string, body: unknown, expected: number): Promise<any> {
  const init: RequestInit = { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' } };
  if (body !== undefined) init.body = JSON.stringify(body);
  else init.headers = { authorization: `Bearer ${token}` };
  const response = await fetch(`${url}${path}`, init);
  const text = await response.text();
  if (response.status !== expected) throw new Error(`${method} ${path}: expected ${expected}, got ${response.status} ${text}`);
  return text === '' ? undefined : JSON.parse(text);
}

/**
 * Reads every partition of a stream back and checks what must never happen: an acknowledged
 * event lost, moved or stored twice, something stored that was not sent, offsets with gaps,
 * and a producer's events for one key out of send order. With `keysStayInPartition`, also
 * that each key lives in one partition. Answers the end offsets and every record by id.
 */
export async function verifyStream(
  url: string,
  token: string,
  stream: string,
  partitions: number,
  acknowledged: readonly Acknowledged[],
  sent: ReadonlyMap<string, SentData>,
  options: { keysStayInPartition?: boolean } = {},
): Promise<{ endOffsets: number[]; byId: Map<string, StoredRecord> }> {
  const info = (await callJson(url, 'GET', `/v1/streams/${stream}`, token, undefined, 200)) as { partitions: number; endOffsets: number[] };
  assert.equal(info.partitions, partitions);
  const byId = new Map<string, StoredRecord>();
  const partitionOfKey = new Map<string, number>();
  for (let partition = 0; partition < partitions; partition++) {
    const records = await readPartition(url, token, stream, partition, sent.size);
    assert.equal(records.length, info.endOffsets[partition], `partition ${partition}: the end offset is not the number of records`);
    // Order within a partition is the order of the log; per (producer, key) it is the send order.
    const lastSeq = new Map<string, number>();
    records.forEach((record, index) => {
      assert.equal(record.offset, index, `partition ${partition}: offsets are not dense from 0`);
      assert.equal(record.partition, partition);
      assert.equal(byId.has(record.id), false, `event ${record.id} is stored twice`);
      byId.set(record.id, record);
      assert.deepEqual(record.data, sent.get(record.id), `event ${record.id} at ${partition}/${record.offset} is not what was sent`);
      if (options.keysStayInPartition === true) {
        assert.equal(record.key, record.data.k);
        const keyPartition = partitionOfKey.get(record.data.k) ?? partition;
        assert.equal(keyPartition, partition, `key ${record.data.k} is in partitions ${keyPartition} and ${partition}`);
        partitionOfKey.set(record.data.k, partition);
      }
      const sequence = `${record.data.p}/${record.data.k}`;
      const previous = lastSeq.get(sequence) ?? -1;
      assert.ok(record.data.seq > previous, `${sequence}: seq ${record.data.seq} stored after ${previous}`);
      lastSeq.set(sequence, record.data.seq);
    });
  }
  const missing = acknowledged.filter((event) => !byId.has(event.id));
  assert.deepEqual(missing.slice(0, 5), [], `${missing.length} acknowledged events are lost`);
  for (const event of acknowledged) {
    const stored = byId.get(event.id)!;
    assert.deepEqual({ partition: stored.partition, offset: stored.offset }, { partition: event.partition, offset: event.offset }, `event ${event.id} moved`);
  }
  return { endOffsets: info.endOffsets, byId };
}
