// The indexed lookups answer exactly what a scan of every pool in order would.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import type { IP, IPFamily } from '../../../common/ip-address.ts';
import type { AddressRange } from '../../../common/pool-config/address-range.ts';
import { poolHolding, poolNamed } from '../../../common/pool-config/pool-lookup.ts';

interface TestPool {
  readonly name: string;
  readonly ranges: readonly AddressRange[];
}

const family = fc.constantFrom<IPFamily>(4, 6);
// Small values so that ranges meet, overlap and leave gaps often.
const range = fc
  .record({ family, first: fc.bigInt({ min: 0n, max: 60n }), size: fc.bigInt({ min: 1n, max: 8n }) })
  .map(({ family, first, size }): AddressRange => ({ family, first, last: first + size - 1n }));
const pools = fc.array(
  fc.record({ name: fc.constantFrom('a', 'b', 'c', 'd', 'e'), ranges: fc.array(range, { maxLength: 3 }) }),
  { maxLength: 8 },
);
const ip = fc.record({ family, value: fc.bigInt({ min: 0n, max: 70n }) });

const scan = (all: readonly TestPool[], at: IP) =>
  all.find((p) => p.ranges.some((r) => r.family === at.family && r.first <= at.value && at.value <= r.last));

test('poolHolding finds the pool a scan in order finds, overlapping ranges or not', () => {
  fc.assert(
    fc.property(pools, fc.array(ip, { minLength: 1, maxLength: 20 }), (all, ips) => {
      for (const at of ips) assert.equal(poolHolding(all, at), scan(all, at));
    }),
    { numRuns: 500 },
  );
});

test('poolNamed finds the first pool of that name', () => {
  fc.assert(
    fc.property(pools, fc.constantFrom('a', 'b', 'c', 'x'), (all, name) => {
      assert.equal(
        poolNamed(all, name),
        all.find((p) => p.name === name),
      );
    }),
  );
});

test('40k disjoint pools: every address finds its own pool', () => {
  const many = Array.from({ length: 40_000 }, (_, i) => ({
    name: `p${i}`,
    ranges: [{ family: 6 as const, first: BigInt(i) * 256n, last: BigInt(i) * 256n + 255n }],
  }));
  for (const i of [0, 1, 17_123, 39_999]) {
    assert.equal(poolHolding(many, { family: 6, value: BigInt(i) * 256n + 7n })?.name, `p${i}`);
  }
  assert.equal(poolHolding(many, { family: 6, value: 40_000n * 256n }), undefined);
  assert.equal(poolHolding(many, { family: 4, value: 7n }), undefined);
});
