// The hand-built HMAC against node:crypto's, for keys shorter and longer than a block and messages
// in any number of parts.
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { test } from 'node:test';
import fc from 'fast-check';
import { HmacSha256 } from '../../../speaker/membership/hmac-sha256.ts';

test('HmacSha256 equals createHmac for any key and message split', () => {
  fc.assert(
    fc.property(
      fc.uint8Array({ minLength: 0, maxLength: 200 }),
      fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 4 }),
      (key, parts) => {
        const expected = createHmac('sha256', key);
        for (const part of parts) expected.update(part);
        assert.deepEqual(new HmacSha256(key).digest(...parts), expected.digest());
      },
    ),
    { numRuns: 500 },
  );
});

test('RFC 4231 test case 2: key "Jefe"', () => {
  const mac = new HmacSha256(Buffer.from('Jefe')).digest(Buffer.from('what do ya want for nothing?'));
  assert.equal(mac.toString('hex'), '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843');
});
