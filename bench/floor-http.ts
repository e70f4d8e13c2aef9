import { createServer, type ServerResponse } from 'node:http';

/** A body the floor read and parsed, for a server that keeps it before answering. */
export interface ParsedBody {
  text: string;
  parsed: unknown;
}

/**
 * What the floor servers share: a bare node:http server that reads each body, parses it as
 * JSON and answers 202 with the event count (400 when it is not JSON). `keep` may hold a
 * parsed body before its answer (the durable floor stores it first); it calls `answer` when
 * the body may be answered, with the answer's JSON text or, without it, the event count. Once
 * listening it prints `{"url":...,"pid":...}` and `extra` on stdout, and it stops on SIGTERM,
 * SIGINT or the end of stdin, after `beforeExit`.
 */
export function serveFloor(
  options: {
    keep?: (body: ParsedBody, answer: (json?: string) => void) => void;
    beforeExit?: () => Promise<void>;
    extra?: Record<string, unknown>;
  } = {},
): void {
  const { keep, beforeExit, extra } = options;
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        answerWith(response, 400, '{"error":"malformed_json"}');
        return;
      }
      const events = Array.isArray(parsed) ? parsed.length : 1;
      const answer = (json?: string): void => answerWith(response, 202, json ?? `{"accepted":${events}}`);
      if (keep === undefined) answer();
      else keep({ text, parsed }, answer);
    });
  });

  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1', () => {
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('the floor server has no TCP address');
    process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${address.port}`, pid: process.pid, ...extra })}\n`);
  });

  const stop = (): void => {
    server.close(() => {
      void (beforeExit?.() ?? Promise.resolve()).finally(() => process.exit(0));
    });
    server.closeAllConnections();
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  // The parent holds our stdin; when it goes away, so do we.
  process.stdin.on('end', stop);
  process.stdin.resume();
}

function answerWith(response: ServerResponse, status: number, body: string): void {
  response.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }).end(body);
}
