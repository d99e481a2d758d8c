// The Internet checksum (RFC 1071) and its ICMPv6 form over the IPv6 pseudo-header (RFC 4443 §2.3,
// RFC 8200 §8.1), computed in place on frame bytes without allocating.
//
// API
//   internetChecksumSum(bytes, offset, length, initial) → the folded 16-bit ones'-complement sum
//   icmpv6Checksum(bytes, ipv6Offset, icmpLength)       → the value for the checksum field; 0 when a
//       received message (checksum field included) verifies
//   writeIcmpv6Checksum(bytes, ipv6Offset, icmpLength)  → zeroes, computes and stores the field

const ipv6HeaderLength = 40;
const nextHeaderIcmpv6 = 58;
const checksumFieldOffset = 2;

/** Sum of big-endian 16-bit words, an odd trailing byte padded with zero, folded to 16 bits. */
export function internetChecksumSum(
  bytes: Uint8Array,
  offset: number,
  length: number,
  initial: number,
): number {
  let sum = initial;
  const end = offset + length;
  let i = offset;
  for (; i + 1 < end; i += 2) sum += (bytes[i]! << 8) | bytes[i + 1]!;
  if (i < end) sum += bytes[i]! << 8;
  // At most 2^16 words of 0xffff each before folding: fits a double exactly and folds in two rounds.
  while (sum > 0xffff) sum = (sum & 0xffff) + Math.floor(sum / 0x10000);
  return sum;
}

/** Callers ensure icmpLength bytes follow the 40-byte IPv6 header at ipv6Offset. */
export function icmpv6Checksum(bytes: Uint8Array, ipv6Offset: number, icmpLength: number): number {
  // Pseudo-header: source and destination (the 32 bytes at offset 8), upper-layer length, next header.
  let sum = internetChecksumSum(bytes, ipv6Offset + 8, 32, 0);
  sum += Math.floor(icmpLength / 0x10000) + (icmpLength & 0xffff) + nextHeaderIcmpv6;
  sum = internetChecksumSum(bytes, ipv6Offset + ipv6HeaderLength, icmpLength, sum);
  return ~sum & 0xffff;
}

export function writeIcmpv6Checksum(bytes: Uint8Array, ipv6Offset: number, icmpLength: number): void {
  const field = ipv6Offset + ipv6HeaderLength + checksumFieldOffset;
  bytes[field] = 0;
  bytes[field + 1] = 0;
  const checksum = icmpv6Checksum(bytes, ipv6Offset, icmpLength);
  bytes[field] = checksum >>> 8;
  bytes[field + 1] = checksum & 0xff;
}
