/**
 * The correlation state machine against a plain model: random events over a few keys and
 * types (duplicates, late events, gaps longer than the timeout, clock jumps) with timers
 * fired at random, sometimes late. The model keeps every event of a key in a list and decides
 * by scanning it; both must give the same outcomes, one per instance, in the same order.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KeyState, Outcome } from '../../../src/domain/correlations/machine.ts';
import { Random } from '../../helpers/random.ts';
import { nextDeadline, onEvent, onTimer } from '../../../src/domain/correlations/machine.ts';
import type { CorrelationSpec } from '../../../src/domain/correlations/spec.ts';
import { parseCorrelationDefinition } from '../../../src/domain/correlations/spec.ts';

interface ModelInstance {
  first: string;
  ids: string[];
  types: Set<string>;
  firstAt: number;
  lastAt: number;
}

/** The plain reading: one key's instances as lists. */
class Model {
  readonly #spec: CorrelationSpec;
  open: ModelInstance | undefined;
  ended: { ids: string[]; until: number } | undefined;
  constructor(spec: CorrelationSpec) {
    this.#spec = spec;
  }

  #deadline(instance: ModelInstance): number {
    return (this.#spec.timeoutFrom === 'last' ? instance.lastAt : instance.firstAt) + this.#spec.timeoutMs;
  }

  #end(kind: 'complete' | 'expired', at: number, out: string[]): void {
    out.push(`${kind}:${this.open!.first}:${[...this.open!.types].sort().join('+')}`);
    this.ended = { ids: this.open!.ids, until: at + this.#spec.timeoutMs };
    this.open = undefined;
  }

  event(type: string, id: string, ref: string, at: number, out: string[]): void {
    if (this.open !== undefined && at >= this.#deadline(this.open)) this.#end('expired', this.#deadline(this.open), out);
    if (this.ended !== undefined && at >= this.ended.until) this.ended = undefined;
    if (this.open === undefined) {
      if (this.ended?.ids.includes(id) === true) return;
      if (this.ended !== undefined && this.#spec.late === 'drop') return;
      this.open = { first: ref, ids: [], types: new Set(), firstAt: at, lastAt: at };
    } else if (this.open.ids.includes(id) || this.open.ids.length >= this.#spec.limits.maxEventsPerInstance) {
      return;
    }
    this.open.ids.push(id);
    this.open.types.add(type);
    this.open.lastAt = Math.max(this.open.lastAt, at);
    if (this.open.types.size === this.#spec.types.length) this.#end('complete', at, out);
  }

  timer(now: number, out: string[]): void {
    if (this.open !== undefined && now >= this.#deadline(this.open)) this.#end('expired', this.#deadline(this.open), out);
    else if (this.open === undefined && this.ended !== undefined && now >= this.ended.until) this.ended = undefined;
  }
}

const describe = (outcome: Outcome): string => `${outcome.kind}:${outcome.first}:${Object.keys(outcome.aggregate.events).sort().join('+')}`;

for (const variant of [
  { timeoutFrom: 'last', late: 'new-instance' },
  { timeoutFrom: 'first', late: 'new-instance' },
  { timeoutFrom: 'last', late: 'drop' },
] as const) {
  void test(`the machine agrees with the plain model (timeoutFrom ${variant.timeoutFrom}, late ${variant.late}) over 400 random runs`, () => {
    const types = ['A', 'B', 'C', 'D'];
    const spec = parseCorrelationDefinition({
      types,
      key: '/k',
      timeout: '10s',
      timeoutFrom: variant.timeoutFrom,
      late: variant.late,
      emit: { complete: 'done', expired: 'gone' },
      limits: { maxEventsPerInstance: 6 },
    });
    for (let seed = 1; seed <= 400; seed++) {
      const random = new Random(seed);
      const keys = ['k1', 'k2', 'k3'];
      const states = new Map<string, KeyState | undefined>();
      const models = new Map(keys.map((key) => [key, new Model(spec)]));
      const got = new Map<string, string[]>(keys.map((key) => [key, []]));
      const want = new Map<string, string[]>(keys.map((key) => [key, []]));
      let now = 1_000_000;
      const ids: string[] = [];
      for (let step = 0; step < 120; step++) {
        // Time moves on a little, sometimes past a timeout, now and then by a jump.
        const roll = random.next();
        now += roll < 0.7 ? random.int(2000) : roll < 0.95 ? random.int(15_000) : random.int(120_000);
        const key = random.pick(keys);
        if (random.chance(0.75)) {
          // A new event, or (one in six) an id seen before: a duplicate.
          const id = ids.length > 0 && random.chance(1 / 6) ? random.pick(ids) : `e${step}`;
          ids.push(id);
          const type = random.pick(types);
          const result = onEvent(spec, states.get(key), key, { type, id, ref: `s/0/${step}`, data: { k: key }, at: now });
          states.set(key, result.state);
          got.get(key)!.push(...result.outcomes.map(describe));
          models.get(key)!.event(type, id, `s/0/${step}`, now, want.get(key)!);
        } else {
          // A timer, fired for every key whose deadline passed (possibly late).
          const firedAt = now + (random.chance(0.3) ? random.int(5000) : 0);
          for (const k of keys) {
            const state = states.get(k);
            if (state === undefined) continue;
            const deadline = nextDeadline(state);
            if (deadline === undefined || deadline > firedAt) continue;
            const result = onTimer(spec, state, firedAt);
            states.set(k, result.state);
            got.get(k)!.push(...result.outcomes.map(describe));
            models.get(k)!.timer(firedAt, want.get(k)!);
          }
          now = firedAt;
        }
      }
      for (const key of keys) {
        assert.deepEqual(got.get(key), want.get(key), `seed ${seed}, key ${key}`);
        const firsts = got.get(key)!.map((outcome) => outcome.split(':')[1]);
        assert.equal(new Set(firsts).size, firsts.length, `seed ${seed}, key ${key}: one outcome per instance`);
      }
    }
  });
}

void test('a state round-trips through JSON as stored', () => {
  const spec = parseCorrelationDefinition({ types: ['A', 'B'], key: '/k', timeout: '5s', emit: { complete: 'done', expired: 'gone' } });
  const first = onEvent(spec, undefined, 'x', { type: 'A', id: '1', ref: 'a/0/0', data: { k: 'x', n: 1 }, at: 1000 });
  const stored = JSON.parse(JSON.stringify(first.state)) as KeyState;
  const second = onEvent(spec, stored, 'x', { type: 'B', id: '2', ref: 'b/0/0', data: { k: 'x', n: 2 }, at: 2000 });
  assert.equal(second.outcomes.length, 1);
  assert.equal(second.outcomes[0]!.kind, 'complete');
  assert.deepEqual(second.outcomes[0]!.aggregate, {
    key: 'x',
    complete: true,
    events: { A: { k: 'x', n: 1 }, B: { k: 'x', n: 2 } },
    missing: [],
    firstAt: new Date(1000).toISOString(),
    lastAt: new Date(2000).toISOString(),
    count: 2,
  });
});
