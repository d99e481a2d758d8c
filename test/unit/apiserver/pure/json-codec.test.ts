// Integers past 2^53 survive the embedded server as they survive kube-apiserver's int64 fields.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { encodeJson } from '../../../../common/exact-json.ts';
import { parseJson } from '../../../../lab/apiserver/json-codec.ts';

const int64 = fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n });

test('every int64 comes back digit for digit', () => {
  fc.assert(
    fc.property(int64, (n) => {
      const text = `{"status":{"availableIPv6":${n}}}`;
      assert.equal(encodeJson(parseJson(text)), text);
    }),
  );
});

test('safe integers stay numbers; past 2^53 they become BigInt', () => {
  const parsed = parseJson('[9007199254740991, 9007199254740993, 9223372036854775807, -9223372036854775808]');
  assert.deepEqual(parsed, [
    9007199254740991,
    9007199254740993n,
    9223372036854775807n,
    -9223372036854775808n,
  ]);
});

test('outside int64, and written as a float, a number stays floating point', () => {
  assert.deepEqual(parseJson('[9223372036854775808, 1e20, 1.5]'), [2 ** 63, 1e20, 1.5]);
});
