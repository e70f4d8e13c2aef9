import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * The subscriber endpoint of the delivery scenario, in a process of its own: answers 204 at
 * once and counts what it received. A body's records are counted by their `"specversion"`
 * (one per structured CloudEvent, so a batch counts each of its events). Events whose data
 * carries `"bench_id":"…"` have their arrival time kept, for latency. Prints `{"url","pid"}`
 * once it listens. Usage: node bench/receiver-process.ts
 *   GET /stats     → {requests, records}
 *   GET /arrivals  → {<id>: arrival time, epoch ms with fractions}
 *   POST /reset    → forgets everything
 */
let requests = 0;
let records = 0;
let arrivals = new Map<string, number>();
const marker = Buffer.from('"specversion"');
const idMarker = '"id":"lat-';

const server = createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/stats') {
    res.setHeader('content-type', 'application/json').end(JSON.stringify({ requests, records }));
    return;
  }
  if (req.method === 'GET' && req.url === '/arrivals') {
    res.setHeader('content-type', 'application/json').end(JSON.stringify(Object.fromEntries(arrivals)));
    return;
  }
  if (req.method === 'POST' && req.url === '/reset') {
    requests = 0;
    records = 0;
    arrivals = new Map();
    req.resume();
    res.end();
    return;
  }
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    const at = performance.timeOrigin + performance.now();
    const body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
    requests++;
    let count = 0;
    for (let at = body.indexOf(marker); at >= 0; at = body.indexOf(marker, at + marker.length)) count++;
    records += count;
    const text = body.length < 4096 ? body.toString('utf8') : '';
    const start = text.indexOf(idMarker);
    if (start >= 0) arrivals.set(text.slice(start + idMarker.length - 4, text.indexOf('"', start + idMarker.length)), at);
    res.statusCode = 204;
    res.end();
  });
});
server.keepAliveTimeout = 120_000;
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${port}`, pid: process.pid })}\n`);
});
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
process.once('SIGTERM', () => process.exit(0));
