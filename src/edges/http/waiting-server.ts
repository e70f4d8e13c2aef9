import { createServer } from 'node:http';
import { errorCatalogue } from '../../domain/errors.ts';

/**
 * A stand-in that holds Sluice's address while the store is not reachable yet (Kafka still
 * starting): liveness answers 200, readiness 503, every other request 503 `store_unavailable`
 * with Retry-After, so orchestrators and clients see a starting server, not a refused port.
 * The real server takes the port once the store is open.
 */
export async function listenWhileWaiting(host: string, port: number, waitingFor: string): Promise<{ close(): Promise<void> }> {
  const server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    const send = (status: number, body: unknown): void => {
      response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'retry-after': '2', connection: 'close' });
      response.end(JSON.stringify(body));
    };
    if (path === '/healthz') send(200, { status: 'ok' });
    else if (path === '/readyz') send(503, { status: `waiting for ${waitingFor}` });
    else
      send(503, {
        error: { code: 'store_unavailable', message: `Sluice is starting: it is waiting for ${waitingFor}`, fix: errorCatalogue.store_unavailable.fix },
      });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return {
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
