import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Scope } from '../../domain/catalog-docs.ts';
import { SluiceError } from '../../domain/errors.ts';
import type { ResolvedSession, SessionService } from '../../services/sessions.ts';
import type { Principal, TenantService } from '../../services/tenants.ts';

/** The console's session cookie (HttpOnly, SameSite=Strict), set by `POST /v1/session`. */
export const sessionCookie = 'sluice_session';

/** Methods that change nothing: a session needs no CSRF token for them. */
const safeMethods = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Who may call a route: nobody in particular, the admin, a tenant key with a scope, or
 * (`admin-or-manager`) the admin or a `manage` key of the tenant the route's `:id` names, or
 * (`signed-in`) anyone with a valid key or token.
 */
export type Access = 'public' | 'admin' | 'admin-or-manager' | 'signed-in' | Scope;

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Required on every route: `checkRouteAccess` refuses to register a route without it. */
    access?: Access;
  }
  interface FastifyRequest {
    principal: Principal | undefined;
    /** Set when the caller was recognised by the console's session cookie. */
    session: ResolvedSession | undefined;
  }
}

/** Reads `Authorization: Bearer <token>` or `Basic base64(keyId:secret)`. */
export function principalFrom(header: string | undefined, tenants: Pick<TenantService, 'authenticate' | 'authenticateKey'>): Principal | undefined {
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

export function authorize(access: Access, principal: Principal | undefined, authorization?: string, tenant?: string): void {
  if (access === 'public') return;
  if (principal === undefined) throw new SluiceError('unauthorized', whyUnauthenticated(authorization));
  if (access === 'signed-in') return;
  if (access === 'admin') {
    if (principal.kind !== 'admin') throw new SluiceError('forbidden', 'this route needs the admin token');
    return;
  }
  if (access === 'admin-or-manager') {
    if (principal.kind === 'admin') return;
    // A key of another tenant learns nothing: the tenant is "not found" for it.
    if (tenant === undefined || principal.tenant !== tenant) throw new SluiceError('not_found', `no tenant "${tenant ?? ''}"`);
    if (!principal.scopes.includes('manage')) throw new SluiceError('forbidden', 'this key lacks the "manage" scope');
    return;
  }
  if (principal.kind !== 'key')
    throw new SluiceError('forbidden', `this route needs a tenant key with scope "${access}"; the admin token manages tenants and keys only`);
  if (!principal.scopes.includes(access)) throw new SluiceError('forbidden', `this key lacks the "${access}" scope`);
}

/** What was wrong with the credentials, without saying whether a key ever existed. */
function whyUnauthenticated(authorization: string | undefined): string {
  if (authorization === undefined || authorization.trim() === '')
    return 'this route needs an API key or the admin token, and the request has no Authorization header (send `Authorization: Bearer <key>`; the CLI reads SLUICE_KEY)';
  const scheme = authorization.trim().split(/\s+/)[0]!.toLowerCase();
  if (scheme !== 'bearer' && scheme !== 'basic')
    return `the Authorization header uses the "${scheme}" scheme; send \`Bearer <key>\` or \`Basic base64(keyId:secret)\``;
  return 'the key or token is not valid: it is mistyped, revoked, or from another Sluice (create one with `sluice key create`)';
}

/** The tenant the calling key belongs to; only for routes whose access is a scope. */
export function tenantOf(request: FastifyRequest): string {
  const principal = request.principal;
  if (principal?.kind !== 'key') throw new SluiceError('unauthorized', 'this route needs a tenant key');
  return principal.tenant;
}

/** Route options' part that `checkRouteAccess` reads. */
interface RouteAccess {
  method: string | string[];
  url: string;
  config?: { access?: Access };
}

/**
 * An `onRoute` hook: a route that does not say who may call it stops the server from starting,
 * so no route is ever public by omission. Swagger UI's own pages (under `docsPrefix`) are public.
 */
export function checkRouteAccess(docsPrefix: string) {
  return (route: RouteAccess): void => {
    if (route.config?.access !== undefined) return;
    if (route.url === docsPrefix || route.url.startsWith(`${docsPrefix}/`)) {
      route.config = { ...route.config, access: 'public' };
      return;
    }
    throw new Error(`route ${String(route.method)} ${route.url} does not say who may call it: set config.access`);
  };
}

/** A cookie's value from a Cookie header, or undefined. */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  if (header === undefined) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

export function makeAuthHook(tenants: TenantService, sessions: SessionService) {
  return (request: FastifyRequest, _reply: FastifyReply, done: (error?: Error) => void): void => {
    try {
      request.session = undefined;
      let principal = principalFrom(request.headers.authorization, tenants);
      // Without an Authorization header, the console's session cookie stands for the key it was opened with.
      const cookie = request.headers.authorization === undefined ? cookieValue(request.headers.cookie, sessionCookie) : undefined;
      if (cookie !== undefined) {
        request.session = sessions.resolve(cookie);
        principal = request.session?.principal;
      }
      request.principal = principal;
      // Every route has its access (checkRouteAccess); only the not-found answer has none.
      const access = request.routeOptions.config.access ?? (request.is404 ? 'public' : 'admin');
      if (cookie !== undefined && principal === undefined && access !== 'public') {
        throw new SluiceError('unauthorized', 'the console session ended (signed out, expired, or its key was revoked): sign in again');
      }
      // A request made with the cookie changes something only with the session's CSRF token.
      const csrf = request.headers['x-csrf-token'];
      if (
        request.session !== undefined &&
        access !== 'public' &&
        !safeMethods.has(request.method) &&
        !sessions.csrfMatches(request.session, typeof csrf === 'string' ? csrf : undefined)
      ) {
        throw new SluiceError('csrf_failed', 'a request made with the console session must send its CSRF token in x-csrf-token');
      }
      const tenant = (request.params as { id?: unknown } | undefined)?.id;
      authorize(access, principal, request.headers.authorization, typeof tenant === 'string' ? tenant : undefined);
      done();
    } catch (error) {
      done(error as Error);
    }
  };
}
