import { runE2e, type E2eSpec } from './e2e.ts';
import { runLoad, type LoadResult } from './http-load.ts';
import { BodyMaker, EventPool } from './workload.ts';

/**
 * The load process: forked by bench/run.ts so that the server under test has its own
 * event loop (and core). It takes one command at a time over IPC and answers with what it
 * measured.
 */
export interface IngestLoadSpec {
  url: string;
  token?: string;
  connections: number;
  durationMs?: number;
  requests?: number;
  eventsPerRequest: number;
  withIds: boolean;
  okStatuses: number[];
  timeoutMs: number;
}

/** The same request over and over: a lookup or a re-registration, whose answer never changes. */
export interface FixedLoadSpec {
  url: string;
  method: string;
  path: string;
  headers: Record<string, string>;
  /** Sent with every request; none for a GET. */
  body?: string;
  connections: number;
  durationMs: number;
  okStatuses: number[];
  /** What every successful answer must be, byte for byte (checked on the first answer and every 500th). */
  expectBody: string;
  timeoutMs: number;
}

export type WorkerCommand =
  | { id: number; kind: 'ingest'; spec: IngestLoadSpec }
  | { id: number; kind: 'fixed'; spec: FixedLoadSpec }
  | { id: number; kind: 'e2e'; spec: E2eSpec }
  | { id: number; kind: 'info' };

export type WorkerAnswer = { id: number; ok: true; result: unknown } | { id: number; ok: false; error: string };

const pool = new EventPool(4096);

function ingest(spec: IngestLoadSpec): Promise<LoadResult> {
  const bodies = new BodyMaker(pool, spec.eventsPerRequest, spec.withIds);
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (spec.token !== undefined) headers.authorization = `Bearer ${spec.token}`;
  const load: Parameters<typeof runLoad>[0] = {
    url: spec.url,
    path: '/v1/events',
    headers,
    connections: spec.connections,
    nextBody: () => bodies.next(),
    okStatuses: spec.okStatuses,
    timeoutMs: spec.timeoutMs,
    // Both the floor and Sluice answer {"accepted": n}: every event of the request must be in it.
    inspect: (status, body) => {
      if (!spec.okStatuses.includes(status)) return;
      const accepted = (JSON.parse(body.toString('utf8')) as { accepted?: unknown }).accepted;
      if (accepted !== spec.eventsPerRequest)
        throw new Error(`expected ${spec.eventsPerRequest} accepted, got ${String(accepted)}: ${body.toString('utf8', 0, 500)}`);
    },
  };
  if (spec.durationMs !== undefined) load.durationMs = spec.durationMs;
  if (spec.requests !== undefined) load.requests = spec.requests;
  return runLoad(load);
}

function fixed(spec: FixedLoadSpec): Promise<LoadResult> {
  const body = Buffer.from(spec.body ?? '', 'utf8');
  const expected = Buffer.from(spec.expectBody, 'utf8');
  return runLoad({
    url: spec.url,
    method: spec.method,
    path: spec.path,
    headers: spec.headers,
    connections: spec.connections,
    durationMs: spec.durationMs,
    nextBody: () => body,
    okStatuses: spec.okStatuses,
    timeoutMs: spec.timeoutMs,
    inspect: (status, answer) => {
      if (spec.okStatuses.includes(status) && !answer.equals(expected))
        throw new Error(`${spec.method} ${spec.path} answered other bytes than expected: ${answer.toString('utf8', 0, 500)}`);
    },
  });
}

async function handle(command: WorkerCommand): Promise<unknown> {
  switch (command.kind) {
    case 'ingest':
      return ingest(command.spec);
    case 'fixed':
      return fixed(command.spec);
    case 'e2e':
      return runE2e(command.spec, pool);
    case 'info':
      return { averageEventBytes: pool.averageBytes, sample: `{${pool.tails[0]}` };
  }
}

process.on('message', (message: WorkerCommand) => {
  handle(message).then(
    (result) => process.send!({ id: message.id, ok: true, result } satisfies WorkerAnswer),
    (error: unknown) => process.send!({ id: message.id, ok: false, error: (error as Error).stack ?? String(error) } satisfies WorkerAnswer),
  );
});
// The parent's IPC channel closing means the benchmark is over.
process.on('disconnect', () => process.exit(0));
