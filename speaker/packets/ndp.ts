// IPv6 Neighbor Discovery over Ethernet (RFC 4861): Neighbor Solicitation and Advertisement in an IPv6
// header, with the link-layer address options; validated as RFC 4861 §7.1 and Linux's ndisc.c do.
//
// API
//   parseNeighborDiscovery(frame, offset) → NeighborSolicitation | NeighborAdvertisement
//       | NdpDropReason | 'not neighbor discovery'       (offset = start of the IPv6 header, 14 after Ethernet)
//   buildNeighborSolicitationFrame / buildNeighborAdvertisementFrame(ethDestination, ethSource, message)
//       → a complete Ethernet frame, hop limit 255, checksum filled in
//   solicitedAdvertisementFrame(solicitation, ethDestination, ourMac)  → the NA answering an NS
//   unsolicitedAdvertisementFrame(target, ourMac)                      → NA to ff02::1, Override set
//   solicitedNodeMulticast(ip) → ff02::1:ffXX:XXXX as an IP; ipv6MulticastMac(group) → 33:33:XX:XX:XX:XX
// Unknown options are skipped; for repeated link-layer options the first counts (as in Linux).
import { formatIP, type IP, ipToBytes } from '../../common/ip-address.ts';
import {
  allocateFrame,
  ethernetHeaderLength,
  etherTypeIPv6,
  macLength,
  readUint16,
  writeBytes,
  writeEthernetHeader,
} from './ethernet.ts';
import { icmpv6Checksum, writeIcmpv6Checksum } from './icmpv6-checksum.ts';

export const ipv6HeaderLength = 40;
export const icmpv6TypeNeighborSolicitation = 135;
export const icmpv6TypeNeighborAdvertisement = 136;

const ipv6Length = 16;
const nextHeaderIcmpv6 = 58;
const ndHopLimit = 255;
/** Type, code, checksum, 4 bytes of reserved or flags, target: the same 24 bytes for NS and NA. */
const ndFixedLength = 24;
const optionSourceLinkLayer = 1;
const optionTargetLinkLayer = 2;
const linkLayerOptionLength = 8;
const flagRouter = 0x80;
const flagSolicited = 0x40;
const flagOverride = 0x20;

export const allNodesMulticast: Uint8Array = ipToBytes({ family: 6, value: (0xff02n << 112n) | 1n });
export const allNodesMac: Uint8Array = new Uint8Array([0x33, 0x33, 0, 0, 0, 1]);

export interface NeighborSolicitation {
  readonly type: typeof icmpv6TypeNeighborSolicitation;
  /** 16-byte IPv6 addresses and 6-byte MACs; views into the frame when parsed. */
  readonly source: Uint8Array;
  readonly destination: Uint8Array;
  readonly target: Uint8Array;
  readonly sourceLinkLayer: Uint8Array | undefined;
}

export interface NeighborAdvertisement {
  readonly type: typeof icmpv6TypeNeighborAdvertisement;
  readonly source: Uint8Array;
  readonly destination: Uint8Array;
  readonly target: Uint8Array;
  readonly router: boolean;
  readonly solicited: boolean;
  readonly override: boolean;
  readonly targetLinkLayer: Uint8Array | undefined;
}

export const ndpDropReasons = [
  'ipv6 truncated',
  'ipv6 version',
  'ipv6 source multicast',
  'hop limit not 255',
  'icmpv6 truncated',
  'icmpv6 code',
  'icmpv6 checksum',
  'ndp target multicast',
  'ndp option truncated',
  'ndp option length zero',
  'ndp link-layer option length',
  'dad not to solicited-node',
  'dad with source link-layer option',
  'solicited advertisement to multicast',
] as const;
export type NdpDropReason = (typeof ndpDropReasons)[number];

/** Well-formed IPv6 that is not an NS or NA (other next header or ICMPv6 type): not ours to judge. */
export const notNeighborDiscovery = 'not neighbor discovery';
export type NotNeighborDiscovery = typeof notNeighborDiscovery;

