// Malformed variants of the captured frames, one or more per codec drop reason: the codec tests check
// that parsing names the reason, the responder test that answerFrame drops the frame for it.
import type { ArpDropReason } from '../../../speaker/packets/arp.ts';
import type { NdpDropReason } from '../../../speaker/packets/ndp.ts';
import { captured, macA } from './captured-frames.ts';
import { ipBytes, patched, patchedNdp, withIcmpv6 } from './frame-helpers.ts';

export type MalformedCase<Reason> = readonly [name: string, frame: Uint8Array, reason: Reason];

const arp = captured.arpRequest;
const ns = captured.neighborSolicitation;
const dad = captured.dadSolicitation;
const na = captured.neighborAdvertisement;

/** The fixed 24 bytes of an NS (135) or NA (136): type, code, checksum, flags/reserved, target. */
export const ndFixedPart = (type: number, target: string): number[] => [
  type,
  0,
  0,
  0,
  0,
  0,
  0,
  0,
  ...ipBytes(target),
];
export const sourceLinkLayerOption = (mac: Uint8Array): number[] => [1, 1, ...mac];

export const malformedArp: readonly MalformedCase<ArpDropReason>[] = [
  ['truncated', arp.subarray(0, 41), 'arp truncated'],
  ['hardware type 6 (IEEE 802)', patched(arp, 14, 0, 6), 'arp hardware type'],
  ['protocol type IPv6', patched(arp, 16, 0x86, 0xdd), 'arp protocol type'],
  ['hardware length 8', patched(arp, 18, 8), 'arp address lengths'],
  ['protocol length 16', patched(arp, 19, 16), 'arp address lengths'],
];

export const malformedNdp: readonly MalformedCase<NdpDropReason>[] = [
  ['IPv6 header cut', ns.subarray(0, 53), 'ipv6 truncated'],
  ['payload length past the frame', patchedNdp(ns, 18, 0, 33), 'ipv6 truncated'],
  ['IPv4 version nibble', patched(ns, 14, 0x40), 'ipv6 version'],
  ['hop limit 64', patched(ns, 21, 64), 'hop limit not 255'],
  ['empty ICMPv6', withIcmpv6(ns, new Uint8Array(0)), 'icmpv6 truncated'],
  [
    'NS without a whole target',
    withIcmpv6(ns, Uint8Array.from(ndFixedPart(135, '::').slice(0, 20))),
    'icmpv6 truncated',
  ],
  ['code 1', patchedNdp(ns, 55, 1), 'icmpv6 code'],
  ['checksum off by one', patched(ns, 57, ns[57]! ^ 1), 'icmpv6 checksum'],
  ['multicast source', patchedNdp(ns, 22, 0xff), 'ipv6 source multicast'],
  ['multicast target', patchedNdp(ns, 62, 0xff), 'ndp target multicast'],
  ['option longer than the message', patchedNdp(ns, 79, 2), 'ndp option truncated'],
  [
    'one stray byte after the options',
    withIcmpv6(ns, Uint8Array.from([...ndFixedPart(135, '2001:db8::b'), ...sourceLinkLayerOption(macA), 0])),
    'ndp option truncated',
  ],
  ['option length 0', patchedNdp(ns, 79, 0), 'ndp option length zero'],
  [
    'source link-layer option of 16 bytes',
    withIcmpv6(
      ns,
      Uint8Array.from([...ndFixedPart(135, '2001:db8::b'), 1, 2, ...macA, 0, 0, 0, 0, 0, 0, 0, 0]),
    ),
    'ndp link-layer option length',
  ],
  ['DAD to all nodes', patchedNdp(dad, 38, ...ipBytes('ff02::1')), 'dad not to solicited-node'],
  ['DAD to the wrong solicited-node group', patchedNdp(dad, 53, 0x0c), 'dad not to solicited-node'],
  ['DAD with a source link-layer option', patchedNdp(dad, 78, 1), 'dad with source link-layer option'],
  [
    'solicited NA to all nodes',
    patchedNdp(na, 38, ...ipBytes('ff02::1')),
    'solicited advertisement to multicast',
  ],
];
