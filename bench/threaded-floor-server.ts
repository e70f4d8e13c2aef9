import { join } from 'node:path';
import { isMainThread, MessageChannel, type MessagePort, parentPort, Worker, workerData } from 'node:worker_threads';
import { bareJsonValidator } from './bare-json-validator.ts';
import { serveFloor } from './floor-http.ts';
import { FloorStore, floorStoreThreadUrl } from './floor-store.ts';
import { keepValidated, type ValidatedBody, validateBody, validatedAnswer } from './floor-validated.ts';
import { orderSchema } from './workload.ts';

/**
 * The validating floor (bench/durable-floor-server.ts --validate) with its work spread over
 * threads, the two ways a Node server can use a second core for it, each done the plainest
 * way, with the same store thread:
 *
 * - `--shape=reuse-port`: two HTTP threads, the main one and a worker, listen on one port
 *   (SO_REUSEPORT, so the kernel shares the connections between them); each reads, parses,
 *   validates and answers its own requests and sends its records to the store thread itself.
 *   No request crosses a thread but to be stored.
 * - `--shape=prepare-thread`: one HTTP thread reads each body and hands its text to a thread
 *   that parses and validates it and writes its records; the HTTP thread sends those to the
 *   store thread and answers after the commit. The shape of Sluice's ingest thread.
 *
 * Usage: node bench/threaded-floor-server.ts <dataDir> --shape=reuse-port|prepare-thread;
 * prints `{"url":...,"file":...}` on stdout. The caller owns the directory (and removes it).
 */

type Shape = 'reuse-port' | 'prepare-thread';

type Role = { role: 'http'; port: number; store: MessagePort } | { role: 'prepare' };

/** A body for the prepare thread, and what it answers. */
interface Preparing {
  job: number;
  text: string;
}
interface Prepared {
  job: number;
  body?: ValidatedBody;
}

const threadUrl = new URL(import.meta.url);

if (isMainThread) main();
else if ((workerData as Role).role === 'http') secondHttpThread(workerData as Extract<Role, { role: 'http' }>);
else prepareThread(parentPort!);

function main(): void {
  const dataDir = process.argv[2];
  const shape = process.argv.find((arg) => arg.startsWith('--shape='))?.slice('--shape='.length) as Shape | undefined;
  if (dataDir === undefined || (shape !== 'reuse-port' && shape !== 'prepare-thread')) {
    throw new Error('usage: node bench/threaded-floor-server.ts <dataDir> --shape=reuse-port|prepare-thread');
  }
  const file = join(dataDir, 'floor.db');
  const workers: Worker[] = [];
  const start = (url: URL, name: string, data: unknown, transfer: MessagePort[] = []): Worker => {
    const worker = new Worker(url, { workerData: data, transferList: transfer, name });
    worker.on('error', (error) => {
      process.stderr.write(`threaded floor: the ${name} thread failed: ${error.stack ?? String(error)}\n`);
      process.exit(1);
    });
    workers.push(worker);
    return worker;
  };
  const storeThread = start(floorStoreThreadUrl, 'floor-store', file);
  const store = new FloorStore(storeThread);
  const beforeExit = async (): Promise<void> => {
    await Promise.all(workers.map((worker) => worker.terminate()));
  };
  if (shape === 'reuse-port') {
    const validate = bareJsonValidator(orderSchema);
    serveFloor({
      keep: (body, answer) => keepValidated(body.parsed, validate, store, answer),
      listen: { reusePort: true, announce: false },
      listening: (port) => {
        const channel = new MessageChannel();
        storeThread.postMessage({ port: channel.port1 }, [channel.port1]);
        const second = start(threadUrl, 'floor-http-2', { role: 'http', port, store: channel.port2 } satisfies Role, [channel.port2]);
        // Announced only once both threads listen, so that the load reaches both.
        second.once('message', () => process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${port}`, pid: process.pid, file })}\n`));
      },
      beforeExit,
    });
    return;
  }

  const prepare = start(threadUrl, 'floor-prepare', { role: 'prepare' } satisfies Role);
  const waiting = new Map<number, (json: string, status?: number) => void>();
  let next = 0;
  prepare.on('message', ({ job, body }: Prepared) => {
    const answer = waiting.get(job)!;
    waiting.delete(job);
    if (body === undefined) answer('{"error":"malformed_json"}', 400);
    else store.keep(body.records, body.counts, (bases) => answer(validatedAnswer(body, bases!)));
  });
  serveFloor({
    parse: false,
    keep: ({ text }, answer) => {
      const job = next++;
      waiting.set(job, answer);
      prepare.postMessage({ job, text } satisfies Preparing);
    },
    beforeExit,
    extra: { file },
  });
}

/** The second HTTP thread of `--shape=reuse-port`: the main thread's work, on the same port, with a store port of its own. */
function secondHttpThread({ port, store }: Extract<Role, { role: 'http' }>): void {
  const validate = bareJsonValidator(orderSchema);
  const floorStore = new FloorStore(store);
  serveFloor({
    keep: (body, answer) => keepValidated(body.parsed, validate, floorStore, answer),
    listen: { port, reusePort: true, announce: false },
    listening: () => parentPort!.postMessage('listening'),
  });
}

/** The prepare thread of `--shape=prepare-thread`: parses and validates each body it is sent. */
function prepareThread(port: MessagePort): void {
  const validate = bareJsonValidator(orderSchema);
  port.on('message', ({ job, text }: Preparing) => {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      port.postMessage({ job } satisfies Prepared);
      return;
    }
    port.postMessage({ job, body: validateBody(parsed, validate) } satisfies Prepared);
  });
}
