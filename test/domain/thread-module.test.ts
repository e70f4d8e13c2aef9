import assert from 'node:assert/strict';
import { test } from 'node:test';
import { threadModule } from '../../src/domain/thread-module.ts';

void test('a thread file takes the extension of the module that starts it, beside it', () => {
  assert.equal(
    threadModule('file:///app/src/adapters/sqlite/checkpointer.ts', './thread/checkpoint-thread').href,
    'file:///app/src/adapters/sqlite/thread/checkpoint-thread.ts',
  );
  assert.equal(
    threadModule('file:///app/dist/adapters/sqlite/checkpointer.js', './thread/checkpoint-thread').href,
    'file:///app/dist/adapters/sqlite/thread/checkpoint-thread.js',
  );
});
