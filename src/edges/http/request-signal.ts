import type { FastifyReply } from 'fastify';

/**
 * Aborts when the client goes away or the server shuts down, whichever comes first.
 * It listens on the response: a request's own 'close' fires as soon as its body has been
 * read (so a POST long-poll would never wait), and listeners on a keep-alive socket would
 * pile up with every request.
 */
export function requestSignal(reply: FastifyReply, shutdown: AbortSignal): AbortSignal {
  const controller = new AbortController();
  const abort = (): void => controller.abort();
  reply.raw.once('close', abort);
  if (shutdown.aborted) controller.abort();
  else shutdown.addEventListener('abort', abort, { once: true });
  controller.signal.addEventListener(
    'abort',
    () => {
      shutdown.removeEventListener('abort', abort);
      reply.raw.removeListener('close', abort);
    },
    { once: true },
  );
  return controller.signal;
}
