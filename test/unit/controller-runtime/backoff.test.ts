import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { backoffDelay } from '../../../common/kube/backoff.ts';

const policy = { initialMs: 100, maxMs: 5000, jitter: 0 };

test('doubles from the initial delay up to the cap', () => {
  const delays = [0, 1, 2, 3, 5, 6, 20].map((attempt) => backoffDelay(attempt, policy));
  assert.deepEqual(delays, [100, 200, 400, 800, 3200, 5000, 5000]);
});

test('jitter stays within its fraction and never exceeds the cap', () => {
  fc.assert(
    fc.property(fc.nat(40), fc.double({ min: 0, max: 0.999, noNaN: true }), (attempt, r) => {
      const d = backoffDelay(attempt, { initialMs: 100, maxMs: 5000, jitter: 0.2 }, () => r);
      const base = Math.min(5000, 100 * 2 ** attempt);
      assert.ok(d <= 5000 && d >= base * 0.9 - 1 && d <= base * 1.1 + 1, `attempt ${attempt}: ${d}`);
    }),
  );
});
