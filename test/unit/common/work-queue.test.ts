import assert from 'node:assert/strict';
import { test } from 'node:test';
import { WorkQueue } from '../../../common/work-queue.ts';

const backoff = { initialMs: 1, maxMs: 5, jitter: 0 };

test('a key added many times while waiting runs once', async () => {
  const runs: string[] = [];
  const queue = new WorkQueue({ backoff, handler: async (k) => void runs.push(k) });
  for (let i = 0; i < 5; i++) queue.add('a');
  queue.add('b');
  queue.start();
  await queue.idle();
  assert.deepEqual(runs, ['a', 'b']);
});

test('a key added while running runs again afterwards, never twice at once', async () => {
  let running = 0;
  let maxRunning = 0;
  let runs = 0;
  const queue = new WorkQueue({
    backoff,
    concurrency: 4,
    handler: async () => {
      running++;
      maxRunning = Math.max(maxRunning, running);
      runs++;
      if (runs === 1) queue.add('a');
      await new Promise((r) => setTimeout(r, 5));
      running--;
    },
  });
  queue.start();
  queue.add('a');
  await queue.idle();
  assert.equal(runs, 2);
  assert.equal(maxRunning, 1);
});

test('failures are retried with backoff until they succeed', async () => {
  const failures: number[] = [];
  let attempts = 0;
  const queue = new WorkQueue({
    backoff,
    handler: async () => {
      if (++attempts < 4) throw new Error('HTTP 500');
    },
    onError: (_key, _error, n) => failures.push(n),
  });
  queue.start();
  queue.add('a');
  await queue.idle();
  assert.equal(attempts, 4);
  assert.deepEqual(failures, [1, 2, 3]);
});

test('stop forgets waiting and retrying keys', async () => {
  const runs: string[] = [];
  const queue = new WorkQueue({
    backoff: { initialMs: 10_000, maxMs: 10_000 },
    handler: async (k) => {
      runs.push(k);
      if (k === 'fail') throw new Error('x');
    },
  });
  queue.add('fail');
  queue.start();
  await new Promise((r) => setTimeout(r, 10));
  queue.stop();
  queue.add('later');
  assert.equal(queue.length, 1);
  await queue.idle(); // resolves although 'later' waits: the queue is stopped
  assert.deepEqual(runs, ['fail']);
});
