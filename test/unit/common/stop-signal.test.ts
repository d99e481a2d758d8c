import assert from 'node:assert/strict';
import { test } from 'node:test';
import { stopSignal } from '../../../common/stop-signal.ts';

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  test(`stopSignal resolves with ${signal} and leaves no listener behind`, async () => {
    const before = { term: process.listenerCount('SIGTERM'), int: process.listenerCount('SIGINT') };
    const stopped = stopSignal();
    assert.equal(process.listenerCount('SIGTERM'), before.term + 1);
    assert.equal(process.listenerCount('SIGINT'), before.int + 1);
    process.emit(signal);
    assert.equal(await stopped, signal);
    assert.deepEqual(
      { term: process.listenerCount('SIGTERM'), int: process.listenerCount('SIGINT') },
      before,
    );
  });
}
