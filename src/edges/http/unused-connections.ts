import type { Server } from 'node:http';
import type { Socket } from 'node:net';

/** How often, while the server closes, connections that have become idle are closed. */
const sweepMs = 100;

/**
 * Lets shutdown finish as soon as the requests in flight are answered. Node's `server.close()`
 * (which Fastify's `forceCloseConnections: 'idle'` follows with one `closeIdleConnections()`)
 * waits for every open connection, and closes none that turns idle later: a connection that
 * never sent a request (browsers and load balancers open them ahead of need) and a keep-alive
 * connection whose request was answered during shutdown each held it until their timeouts,
 * 60 s and more. Answers the function to call as the server starts closing: it closes the
 * connections without a request at once, then idle ones every 100 ms until the server has
 * closed; a connection accepted after that is closed at once.
 */
export function closeUnusedConnectionsOnShutdown(server: Server): () => void {
  const unused = new Set<Socket>();
  let closing = false;
  server.on('connection', (socket: Socket) => {
    if (closing) {
      socket.destroy();
      return;
    }
    unused.add(socket);
    socket.once('close', () => unused.delete(socket));
  });
  server.on('request', (request: { socket: Socket }) => unused.delete(request.socket));
  return () => {
    if (closing) return;
    closing = true;
    for (const socket of unused) socket.destroy();
    unused.clear();
    const sweep = setInterval(() => server.closeIdleConnections(), sweepMs);
    sweep.unref();
    server.once('close', () => clearInterval(sweep));
  };
}
