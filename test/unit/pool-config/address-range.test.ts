import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { formatIP } from '../../../common/ip-address.ts';
import { parseAddressRange, rangeSize } from '../../../common/pool-config/address-range.ts';

test('address entries parse as MetalLB reads them', () => {
  const cases: [string, string | RegExp, bigint?][] = [
    ['192.0.2.240/28', '192.0.2.240-192.0.2.255', 16n],
    ['192.0.2.7/32', '192.0.2.7-192.0.2.7', 1n],
    ['198.51.100.10-198.51.100.20', '198.51.100.10-198.51.100.20', 11n],
    ['198.51.100.10 - 198.51.100.20', '198.51.100.10-198.51.100.20', 11n],
    ['2001:db8::/120', '2001:db8::-2001:db8::ff', 256n],
    ['2001:db8::/64', '2001:db8::-2001:db8::ffff:ffff:ffff:ffff', 2n ** 64n],
    ['0.0.0.0/0', '0.0.0.0-255.255.255.255', 2n ** 32n],
    ['192.0.2.300/24', /"192.0.2.300" is not an IP address/],
    ['192.0.2.0/33', /prefix length "33"/],
    ['192.0.2.0/', /prefix length ""/],
    ['192.0.2.0/2x', /prefix length "2x"/],
    ['2001:db8::/129', /prefix length "129"/],
    ['192.0.2.20-192.0.2.10', /start 192.0.2.20 is after its end 192.0.2.10/],
    ['192.0.2.1-2001:db8::1', /mixes IPv4 and IPv6/],
    ['192.0.2.1-', /range end "" is not an IP address/],
    ['bogus', /not a CIDR or an address range$/],
    ['192.0.2.1', /for a single address write 192.0.2.1\/32/],
    ['2001:db8::1', /write 2001:db8::1\/128/],
  ];
  for (const [text, want, size] of cases) {
    const parsed = parseAddressRange(text);
    if (typeof want === 'string') {
      assert.ok(parsed.ok, `${text}: ${parsed.ok ? '' : parsed.message}`);
      const shown = `${formatIP({ family: parsed.range.family, value: parsed.range.first })}-${formatIP({ family: parsed.range.family, value: parsed.range.last })}`;
      assert.equal(shown, want, text);
      assert.equal(rangeSize(parsed.range), size, text);
      assert.equal(parsed.warning, undefined, text);
    } else {
      assert.ok(!parsed.ok, text);
      assert.match(parsed.message, want, text);
    }
  }
});

test('a CIDR with host bits set is the whole network, as in MetalLB, with a warning', () => {
  const parsed = parseAddressRange('192.0.2.77/24');
  assert.ok(parsed.ok);
  assert.equal(parsed.range.first, 0xc0000200n);
  assert.equal(parsed.range.last, 0xc00002ffn);
  assert.match(parsed.warning ?? '', /whole network 192\.0\.2\.0\/24/);
});

test('any CIDR covers 2^(bits - prefix) addresses starting on a boundary', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 2 ** 32 - 1 }),
      fc.integer({ min: 0, max: 32 }),
      (value, prefix) => {
        const address = formatIP({ family: 4, value: BigInt(value) });
        const parsed = parseAddressRange(`${address}/${prefix}`);
        assert.ok(parsed.ok);
        const size = 2n ** BigInt(32 - prefix);
        assert.equal(rangeSize(parsed.range), size);
        assert.equal(parsed.range.first % size, 0n);
        assert.ok(parsed.range.first <= BigInt(value) && BigInt(value) <= parsed.range.last);
      },
    ),
  );
});