export function parseNeighborDiscovery(
  frame: Uint8Array,
  offset: number,
): NeighborSolicitation | NeighborAdvertisement | NdpDropReason | NotNeighborDiscovery {
  if (frame.length - offset < ipv6HeaderLength) return 'ipv6 truncated';
  if (frame[offset]! >>> 4 !== 6) return 'ipv6 version';
  if (frame[offset + 6] !== nextHeaderIcmpv6) return 'not neighbor discovery';
  const icmpLength = readUint16(frame, offset + 4);
  const icmp = offset + ipv6HeaderLength;
  // Bytes past the payload length are link-layer padding and are ignored.
  if (icmp + icmpLength > frame.length) return 'ipv6 truncated';
  if (icmpLength < 1) return 'icmpv6 truncated';
  const type = frame[icmp]!;
  if (type !== icmpv6TypeNeighborSolicitation && type !== icmpv6TypeNeighborAdvertisement)
    return 'not neighbor discovery';
  if (frame[offset + 7] !== ndHopLimit) return 'hop limit not 255';
  if (icmpLength < ndFixedLength) return 'icmpv6 truncated';
  if (frame[icmp + 1] !== 0) return 'icmpv6 code';
  if (icmpv6Checksum(frame, offset, icmpLength) !== 0) return 'icmpv6 checksum';
  if (isIPv6Multicast(frame, offset + 8)) return 'ipv6 source multicast';
  if (isIPv6Multicast(frame, icmp + 8)) return 'ndp target multicast';

  const wantedOption =
    type === icmpv6TypeNeighborSolicitation ? optionSourceLinkLayer : optionTargetLinkLayer;
  let linkLayer: Uint8Array | undefined;
  const end = icmp + icmpLength;
  for (let at = icmp + ndFixedLength; at < end; ) {
    if (end - at < 2) return 'ndp option truncated';
    const length = frame[at + 1]! * 8;
    if (length === 0) return 'ndp option length zero';
    if (length > end - at) return 'ndp option truncated';
    if (frame[at] === wantedOption && linkLayer === undefined) {
      if (length !== linkLayerOptionLength) return 'ndp link-layer option length';
      linkLayer = frame.subarray(at + 2, at + 2 + macLength);
    }
    at += length;
  }

  const source = frame.subarray(offset + 8, offset + 24);
  const destination = frame.subarray(offset + 24, offset + 40);
  const target = frame.subarray(icmp + 8, icmp + 24);
  if (type === icmpv6TypeNeighborSolicitation) {
    if (isUnspecified(frame, offset + 8)) {
      if (!isSolicitedNodeMulticastOf(frame, offset + 24, frame, icmp + 8))
        return 'dad not to solicited-node';
      if (linkLayer !== undefined) return 'dad with source link-layer option';
    }
    return { type, source, destination, target, sourceLinkLayer: linkLayer };
  }
  const flags = frame[icmp + 4]!;
  const solicited = (flags & flagSolicited) !== 0;
  if (solicited && isIPv6Multicast(frame, offset + 24)) return 'solicited advertisement to multicast';
  return {
    type,
    source,
    destination,
    target,
    router: (flags & flagRouter) !== 0,
    solicited,
    override: (flags & flagOverride) !== 0,
    targetLinkLayer: linkLayer,
  };
}

export function buildNeighborSolicitationFrame(
  ethDestination: Uint8Array,
  ethSource: Uint8Array,
  solicitation: Omit<NeighborSolicitation, 'type'>,
): Uint8Array {
  return buildFrame(
    ethDestination,
    ethSource,
    solicitation.source,
    solicitation.destination,
    icmpv6TypeNeighborSolicitation,
    0,
    solicitation.target,
    optionSourceLinkLayer,
    solicitation.sourceLinkLayer,
  );
}

export function buildNeighborAdvertisementFrame(
  ethDestination: Uint8Array,
  ethSource: Uint8Array,
  advertisement: Omit<NeighborAdvertisement, 'type'>,
): Uint8Array {
  const flags =
    (advertisement.router ? flagRouter : 0) |
    (advertisement.solicited ? flagSolicited : 0) |
    (advertisement.override ? flagOverride : 0);
  return buildFrame(
    ethDestination,
    ethSource,
    advertisement.source,
    advertisement.destination,
    icmpv6TypeNeighborAdvertisement,
    flags,
    advertisement.target,
    optionTargetLinkLayer,
    advertisement.targetLinkLayer,
  );
}

/**
 * The answer to an NS for an address we own, as Linux's ndisc_send_na: from the target address, Override
 * set, Router clear, our MAC in a target link-layer option. A DAD probe (source ::) is answered to all
 * nodes with Solicited clear (RFC 4861 §7.2.4); anything else goes back to the solicitor, Solicited set.
 */
