import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  allocateFrame,
  isMulticastMac,
  isZeroMac,
  parseEthernet,
  writeBytes,
  writeEthernetHeader,
} from '../../../speaker/packets/ethernet.ts';
import { hex, macA, macB } from './captured-frames.ts';

test('Ethernet headers need 14 bytes and round-trip', () => {
  assert.equal(parseEthernet(new Uint8Array(13)), 'ethernet truncated');
  const frame = new Uint8Array(14);
  writeEthernetHeader(frame, macA, macB, 0x86dd);
  assert.deepEqual(parseEthernet(frame), { destination: macA, source: macB, etherType: 0x86dd });
});

test('MAC classes', () => {
  assert.equal(isMulticastMac(hex('ffffffffffff'), 0), true);
  assert.equal(isMulticastMac(hex('3333ff00000b'), 0), true);
  assert.equal(isMulticastMac(hex('01005e000001'), 0), true);
  assert.equal(isMulticastMac(macA, 0), false);
  assert.equal(isZeroMac(hex('000000000000'), 0), true);
  assert.equal(isZeroMac(hex('000000000001'), 0), false);
});

test('allocated frames are zeroed and never share bytes, across pool blocks too', () => {
  const frames = Array.from({ length: 2000 }, (_, i) => allocateFrame(20 + (i % 90)));
  for (const frame of frames) assert.ok(frame.every((b) => b === 0));
  frames.forEach((frame, i) => {
    frame.fill(i & 0xff);
  });
  frames.forEach((frame, i) => {
    assert.ok(
      frame.every((b) => b === (i & 0xff)),
      `frame ${i}`,
    );
  });
  assert.equal(allocateFrame(200_000).length, 200_000);
});

test('builders refuse address fields of the wrong size, naming the field', () => {
  assert.throws(() => writeBytes(new Uint8Array(14), 0, new Uint8Array(4), 6, 'Ethernet source'), {
    message: 'Ethernet source: expected 6 bytes, got 4',
  });
});
