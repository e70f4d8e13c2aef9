import assert from 'node:assert/strict';
import { test } from 'node:test';
import { turnOffPretenuring } from '../src/heap-tuning.ts';

function flagsSet(execArgv: string[]): string[] {
  const set: string[] = [];
  turnOffPretenuring(execArgv, (flags) => set.push(flags));
  return set;
}

void test('allocation-site pretenuring is turned off unless the node command line chose it either way', () => {
  assert.deepEqual(flagsSet([]), ['--no-allocation-site-pretenuring']);
  assert.deepEqual(flagsSet(['--max-semi-space-size=16', '--enable-source-maps']), ['--no-allocation-site-pretenuring']);
  assert.deepEqual(flagsSet(['--allocation-site-pretenuring']), []);
  assert.deepEqual(flagsSet(['--no-allocation_site_pretenuring']), []);
  assert.deepEqual(flagsSet(['--allocation_site-pretenuring']), []);
});
