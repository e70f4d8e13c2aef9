import type { Server } from 'node:http';
import type { Socket } from 'node:net';

export interface ConnectionLimits {
  /** Open connections at once, all clients together. */
  maxConnections: number;
  /** Open connections at once from one client address. */
  maxConnectionsPerClient: number;
}

/**
 * Caps open connections in total (Node closes those beyond `maxConnections` on accept) and
 * per client address, so that one client holding many slow or idle connections cannot take
 * every socket the process has. A connection over the cap is closed at once, before a byte
 * of its request is read.
 */
export function limitConnections(server: Server, limits: ConnectionLimits): void {
  server.maxConnections = limits.maxConnections;
  const open = new Map<string, number>();
  server.on('connection', (socket: Socket) => {
    const address = socket.remoteAddress ?? 'unknown';
    const count = (open.get(address) ?? 0) + 1;
    if (count > limits.maxConnectionsPerClient) {
      socket.destroy();
      return;
    }
    open.set(address, count);
    socket.once('close', () => {
      const left = (open.get(address) ?? 1) - 1;
      if (left <= 0) open.delete(address);
      else open.set(address, left);
    });
  });
}
