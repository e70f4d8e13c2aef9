import { distribution, type Distribution } from './stats.ts';
import { BodyMaker, type EventPool } from './workload.ts';

/**
 * End-to-end latency: the time from the ingest answer reaching the producer to the event
 * reaching a live-tail (SSE) reader, both seen from this one process. Events are sent
 * open-loop at a fixed rate in small batches, whatever the server's pace.
 */
export interface E2eSpec {
  url: string;
  token: string;
  stream: string;
  eventsPerSecond: number;
  batchSize: number;
  durationMs: number;
  /** How long to wait after the last send for the tail to catch up. */
  drainMs: number;
  /** Most ingest requests outstanding at once; a tick beyond it is skipped and counted. */
  maxInFlight?: number;
}

export interface E2eResult {
  sent: number;
  answered: number;
  received: number;
  /** Answered but never seen on the tail within the drain time. */
  missing: number;
  skippedTicks: number;
  achievedEventsPerSecond: number;
  /** Ingest answer → SSE receipt, ms (negative when the tail was faster than the answer). */
  latency: Distribution;
  /** Ingest request → answer, ms. */
  ingest: Distribution;
  errors: string[];
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export async function runE2e(spec: E2eSpec, pool: EventPool): Promise<E2eResult> {
  const answeredAt = new Map<string, number>();
  const receivedAt = new Map<string, number>();
  const ingestLatencies: number[] = [];
  const errors: string[] = [];
  const tail = new AbortController();
  const headers = { authorization: `Bearer ${spec.token}` };

  const response = await fetch(`${spec.url}/v1/streams/${spec.stream}/tail?from=latest`, { headers, signal: tail.signal });
  if (response.status !== 200 || response.body === null) throw new Error(`the tail answered ${response.status}: ${await response.text()}`);
  let markConnected: () => void = () => undefined;
  const connected = new Promise<void>((resolve) => (markConnected = resolve));
  const reading = (async () => {
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    let text = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      const now = performance.now();
      text += decoder.decode(value, { stream: true });
      let boundary: number;
      while ((boundary = text.indexOf('\n\n')) >= 0) {
        const block = text.slice(0, boundary);
        text = text.slice(boundary + 2);
        markConnected();
        for (const line of block.split('\n')) {
          if (line.startsWith('data: ')) receivedAt.set((JSON.parse(line.slice(6)) as { id: string }).id, now);
        }
      }
    }
  })().catch((error: unknown) => {
    if (!tail.signal.aborted) errors.push(`tail: ${(error as Error).message}`);
  });

  try {
    await Promise.race([connected, sleep(5000).then(() => Promise.reject(new Error('the tail did not start within 5 s')))]);
    const bodies = new BodyMaker(pool, spec.batchSize, false);
    const intervalMs = (1000 * spec.batchSize) / spec.eventsPerSecond;
    const maxInFlight = spec.maxInFlight ?? 100;
    const ticks = Math.max(1, Math.round(spec.durationMs / intervalMs));
    const inFlight = new Set<Promise<void>>();
    let sent = 0;
    let skippedTicks = 0;
    const started = performance.now();
    for (let tick = 0; tick < ticks; tick++) {
      const wait = started + tick * intervalMs - performance.now();
      if (wait > 1) await sleep(wait);
      if (inFlight.size >= maxInFlight) {
        skippedTicks++;
        continue;
      }
      sent += spec.batchSize;
      const body = bodies.next();
      const sentAt = performance.now();
      const request: Promise<void> = fetch(`${spec.url}/v1/events`, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body })
        .then(async (answer) => {
          const text = await answer.text();
          const now = performance.now();
          if (answer.status !== 200) throw new Error(`ingest answered ${answer.status}: ${text.slice(0, 300)}`);
          ingestLatencies.push(now - sentAt);
          for (const result of (JSON.parse(text) as { results: { id: string }[] }).results) answeredAt.set(result.id, now);
        })
        .catch((error: unknown) => {
          if (errors.length < 10) errors.push((error as Error).message);
        })
        .finally(() => inFlight.delete(request));
      inFlight.add(request);
    }
    const sendingMs = performance.now() - started;
    await Promise.all(inFlight);
    const drainUntil = performance.now() + spec.drainMs;
    while (performance.now() < drainUntil && [...answeredAt.keys()].some((id) => !receivedAt.has(id))) await sleep(20);

    const latencies: number[] = [];
    let missing = 0;
    for (const [id, at] of answeredAt) {
      const seen = receivedAt.get(id);
      if (seen === undefined) missing++;
      else latencies.push(seen - at);
    }
    return {
      sent,
      answered: answeredAt.size,
      received: latencies.length,
      missing,
      skippedTicks,
      achievedEventsPerSecond: (sent / sendingMs) * 1000,
      latency: distribution(latencies),
      ingest: distribution(ingestLatencies),
      errors,
    };
  } finally {
    tail.abort();
    await reading;
  }
}
