import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { Address4, Address6 } from 'ip-address';
import { formatIP, ipFromBytes, ipKey, ipToBytes, parseIP } from '../../../common/ip-address.ts';

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
    ['::ffff:192.0.2.1', '::ffff:192.0.2.1'],
    ['::ffff:c000:201', '::ffff:192.0.2.1'],
    ['::ffff:1.2.3.4', '::ffff:1.2.3.4'],
    ['::fffe:1.2.3.4', '::fffe:102:304'],
    ['::1.2.3.4', '::102:304'],
    ['1::ffff:1.2.3.4', '1::ffff:102:304'],
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

/** The ip-address package's reading of the same text, as a second opinion. */
function oracle(text: string): { family: 4 | 6; value: bigint; text: string } | undefined {
  if (!text.includes(':')) {
    if (!Address4.isValid(text) || text.split('.').some((p) => /^0\d/.test(p))) return undefined;
    const v4 = new Address4(text);
    return { family: 4, value: v4.bigInt(), text: v4.correctForm() };
  }
  if (!Address6.isValid(text) || text.includes('%')) return undefined;
  const v6 = new Address6(text);
  const value = v6.bigInt();
  // ip-address keeps mapped addresses in hex in correctForm; RFC 5952 §5 wants them dotted.
  return { family: 6, value, text: value >> 32n === 0xffffn ? v6.to4in6() : v6.correctForm() };
}

test('parsing and RFC 5952 text agree with the ip-address package for any address', () => {
  const mapped = fc.ipV4().map((v4) => `::ffff:${v4}`);
  fc.assert(
    fc.property(fc.oneof(fc.ipV4(), fc.ipV6(), mapped), (text) => {
      const ip = parseIP(text);
      const expected = oracle(text);
      assert.ok(ip && expected, text);
      assert.equal(ip.family, expected.family, text);
      assert.equal(ip.value, expected.value, text);
      assert.equal(formatIP(ip), expected.text, text);
    }),
    { numRuns: 2000 },
  );
});

test('ipKey: equal exactly for equal addresses, IPv4 apart from its IPv4-mapped IPv6 form', () => {
  const key = (text: string) => ipKey(parseIP(text)!);
  assert.equal(key('2001:DB8::0:1'), key('2001:db8::1'));
  assert.notEqual(key('192.0.2.1'), key('::ffff:192.0.2.1'));
  fc.assert(
    fc.property(
      fc.bigInt({ min: 0n, max: 2n ** 128n - 1n }),
      fc.bigInt({ min: 0n, max: 2n ** 128n - 1n }),
      (a, b) => {
        assert.equal(ipKey({ family: 6, value: a }) === ipKey({ family: 6, value: b }), a === b);
      },
    ),
  );
});
