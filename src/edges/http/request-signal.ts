import type { FastifyReply, FastifyRequest } from 'fastify';
import { SluiceError } from '../../domain/errors.ts';
import type { SessionService } from '../../services/sessions.ts';
import type { TenantService } from '../../services/tenants.ts';

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

/** A long-poll's or stream's signals: `signal` ends the wait for any reason, `revoked` says the credentials ended it. */
export interface WaitSignals {
  signal: AbortSignal;
  revoked: AbortSignal;
}

/**
 * Like `requestSignal`, and also aborts when the key the request authenticated with is
 * revoked or changed (`TenantService.credentialSignal`), so nothing more is sent on it.
 */
export function waitSignals(
  request: FastifyRequest,
  reply: FastifyReply,
  shutdown: AbortSignal,
  tenants: TenantService,
  sessions: SessionService,
): WaitSignals {
  const ended = requestSignal(reply, shutdown);
  const keyRevoked = tenants.credentialSignal(request.principal, ended);
  // A console session signed out (in another tab, or another process) ends what it opened too.
  const revoked = request.session === undefined ? keyRevoked : AbortSignal.any([keyRevoked, sessions.endedSignal(request.session, ended)]);
  return { signal: AbortSignal.any([ended, revoked]), revoked };
}

/** After a wait: what was read while the key was revoked is not answered. */
export function refuseIfRevoked(revoked: AbortSignal): void {
  if (revoked.aborted)
    throw new SluiceError('unauthorized', 'the key this request used was revoked or changed while it waited; create a new key with `sluice key create`');
}
