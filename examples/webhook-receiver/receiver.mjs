// A subscriber endpoint in plain Node: checks the Standard Webhooks signature Sluice sends
// and prints each event. Run: WEBHOOK_SECRET=whsec_... PORT=9000 node receiver.mjs
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';

const key = Buffer.from(process.env.WEBHOOK_SECRET.replace(/^whsec_/, ''), 'base64');
const seen = new Set(); // webhook-id repeats on a retry: drop what was handled already

function verified(headers, body) {
  const id = headers['webhook-id'];
  const timestamp = Number(headers['webhook-timestamp']);
  if (!id || Math.abs(Date.now() / 1000 - timestamp) > 300) return false; // replay window
  const expected = createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest();
  return (headers['webhook-signature'] ?? '').split(' ').some((part) => {
    const given = Buffer.from(part.replace(/^v1,/, ''), 'base64');
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
}

createServer((req, res) => {
  let body = '';
  req.setEncoding('utf8').on('data', (chunk) => (body += chunk));
  req.on('end', () => {
    if (!verified(req.headers, body)) return res.writeHead(401).end('bad signature');
    if (!seen.has(req.headers['webhook-id'])) {
      seen.add(req.headers['webhook-id']);
      const event = JSON.parse(body);
      console.log(JSON.stringify({ type: event.type, id: event.id, data: event.data }));
    }
    res.writeHead(204).end();
  });
}).listen(Number(process.env.PORT ?? 9000), '127.0.0.1', () => console.error(`receiver on :${process.env.PORT ?? 9000}`));
