import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TestContext } from 'node:test';

export interface ReceivedRequest {
  at: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** Decides the answer to one request; the default answers 200 at once. */
export type Responder = (request: ReceivedRequest, response: ServerResponse) => void;

export interface Receiver {
  url: string;
  requests: ReceivedRequest[];
  /** Replaces how the receiver answers from now on. */
  respond(responder: Responder): void;
  /** Resolves once `predicate` holds over the requests so far, or rejects after `timeoutMs`. */
  until(predicate: (requests: ReceivedRequest[]) => boolean, timeoutMs?: number): Promise<void>;
}

/** A real HTTP endpoint on loopback that records every request; closed after the test. */
export async function startReceiver(t: TestContext, responder: Responder = (_, res) => res.end('ok')): Promise<Receiver> {
  const requests: ReceivedRequest[] = [];
  let current = responder;
  const waiters = new Set<() => void>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const received = { at: Date.now(), headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      requests.push(received);
      current(received, res);
      for (const waiter of [...waiters]) waiter();
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => {
    server.closeAllConnections();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    requests,
    respond(next) {
      current = next;
    },
    until(predicate, timeoutMs = 10_000) {
      if (predicate(requests)) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const check = (): void => {
          if (!predicate(requests)) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve();
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`the receiver did not see what was expected within ${timeoutMs} ms (${requests.length} requests)`));
        }, timeoutMs);
        waiters.add(check);
      });
    },
  };
}
