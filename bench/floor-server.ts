import { createServer } from 'node:http';

/**
 * The floor: the least any HTTP ingest endpoint in Node must do. A bare node:http server
 * that reads the body, parses it as JSON and answers 202 with the event count; no
 * validation, no storage. Run as its own process; prints `{"url":...}` on stdout.
 */
const server = createServer((request, response) => {
  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('end', () => {
    let accepted: number;
    try {
      const parsed: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      accepted = Array.isArray(parsed) ? parsed.length : 1;
    } catch {
      const error = '{"error":"malformed_json"}';
      response.writeHead(400, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(error) }).end(error);
      return;
    }
    const body = `{"accepted":${accepted}}`;
    response.writeHead(202, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }).end(body);
  });
});

server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('the floor server has no TCP address');
  process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${address.port}`, pid: process.pid })}\n`);
});

const stop = (): void => {
  server.close(() => process.exit(0));
  server.closeAllConnections();
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
// The parent holds our stdin; when it goes away, so do we.
process.stdin.on('end', stop);
process.stdin.resume();
