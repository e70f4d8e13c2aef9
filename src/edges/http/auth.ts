import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Scope } from '../../domain/catalog-docs.ts';
import { SluiceError } from '../../domain/errors.ts';
import type { Principal, TenantService } from '../../services/tenants.ts';

/** Who may call a route: nobody in particular, the admin, or a tenant key with a scope. */
export type Access = 'public' | 'admin' | Scope;

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: Access;
  }
  interface FastifyRequest {
    principal: Principal | undefined;
  }
}

/** Reads `Authorization: Bearer <token>` or `Basic base64(keyId:secret)`. */
export function principalFrom(request: FastifyRequest, tenants: TenantService): Principal | undefined {
  const header = request.headers.authorization;
  if (header === undefined) return undefined;
  const space = header.indexOf(' ');
  const scheme = header.slice(0, space).toLowerCase();
  const credentials = header.slice(space + 1).trim();
  if (scheme === 'bearer') return tenants.authenticate(credentials);
  if (scheme === 'basic') {
    const decoded = Buffer.from(credentials, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon <= 0) return undefined;
    const user = decoded.slice(0, colon);
    const secret = decoded.slice(colon + 1);
    return user === 'admin' ? tenants.authenticate(secret) : tenants.authenticateKey(user, secret);
  }
  return undefined;
}

export function authorize(access: Access, principal: Principal | undefined, authorization?: string): void {
  if (access === 'public') return;
  if (principal === undefined) throw new SluiceError('unauthorized', whyUnauthenticated(authorization));
  if (access === 'admin') {
    if (principal.kind !== 'admin') throw new SluiceError('forbidden', 'this route needs the admin token');
    return;
  }
  if (principal.kind !== 'key') throw new SluiceError('forbidden', `this route needs a tenant key with scope "${access}"; the admin token manages tenants and keys only`);
  if (!principal.scopes.includes(access)) throw new SluiceError('forbidden', `this key lacks the "${access}" scope`);
}

/** What was wrong with the credentials, without saying whether a key ever existed. */
function whyUnauthenticated(authorization: string | undefined): string {
  if (authorization === undefined || authorization.trim() === '') return 'this route needs an API key or the admin token, and the request has no Authorization header (send `Authorization: Bearer <key>`; the CLI reads SLUICE_KEY)';
  const scheme = authorization.trim().split(/\s+/)[0]!.toLowerCase();
  if (scheme !== 'bearer' && scheme !== 'basic') return `the Authorization header uses the "${scheme}" scheme; send \`Bearer <key>\` or \`Basic base64(keyId:secret)\``;
  return 'the key or token is not valid: it is mistyped, revoked, or from another Sluice (create one with `sluice key create`)';
}

/** The tenant the calling key belongs to; only for routes whose access is a scope. */
export function tenantOf(request: FastifyRequest): string {
  const principal = request.principal;
  if (principal?.kind !== 'key') throw new SluiceError('unauthorized', 'this route needs a tenant key');
  return principal.tenant;
}

/** The admin, or a key of `tenant` with the `manage` scope. */
export function requireAdminOrManager(request: FastifyRequest, tenant: string): void {
  const principal = request.principal;
  if (principal === undefined) throw new SluiceError('unauthorized', 'this route needs the admin token or a key with the "manage" scope');
  if (principal.kind === 'admin') return;
  // A key of another tenant learns nothing: the tenant is "not found" for it.
  if (principal.tenant !== tenant) throw new SluiceError('not_found', `no tenant "${tenant}"`);
  if (!principal.scopes.includes('manage')) throw new SluiceError('forbidden', 'this key lacks the "manage" scope');
}

export function makeAuthHook(tenants: TenantService) {
  return (request: FastifyRequest, _reply: FastifyReply, done: (error?: Error) => void): void => {
    try {
      const principal = principalFrom(request, tenants);
      request.principal = principal;
      authorize(request.routeOptions.config.access ?? 'public', principal, request.headers.authorization);
      done();
    } catch (error) {
      done(error as Error);
    }
  };
}
