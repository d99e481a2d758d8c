import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { type IP, ipToBytes, parseIP } from '../../../common/ip-address.ts';
import { LedAddresses } from '../../../speaker/packets/responder.ts';
import { ipBytes } from './frame-helpers.ts';

test('looks addresses up by their wire bytes at an offset', () => {
  const led = new LedAddresses();
  led.set([parseIP('192.0.2.1')!, parseIP('2001:db8::1')!, parseIP('192.0.2.1')!]);
  assert.equal(led.size, 2);
  const buffer = new Uint8Array(40);
  buffer.set(ipBytes('192.0.2.1'), 3);
  buffer.set(ipBytes('2001:db8::1'), 20);
  assert.equal(led.has(buffer, 3, 4), true);
  assert.equal(led.has(buffer, 20, 16), true);
  assert.equal(led.has(buffer, 4, 4), false);
  // The IPv4 bytes as the last 4 of an IPv6 address, or the reverse, are different addresses.
  assert.equal(led.has(ipBytes('::192.0.2.1'), 0, 16), false);
  assert.equal(led.has(ipBytes('2001:db8::1'), 12, 4), false);
});

test('indexOf gives the position in the list set got, the first for a repeated IP, else -1', () => {
  const led = new LedAddresses();
  led.set([parseIP('2001:db8::1')!, parseIP('192.0.2.1')!, parseIP('192.0.2.2')!, parseIP('192.0.2.1')!]);
  assert.equal(led.indexOf(ipBytes('2001:db8::1'), 0, 16), 0);
  assert.equal(led.indexOf(ipBytes('192.0.2.1'), 0, 4), 1);
  assert.equal(led.indexOf(ipBytes('192.0.2.2'), 0, 4), 2);
  assert.equal(led.indexOf(ipBytes('192.0.2.3'), 0, 4), -1);
  assert.equal(led.indexOf(ipBytes('192.0.2.2'), 1, 4), -1);
});

test('out-of-range lookups are false, not errors', () => {
  const led = new LedAddresses();
  led.set([parseIP('0.0.0.0')!]);
  assert.equal(led.has(new Uint8Array(4), 0, 4), true);
  assert.equal(led.has(new Uint8Array(4), 1, 4), false);
  assert.equal(led.has(new Uint8Array(4), -1, 4), false);
  assert.equal(led.has(new Uint8Array(10), 0, 16), false);
});

test('set replaces the whole set', () => {
  const led = new LedAddresses();
  led.set([parseIP('192.0.2.1')!]);
  led.set([parseIP('192.0.2.2')!]);
  assert.equal(led.has(ipBytes('192.0.2.1'), 0, 4), false);
  assert.equal(led.has(ipBytes('192.0.2.2'), 0, 4), true);
  led.set([]);
  assert.equal(led.size, 0);
  assert.equal(led.has(ipBytes('192.0.2.2'), 0, 4), false);
});

const ipArb: fc.Arbitrary<IP> = fc.oneof(
  fc.bigInt({ min: 0n, max: 2n ** 32n - 1n }).map((value): IP => ({ family: 4, value })),
  // Few distinct high bits, so that probes often hit near-misses of members.
  fc
    .bigInt({ min: 0n, max: 2n ** 12n })
    .map((value): IP => ({ family: 6, value: (0x20010db8n << 96n) | value })),
  fc.bigInt({ min: 0n, max: 2n ** 128n - 1n }).map((value): IP => ({ family: 6, value })),
);

test('has and indexOf agree with a map of strings for any members and probes', () => {
  fc.assert(
    fc.property(
      fc.array(ipArb, { maxLength: 300 }),
      fc.array(ipArb, { maxLength: 50 }),
      (members, others) => {
        const led = new LedAddresses();
        led.set(members);
        const keys = new Set(members.map((ip) => `${ip.family}/${ip.value}`));
        assert.equal(led.size, keys.size);
        const firstAt = new Map<string, number>();
        members.forEach((ip, i) => {
          if (!firstAt.has(`${ip.family}/${ip.value}`)) firstAt.set(`${ip.family}/${ip.value}`, i);
        });
        for (const ip of [...members, ...others]) {
          const bytes = ipToBytes(ip);
          const width = ip.family === 4 ? 4 : 16;
          assert.equal(led.has(bytes, 0, width), keys.has(`${ip.family}/${ip.value}`));
          assert.equal(led.indexOf(bytes, 0, width), firstAt.get(`${ip.family}/${ip.value}`) ?? -1);
        }
      },
    ),
  );
});
