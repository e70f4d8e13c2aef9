import assert from 'node:assert/strict';
import { test } from 'node:test';
import { withPortErrors } from '../../../src/adapters/kafka/port-errors.ts';
import { CatalogConflict } from '../../../src/ports/catalog.ts';
import { StoreUnavailable } from '../../../src/ports/errors.ts';

class FakePort {
  readonly #calls: string[] = [];
  failWith: Error | undefined;

  async append(value: string): Promise<string[]> {
    await Promise.resolve();
    if (this.failWith !== undefined) throw this.failWith;
    this.#calls.push(value);
    return [...this.#calls];
  }

  count(): number {
    if (this.failWith !== undefined) throw this.failWith;
    return this.#calls.length;
  }
}

const networkError = (): Error => Object.assign(new Error('connect ECONNREFUSED'), { code: 'PLT_KFK_NETWORK' });

void test('a Kafka client error saying the cluster is unreachable leaves the port as StoreUnavailable, cause kept', async () => {
  const port = withPortErrors(new FakePort());
  assert.deepEqual(await port.append('a'), ['a'], 'methods still reach private fields');
  const inner = networkError();
  port.failWith = Object.assign(new Error('multiple errors'), { errors: [new Error('x'), inner] });
  const rejected = await port.append('b').catch((error: unknown) => error);
  assert.ok(rejected instanceof StoreUnavailable);
  assert.equal((rejected.cause as { errors: unknown[] }).errors[1], inner);
  port.failWith = Object.assign(new Error('x'), { cause: Object.assign(new Error('timed out'), { code: 'PLT_KFK_TIMEOUT' }) });
  assert.throws(() => port.count(), StoreUnavailable);
});

void test('other errors pass through unchanged', async () => {
  const port = withPortErrors(new FakePort());
  const conflict = new CatalogConflict('tenant', 'acme');
  port.failWith = conflict;
  assert.equal(await port.append('a').catch((error: unknown) => error), conflict);
});