export function solicitedAdvertisementFrame(
  solicitation: NeighborSolicitation,
  ethDestination: Uint8Array,
  ourMac: Uint8Array,
): Uint8Array {
  if (isUnspecified(solicitation.source, 0))
    return unsolicitedAdvertisementFrame(solicitation.target, ourMac);
  return buildNeighborAdvertisementFrame(ethDestination, ourMac, {
    source: solicitation.target,
    destination: solicitation.source,
    target: solicitation.target,
    router: false,
    solicited: true,
    override: true,
    targetLinkLayer: ourMac,
  });
}

/** RFC 4861 §7.2.6: to all nodes, Override set so that existing cache entries switch to ourMac. */
export function unsolicitedAdvertisementFrame(target: Uint8Array, ourMac: Uint8Array): Uint8Array {
  return buildNeighborAdvertisementFrame(allNodesMac, ourMac, {
    source: target,
    destination: allNodesMulticast,
    target,
    router: false,
    solicited: false,
    override: true,
    targetLinkLayer: ourMac,
  });
}

/** RFC 4291 §2.7.1: ff02::1:ff00:0/104 plus the low 24 bits of ip. */
export function solicitedNodeMulticast(ip: IP): IP {
  if (ip.family !== 6) throw new Error(`solicitedNodeMulticast: ${formatIP(ip)} is not an IPv6 address`);
  return { family: 6, value: (0xff02n << 112n) | (0x1ffn << 24n) | (ip.value & 0xffffffn) };
}

/** RFC 2464 §7: 33:33 followed by the low 32 bits of the IPv6 multicast group. */
export function ipv6MulticastMac(group: IP): Uint8Array {
  const bytes = ipToBytes(group);
  return new Uint8Array([0x33, 0x33, bytes[12]!, bytes[13]!, bytes[14]!, bytes[15]!]);
}

export function isIPv6Multicast(bytes: Uint8Array, offset: number): boolean {
  return bytes[offset] === 0xff;
}

export function isUnspecified(bytes: Uint8Array, offset: number): boolean {
  for (let i = 0; i < ipv6Length; i++) if (bytes[offset + i] !== 0) return false;
  return true;
}

const solicitedNodePrefix = [0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0xff];

/** Whether the group at groupOffset is the solicited-node multicast address of the address at ipOffset. */
export function isSolicitedNodeMulticastOf(
  group: Uint8Array,
  groupOffset: number,
  ip: Uint8Array,
  ipOffset: number,
): boolean {
  for (let i = 0; i < solicitedNodePrefix.length; i++)
    if (group[groupOffset + i] !== solicitedNodePrefix[i]) return false;
  return (
    group[groupOffset + 13] === ip[ipOffset + 13] &&
    group[groupOffset + 14] === ip[ipOffset + 14] &&
    group[groupOffset + 15] === ip[ipOffset + 15]
  );
}

function buildFrame(
  ethDestination: Uint8Array,
  ethSource: Uint8Array,
  source: Uint8Array,
  destination: Uint8Array,
  type: number,
  flags: number,
  target: Uint8Array,
  optionType: number,
  linkLayer: Uint8Array | undefined,
): Uint8Array {
  const icmpLength = ndFixedLength + (linkLayer === undefined ? 0 : linkLayerOptionLength);
  const frame = allocateFrame(ethernetHeaderLength + ipv6HeaderLength + icmpLength);
  writeEthernetHeader(frame, ethDestination, ethSource, etherTypeIPv6);
  const ip = ethernetHeaderLength;
  frame[ip] = 0x60;
  frame[ip + 4] = icmpLength >>> 8;
  frame[ip + 5] = icmpLength & 0xff;
  frame[ip + 6] = nextHeaderIcmpv6;
  frame[ip + 7] = ndHopLimit;
  writeBytes(frame, ip + 8, source, ipv6Length, 'IPv6 source');
  writeBytes(frame, ip + 24, destination, ipv6Length, 'IPv6 destination');
  const icmp = ip + ipv6HeaderLength;
  frame[icmp] = type;
  frame[icmp + 4] = flags;
  writeBytes(frame, icmp + 8, target, ipv6Length, 'NDP target');
  if (linkLayer !== undefined) {
    frame[icmp + ndFixedLength] = optionType;
    frame[icmp + ndFixedLength + 1] = 1;
    writeBytes(frame, icmp + ndFixedLength + 2, linkLayer, macLength, 'NDP link-layer address');
  }
  writeIcmpv6Checksum(frame, ip, icmpLength);
  return frame;
}
