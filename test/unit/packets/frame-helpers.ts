// Small helpers for building test frames: addresses from text, and copies of frames with some bytes
// changed (optionally re-checksummed, so that a test reaches the check after the checksum).
import { ipToBytes, parseIP } from '../../../common/ip-address.ts';
import { writeIcmpv6Checksum } from '../../../speaker/packets/icmpv6-checksum.ts';
import { LedAddresses } from '../../../speaker/packets/responder.ts';

export function ipBytes(text: string): Uint8Array {
  const ip = parseIP(text);
  if (ip === undefined) throw new Error(`test address ${text} does not parse`);
  return ipToBytes(ip);
}

export function ledOf(...texts: string[]): LedAddresses {
  const led = new LedAddresses();
  led.set(texts.map((text) => parseIP(text)!));
  return led;
}

/** A copy of frame with the given bytes written at offset. */
export function patched(frame: Uint8Array, offset: number, ...bytes: number[]): Uint8Array {
  const copy = frame.slice();
  copy.set(bytes, offset);
  return copy;
}

/** Recomputes the ICMPv6 checksum of an Ethernet + IPv6 + ICMPv6 frame after an edit, in place. */
export function rechecksum(frame: Uint8Array): Uint8Array {
  const payloadLength = (frame[18]! << 8) | frame[19]!;
  writeIcmpv6Checksum(frame, 14, Math.min(payloadLength, frame.length - 54));
  return frame;
}

/** A copy of an NDP frame with bytes written at offset and a valid checksum again. */
export function patchedNdp(frame: Uint8Array, offset: number, ...bytes: number[]): Uint8Array {
  return rechecksum(patched(frame, offset, ...bytes));
}

/** A copy of an NDP frame whose ICMPv6 message is replaced (payload length and checksum follow). */
export function withIcmpv6(frame: Uint8Array, message: Uint8Array): Uint8Array {
  const copy = new Uint8Array(54 + message.length);
  copy.set(frame.subarray(0, 54));
  copy[18] = message.length >>> 8;
  copy[19] = message.length & 0xff;
  copy.set(message, 54);
  return rechecksum(copy);
}
