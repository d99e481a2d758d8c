import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import {
  icmpv6Checksum,
  internetChecksumSum,
  writeIcmpv6Checksum,
} from '../../../speaker/packets/icmpv6-checksum.ts';
import { captured, hex } from './captured-frames.ts';

test('the ones-complement sum matches RFC 1071 and pads an odd byte with zero', () => {
  // RFC 1071 §3 example: 0001 + f203 + f4f5 + f6f7 = 2ddf0, folded ddf2.
  assert.equal(internetChecksumSum(hex('0001f203f4f5f6f7'), 0, 8, 0), 0xddf2);
  assert.equal(internetChecksumSum(hex('ff'), 0, 1, 0), 0xff00);
  assert.equal(internetChecksumSum(hex('aaff01'), 1, 2, 0), 0xff01);
  assert.equal(internetChecksumSum(hex('ffffffff'), 0, 4, 0xffff), 0xffff);
  assert.equal(internetChecksumSum(new Uint8Array(0), 0, 0, 0x1234), 0x1234);
});

test('Linux-computed NDP checksums verify and are reproduced', () => {
  for (const name of [
    'neighborSolicitation',
    'neighborAdvertisement',
    'dadSolicitation',
    'routerSolicitation',
  ] as const) {
    const frame = captured[name];
    const icmpLength = frame.length - 54;
    assert.equal(icmpv6Checksum(frame, 14, icmpLength), 0, name);
    const copy = frame.slice();
    copy[56] = 0x12;
    copy[57] = 0x34;
    writeIcmpv6Checksum(copy, 14, icmpLength);
    assert.deepEqual(copy, frame, name);
  }
});

test('a written checksum verifies, and any single flipped bit in the covered bytes breaks it', () => {
  fc.assert(
    fc.property(
      fc.uint8Array({ minLength: 4, maxLength: 200 }),
      fc.uint8Array({ minLength: 32, maxLength: 32 }),
      fc.nat(),
      (message, addresses, bitSeed) => {
        const frame = new Uint8Array(54 + message.length);
        frame.set(addresses, 22);
        frame.set(message, 54);
        writeIcmpv6Checksum(frame, 14, message.length);
        assert.equal(icmpv6Checksum(frame, 14, message.length), 0);
        // Covered: addresses (bytes 22..53) and the message (54..); the payload length is covered too.
        const covered = 32 + message.length;
        const bit = bitSeed % (covered * 8);
        const index = 22 + Math.floor(bit / 8);
        frame[index]! ^= 1 << (bit % 8);
        assert.notEqual(icmpv6Checksum(frame, 14, message.length), 0);
      },
    ),
  );
});
