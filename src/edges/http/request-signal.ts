import type { FastifyRequest } from 'fastify';

/** Aborts when the client goes away or the server shuts down, whichever comes first. */
export function requestSignal(request: FastifyRequest, shutdown: AbortSignal): AbortSignal {
  const controller = new AbortController();
  const abort = (): void => controller.abort();
  request.raw.once('close', abort);
  request.raw.socket?.once('close', abort);
  if (shutdown.aborted) controller.abort();
  else shutdown.addEventListener('abort', abort, { once: true });
  controller.signal.addEventListener('abort', () => shutdown.removeEventListener('abort', abort), { once: true });
  return controller.signal;
}
