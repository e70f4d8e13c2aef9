import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { pino, type Logger } from 'pino';
import { LazyChildLogger } from '../../../src/edges/http/request-logger.ts';

function capture(): { logger: Logger; lines: () => Record<string, unknown>[] } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk.toString('utf8'));
      done();
    },
  });
  const logger = pino({ level: 'info' }, stream);
  return {
    logger,
    lines: () =>
      chunks
        .join('')
        .trim()
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}

void test('a request logger makes its child only when something is logged, and logs with the request id as a child would', () => {
  const { logger: real, lines } = capture();
  let children = 0;
  // The parent as Fastify holds it, counting the children made of it.
  const logger = Object.create(real) as typeof real;
  logger.child = ((...args: Parameters<typeof real.child>) => {
    children++;
    return real.child(...args);
  }) as typeof real.child;
  const quiet = new LazyChildLogger(logger, { reqId: 'req-1' }, {});
  assert.equal(quiet.level, 'info');
  quiet.debug('below the level');
  assert.equal(children, 1, 'a log call makes the child: the level is the child’s to decide');
  const idle = new LazyChildLogger(logger, { reqId: 'req-2' }, {});
  assert.equal(idle.level, 'info', 'reading the level makes no child');
  assert.equal(children, 1);

  const loud = new LazyChildLogger(logger, { reqId: 'req-3' }, {});
  loud.error({ err: new Error('boom') }, 'request failed');
  loud.info('plain message %s', 'formatted');
  loud.child({ part: 'inner' }).warn('nested');
  assert.equal(children, 2, 'one child for all of a request’s logs');
  const logged = lines();
  assert.equal(logged.length, 3);
  assert.equal(logged[0]!.reqId, 'req-3');
  assert.equal(logged[0]!.msg, 'request failed');
  assert.equal((logged[0]!.err as { message: string }).message, 'boom');
  assert.equal(logged[1]!.msg, 'plain message formatted');
  assert.equal(logged[2]!.reqId, 'req-3');
  assert.equal(logged[2]!.part, 'inner');
});

void test("a request logger's level can be set, and a route's level is its own", () => {
  const { logger, lines } = capture();
  const routeLevel = new LazyChildLogger(logger, { reqId: 'req-1' }, { level: 'error' });
  assert.equal(routeLevel.level, 'error');
  routeLevel.info('dropped');
  const raised = new LazyChildLogger(logger, { reqId: 'req-2' }, {});
  raised.level = 'warn';
  raised.info('dropped too');
  raised.warn('kept');
  assert.deepEqual(
    lines().map((line) => line.msg),
    ['kept'],
  );
  assert.equal(logger.level, 'info', 'the parent keeps its level');
});
