import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { formatIP, ipFromBytes, ipToBytes, parseIP } from '../../../common/ip-address.ts';

test('parses and canonicalises addresses', () => {
  const cases: [string, string | undefined][] = [
    ['192.0.2.1', '192.0.2.1'],
    ['0.0.0.0', '0.0.0.0'],
    ['255.255.255.255', '255.255.255.255'],
    ['192.0.2.256', undefined],
    ['192.0.2.01', undefined],
    ['192.0.2', undefined],
    ['2001:DB8::1', '2001:db8::1'],
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
    ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'],
    ['::', '::'],
    ['::1', '::1'],
    ['::ffff:192.0.2.1', '::ffff:c000:201'],
    ['1::2::3', undefined],
    ['2001:db8::1%eth0', undefined],
    ['1:2:3:4:5:6:7:8:9', undefined],
    ['1:2:3:4:5:6:7::8', undefined],
    ['12345::', undefined],
    ['', undefined],
  ];
  for (const [input, want] of cases) {
    const ip = parseIP(input);
    assert.equal(ip && formatIP(ip), want, input);
  }
});

test('bytes round-trip and text round-trip for any address', () => {
  fc.assert(
    fc.property(fc.oneof(fc.ipV4(), fc.ipV6()), (text) => {
      const ip = parseIP(text);
      assert.ok(ip, text);
      assert.deepEqual(ipFromBytes(ipToBytes(ip)), ip);
      assert.deepEqual(parseIP(formatIP(ip)), ip);
    }),
  );
});
