import Fastify from 'fastify';

/** One route of the floor: what it answers, exactly as Sluice answered it. */
export interface FixedRoute {
  method: 'GET' | 'PUT' | 'POST';
  /** A Fastify route path, parameters included (`/registry/schemas/ids/:id`). */
  url: string;
  status: number;
  /** The whole header value, charset included. */
  contentType: string;
  body: string;
}

/**
 * The registry scenario's floor: a bare Fastify app (default options, no logger, no hooks,
 * no authentication) with routes that answer fixed bytes, as Sluice answers a schema lookup
 * by id or a re-registration of an unchanged schema. A request body is parsed by Fastify's
 * default JSON parser and not used. Run as its own process; prints `{"url","pid"}` on
 * stdout once it listens.
 * Usage: node bench/registry-floor-server.ts '<FixedRoute[] as JSON>'
 */
const spec = process.argv[2];
if (spec === undefined) throw new Error("usage: node bench/registry-floor-server.ts '<FixedRoute[] as JSON>'");
const routes = JSON.parse(spec) as FixedRoute[];

const app = Fastify();
for (const route of routes) {
  // Bytes made once, as the cheapest answer Fastify can give: no serialiser runs.
  const answer = Buffer.from(route.body, 'utf8');
  app.route({
    method: route.method,
    url: route.url,
    handler: (_request, reply) => reply.code(route.status).header('content-type', route.contentType).send(answer),
  });
}
const url = await app.listen({ port: 0, host: '127.0.0.1' });
process.stdout.write(`${JSON.stringify({ url, pid: process.pid })}\n`);

const stop = (): void => {
  app.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
// The parent holds our stdin; when it goes away, so do we.
process.stdin.on('end', stop);
process.stdin.resume();
