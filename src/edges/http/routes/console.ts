import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

const folder = new URL('../../console/', import.meta.url);

/** What the console's page may load and talk to: Sluice itself, nothing else. */
const contentSecurityPolicy = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'self'",
].join('; ');

interface Asset {
  type: string;
  plain: Buffer;
  gzipped: Buffer;
}

function asset(file: string, type: string): Asset {
  const plain = readFileSync(new URL(file, folder));
  return { type, plain, gzipped: gzipSync(plain, { level: 9 }) };
}

/**
 * The web console at `/console`: three files read once at start (plain JavaScript, so no
 * build), answered gzipped to browsers that take it, under a policy that lets the page reach
 * nothing but this server. Off with `console.enabled: false` (SLUICE_CONSOLE=false).
 */
export function consoleRoutes(app: FastifyInstance): void {
  const assets: Record<string, Asset> = {
    '/console': asset('index.html', 'text/html; charset=utf-8'),
    '/console/app.js': asset('app.js', 'text/javascript; charset=utf-8'),
    '/console/console.css': asset('console.css', 'text/css; charset=utf-8'),
  };
  for (const [url, file] of Object.entries(assets)) {
    app.get(url, { config: { access: 'public' }, schema: { hide: true } }, (request, reply) => send(request, reply, file));
  }
}

function send(request: FastifyRequest, reply: FastifyReply, file: Asset): FastifyReply {
  const gzip = /\bgzip\b/.test(String(request.headers['accept-encoding'] ?? ''));
  return reply
    .type(file.type)
    .header('content-security-policy', contentSecurityPolicy)
    .header('x-content-type-options', 'nosniff')
    .header('referrer-policy', 'no-referrer')
    .header('cache-control', 'no-cache')
    .header('vary', 'accept-encoding')
    .header('content-encoding', gzip ? 'gzip' : 'identity')
    .send(gzip ? file.gzipped : file.plain);
}
