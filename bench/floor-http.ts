import { createServer, type ServerResponse } from 'node:http';
import { isMainThread } from 'node:worker_threads';

/** A body the floor read and, unless told not to, parsed, for a server that keeps it before answering. */
export interface ParsedBody {
  text: string;
  parsed: unknown;
}

/** Where and how a floor server listens. */
export interface FloorListen {
  /** 0 (the default) for a free port. */
  port?: number;
  /** SO_REUSEPORT: several threads listen on one port and the kernel shares the connections among them. */
  reusePort?: boolean;
  /** Print `{"url":...,"pid":...}` and `extra` once listening (the default); a second thread on the port does not. */
  announce?: boolean;
}

/**
 * What the floor servers share: a bare node:http server that reads each body, parses it as
 * JSON and answers 202 with the event count (400 when it is not JSON). `keep` may hold a
 * body before its answer (the durable floor stores it first); it calls `answer` when the body
 * may be answered, with the answer's JSON text (and its status, 202 unless given) or, without
 * it, the event count. With `parse: false` `keep` gets the body as text only (`parsed`
 * undefined), for a server that parses it on another thread, and must answer with a text.
 * Once listening it prints `{"url":...,"pid":...}` and `extra` on stdout (unless told not to)
 * and calls `listening` with the port; on the main thread it stops on SIGTERM, SIGINT or the
 * end of stdin, after `beforeExit`.
 */
export function serveFloor(
  options: {
    keep?: (body: ParsedBody, answer: (json?: string, status?: number) => void) => void;
    parse?: boolean;
    listen?: FloorListen;
    listening?: (port: number) => void;
    beforeExit?: () => Promise<void>;
    extra?: Record<string, unknown>;
  } = {},
): void {
  const { keep, beforeExit, extra, listening } = options;
  const parse = options.parse ?? true;
  const { port = 0, reusePort = false, announce = true } = options.listen ?? {};
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      if (!parse) {
        keep!({ text, parsed: undefined }, (json, status = 202) => answerWith(response, status, json ?? '{}'));
        return;
      }
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        answerWith(response, 400, '{"error":"malformed_json"}');
        return;
      }
      const events = Array.isArray(parsed) ? parsed.length : 1;
      const answer = (json?: string, status = 202): void => answerWith(response, status, json ?? `{"accepted":${events}}`);
      if (keep === undefined) answer();
      else keep({ text, parsed }, answer);
    });
  });

  server.keepAliveTimeout = 60_000;
  server.listen({ port, host: '127.0.0.1', reusePort }, () => {
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('the floor server has no TCP address');
    if (announce) process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${address.port}`, pid: process.pid, ...extra })}\n`);
    listening?.(address.port);
  });

  const stop = (): void => {
    server.close(() => {
      void (beforeExit?.() ?? Promise.resolve()).finally(() => process.exit(0));
    });
    server.closeAllConnections();
  };
  // A second thread listening on the port stops with the process.
  if (!isMainThread) return;
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  // The parent holds our stdin; when it goes away, so do we.
  process.stdin.on('end', stop);
  process.stdin.resume();
}

function answerWith(response: ServerResponse, status: number, body: string): void {
  response.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }).end(body);
}
