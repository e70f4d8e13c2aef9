import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Services } from '../../../services/index.ts';
import type { Principal } from '../../../services/tenants.ts';
import { noContent } from '../api-schemas.ts';
import { cookieValue, sessionCookie } from '../auth.ts';

const sessionView = {
  type: 'object',
  required: ['principal'],
  properties: {
    principal: {
      type: 'object',
      required: ['kind'],
      properties: {
        kind: { enum: ['admin', 'key'] },
        tenant: { type: 'string' },
        keyId: { type: 'string' },
        scopes: { type: 'array', items: { type: 'string' } },
      },
    },
    csrf: { type: 'string', description: 'send it in x-csrf-token with every request that changes something' },
    expiresAt: { type: 'string' },
  },
} as const;

/**
 * `/v1/session`: the console signs in with a key or the admin token and gets an HttpOnly,
 * SameSite=Strict cookie, so the browser (its EventSource included) is authenticated without
 * the secret in script reach or in a URL.
 */
export function sessionRoutes(app: FastifyInstance, services: Services, ttlMs: number): void {
  app.post<{ Body: { token: string } }>(
    '/v1/session',
    {
      config: { access: 'public' },
      schema: {
        tags: ['console'],
        summary: 'Sign in: exchange a key or the admin token for a session cookie (HttpOnly, SameSite=Strict)',
        body: { type: 'object', required: ['token'], additionalProperties: false, properties: { token: { type: 'string', minLength: 1, maxLength: 512 } } },
        response: { 201: sessionView },
      },
    },
    async (request, reply) => {
      const opened = await services.sessions.open(request.body.token);
      setCookie(request, reply, opened.id, Math.floor(ttlMs / 1000));
      return reply.code(201).send({ principal: view(opened.principal), csrf: opened.csrf, expiresAt: opened.expiresAt });
    },
  );

  app.get(
    '/v1/session',
    {
      config: { access: 'signed-in' },
      schema: { tags: ['console'], summary: 'Who is signed in, and the CSRF token of the session', response: { 200: sessionView } },
    },
    (request) => {
      const body: { principal: ReturnType<typeof view>; csrf?: string; expiresAt?: string } = { principal: view(request.principal!) };
      if (request.session !== undefined) {
        body.csrf = request.session.csrf;
        body.expiresAt = request.session.expiresAt;
      }
      return body;
    },
  );

  app.delete(
    '/v1/session',
    { config: { access: 'signed-in' }, schema: { tags: ['console'], summary: 'Sign out: the session ends at once', response: { 204: noContent } } },
    async (request, reply) => {
      const id = cookieValue(request.headers.cookie, sessionCookie);
      if (id !== undefined) await services.sessions.close(id);
      setCookie(request, reply, '', 0);
      return reply.code(204).send();
    },
  );
}

function setCookie(request: FastifyRequest, reply: FastifyReply, value: string, maxAgeSeconds: number): void {
  const secure = request.protocol === 'https' ? '; Secure' : '';
  void reply.header('set-cookie', `${sessionCookie}=${value}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAgeSeconds}${secure}`);
}

function view(principal: Principal): { kind: 'admin' } | { kind: 'key'; tenant: string; keyId: string; scopes: string[] } {
  return principal.kind === 'admin' ? { kind: 'admin' } : { kind: 'key', tenant: principal.tenant, keyId: principal.keyId, scopes: [...principal.scopes] };
}
