import assert from 'node:assert/strict';
import { checkCompatibility } from '../../../src/domain/compatibility/index.ts';
import type { CompatibilityOptions, SchemaFormat } from '../../../src/domain/compatibility/index.ts';

/**
 * One evolution step, old -> new, with the verdicts Confluent gives: `backward` (the new schema
 * reads old data) and `forward` (the old schema reads new data). FULL is both, NONE always
 * passes. `kinds` are the incompatible kinds expected under BACKWARD (`forwardKinds` under
 * FORWARD), compared as sets; `paths` the paths expected under BACKWARD.
 */
export interface Row {
  name: string;
  old: unknown;
  new: unknown;
  backward: boolean;
  forward?: boolean;
  kinds?: string[];
  forwardKinds?: string[];
  paths?: string[];
  options?: CompatibilityOptions;
}

export function assertRow(format: SchemaFormat, row: Row): void {
  const options = row.options ?? {};
  const backward = checkCompatibility(format, 'BACKWARD', row.new, [row.old], options);
  const why = (result: typeof backward): string => JSON.stringify(result.messages.map(({ path, kind }) => `${kind} ${path}`));
  assert.equal(backward.compatible, row.backward, `BACKWARD: ${why(backward)}`);
  assert.equal(backward.messages.length === 0, row.backward, 'a verdict and its messages agree');
  if (row.kinds !== undefined) assert.deepEqual(unique(backward.messages.map((m) => m.kind)), unique(row.kinds), `BACKWARD kinds: ${why(backward)}`);
  if (row.paths !== undefined) assert.deepEqual(unique(backward.messages.map((m) => m.path)), unique(row.paths), `BACKWARD paths: ${why(backward)}`);
  for (const message of backward.messages) {
    assert.equal(message.direction, 'BACKWARD');
    assert.equal(message.previous, 0);
    assert.ok(message.message.length > 40, `a message explains itself: ${message.message}`);
  }
  if (row.forward !== undefined) {
    const forward = checkCompatibility(format, 'FORWARD', row.new, [row.old], options);
    assert.equal(forward.compatible, row.forward, `FORWARD: ${why(forward)}`);
    if (row.forwardKinds !== undefined)
      assert.deepEqual(unique(forward.messages.map((m) => m.kind)), unique(row.forwardKinds), `FORWARD kinds: ${why(forward)}`);
    assert.ok(forward.messages.every((m) => m.direction === 'FORWARD'));
    const full = checkCompatibility(format, 'FULL', row.new, [row.old], options);
    assert.equal(full.compatible, row.backward && row.forward, `FULL: ${why(full)}`);
  }
  assert.equal(checkCompatibility(format, 'NONE', row.new, [row.old], options).compatible, true, 'NONE accepts anything');
}

function unique(values: string[]): string[] {
  return [...new Set(values)].sort();
}
