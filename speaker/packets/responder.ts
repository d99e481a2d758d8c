// The pure decision of the speaker's announcer: given one received Ethernet frame, the MAC of the
// interface it arrived on and the addresses this node leads, answer it, ignore it or drop it. Runs for
// every frame the packet sockets receive, so it avoids per-frame bigint, string and map-key creation: led
// addresses are looked up by their raw wire bytes, and ignore/drop verdicts are shared constant objects.
//
// API
//   new LedAddresses(); led.set(ips); led.has(bytes, offset, 4 | 16); led.indexOf(bytes, offset, 4 | 16)
//   answerFrame(frame, ourMac, led) → Verdict
//       { kind: 'reply', frame, ledIndex }  send frame (a new array) on the interface the request came in on;
//                                           ledIndex: the answered IP's position in the list led.set got
//       { kind: 'ignore', reason }          well-formed, not ours to answer (IgnoreReason)
//       { kind: 'drop', reason }            malformed or hostile (DropReason)
//     Never replies for an address not in led. Verdict objects for ignore/drop are shared: don't mutate.
//   gratuitousFrames(ip, ourMac) → frames announcing ip at ourMac: ARP request and reply forms, or an
//       unsolicited NA to ff02::1
//   solicitedNodeMulticast(ip) / ipv6MulticastMac(group): the group (and its MAC) to join per led IPv6
//   ignoreReasons / dropReasons: every reason, e.g. to initialise metric labels at zero
//
// Policy (beyond RFC well-formedness, which the codecs check):
//   - frames from multicast/zero source MACs or with our own source MAC are never answered;
//   - ARP: only requests to broadcast or to our MAC; reply unicast to the ARP sender MAC, also for RFC 5227
//     probes (sender IP 0.0.0.0) as Linux does; sender IP = target IP is someone's announcement: ignored;
//   - NDP: NS to our MAC or to the multicast MAC of its IPv6 destination; the NA goes to the source
//     link-layer option's MAC, or for a unicast NS without one (NUD probes of BSD and Windows) to the
//     Ethernet source; a DAD probe for a led address is answered to all nodes (RFC 4861 §7.2.4);
//   - someone else using a led address as its own (ARP sender IP, NS source, NA target) is an
//     'address conflict' whenever we do not reply to that frame anyway.
import { type IP, ipToBytes } from '../../common/ip-address.ts';
import { arpDropReasons, arpOperationRequest, arpReplyFrame, gratuitousArpFrames, parseArp } from './arp.ts';
import {
  ethernetDropReasons,
  ethernetHeaderLength,
  etherTypeArp,
  etherTypeIPv6,
  isMulticastMac,
  isZeroMac,
  macEquals,
  readUint16,
} from './ethernet.ts';
import {
  icmpv6TypeNeighborSolicitation,
  isIPv6Multicast,
  isUnspecified,
  ndpDropReasons,
  notNeighborDiscovery,
  parseNeighborDiscovery,
  solicitedAdvertisementFrame,
  unsolicitedAdvertisementFrame,
} from './ndp.ts';

export { ipv6MulticastMac, solicitedNodeMulticast } from './ndp.ts';

export const ignoreReasons = [
  'other ethertype',
  'sent by us',
  'not addressed to us',
  'not a request',
  notNeighborDiscovery,
  'gratuitous',
  'address conflict',
  'not led',
] as const;
export type IgnoreReason = (typeof ignoreReasons)[number];

const responderDropReasons = [
  'source mac multicast',
  'source mac zero',
  'arp sender mac invalid',
  'arp sender ip martian',
  'ndp link-layer address invalid',
  'multicast solicitation without source link-layer option',
] as const;
export const dropReasons = [
  ...ethernetDropReasons,
  ...arpDropReasons,
  ...ndpDropReasons,
  ...responderDropReasons,
] as const;
export type DropReason = (typeof dropReasons)[number];

export type Verdict =
  | { readonly kind: 'reply'; readonly frame: Uint8Array; readonly ledIndex: number }
  | { readonly kind: 'ignore'; readonly reason: IgnoreReason }
  | { readonly kind: 'drop'; readonly reason: DropReason };

const ignoreVerdicts = new Map<string, Verdict>(
  ignoreReasons.map((reason) => [reason, Object.freeze({ kind: 'ignore', reason })]),
);
const dropVerdicts = new Map<string, Verdict>(
  dropReasons.map((reason) => [reason, Object.freeze({ kind: 'drop', reason })]),
);
const ignore = (reason: IgnoreReason): Verdict => ignoreVerdicts.get(reason)!;
const drop = (reason: DropReason): Verdict => dropVerdicts.get(reason)!;

/**
 * An open-addressing hash map from fixed-width byte strings to a number (the member's position in
 * the caller's list), probed without allocating.
 */
class ByteMap {
  readonly #width: number;
  readonly #mask: number;
  readonly #keys: Uint8Array;
  readonly #used: Uint8Array;
  readonly #values: Int32Array;

  constructor(width: number, members: readonly { readonly bytes: Uint8Array; readonly value: number }[]) {
    let capacity = 8;
    while (capacity < members.length * 2) capacity *= 2;
    this.#width = width;
    this.#mask = capacity - 1;
    this.#keys = new Uint8Array(capacity * width);
    this.#used = new Uint8Array(capacity);
    this.#values = new Int32Array(capacity);
    for (const { bytes, value } of members) {
      const slot = this.#find(bytes, 0);
      if (this.#used[slot] === 1) continue; // a repeated member keeps its first value
      this.#used[slot] = 1;
      this.#keys.set(bytes, slot * width);
      this.#values[slot] = value;
    }
  }

  /** The member's value, or -1 when the bytes at offset are no member. */
  get(bytes: Uint8Array, offset: number): number {
    const slot = this.#find(bytes, offset);
    return this.#used[slot] === 1 ? this.#values[slot]! : -1;
  }

  /** The slot holding the key, or the empty slot where it would go: the table is never full. */
  #find(bytes: Uint8Array, offset: number): number {
    const width = this.#width;
    let hash = 0x811c9dc5; // FNV-1a
    for (let i = 0; i < width; i++) hash = Math.imul(hash ^ bytes[offset + i]!, 0x01000193);
    for (let slot = hash & this.#mask; ; slot = (slot + 1) & this.#mask) {
      if (this.#used[slot] === 0) return slot;
      let i = 0;
      const base = slot * width;
      while (i < width && this.#keys[base + i] === bytes[offset + i]) i++;
      if (i === width) return slot;
    }
  }
}

/** The addresses this node answers for; replaced as a whole on every leadership change. */
export class LedAddresses {
  #v4 = new ByteMap(4, []);
  #v6 = new ByteMap(16, []);
  #size = 0;

  set(ips: readonly IP[]): void {
    const members = ips.map((ip, value) => ({ bytes: ipToBytes(ip), value }));
    this.#v4 = new ByteMap(
      4,
      members.filter((m) => m.bytes.length === 4),
    );
    this.#v6 = new ByteMap(
      16,
      members.filter((m) => m.bytes.length === 16),
    );
    this.#size = new Set(ips.map((ip) => `${ip.family}/${ip.value}`)).size;
  }

  /**
   * The position (first, if repeated) in the list set() got of the address in bytes[offset, offset +
   * length); -1 when it is not led or those bytes are not all there.
   */
  indexOf(bytes: Uint8Array, offset: number, length: 4 | 16): number {
    if (offset < 0 || offset + length > bytes.length) return -1;
    return length === 4 ? this.#v4.get(bytes, offset) : this.#v6.get(bytes, offset);
  }

  /** Whether the address in bytes[offset, offset + length) is led; false if those bytes are not all there. */
  has(bytes: Uint8Array, offset: number, length: 4 | 16): boolean {
    return this.indexOf(bytes, offset, length) >= 0;
  }

  get size(): number {
    return this.#size;
  }
}

export function answerFrame(frame: Uint8Array, ourMac: Uint8Array, led: LedAddresses): Verdict {
  if (frame.length < ethernetHeaderLength) return drop('ethernet truncated');
  if (isMulticastMac(frame, 6)) return drop('source mac multicast');
  if (isZeroMac(frame, 6)) return drop('source mac zero');
  if (macEquals(frame, 6, ourMac, 0)) return ignore('sent by us');
  const etherType = readUint16(frame, 12);
  if (etherType === etherTypeArp) return answerArp(frame, ourMac, led);
  if (etherType === etherTypeIPv6) return answerNeighborDiscovery(frame, ourMac, led);
  return ignore('other ethertype');
}

function answerArp(frame: Uint8Array, ourMac: Uint8Array, led: LedAddresses): Verdict {
  const arp = parseArp(frame, ethernetHeaderLength);
  if (typeof arp === 'string') return drop(arp);
  if (!isBroadcastMac(frame, 0) && !macEquals(frame, 0, ourMac, 0)) return ignore('not addressed to us');
  const { senderMac, senderIp, targetIp } = arp;
  if (isMulticastMac(senderMac, 0) || isZeroMac(senderMac, 0)) return drop('arp sender mac invalid');
  if (isMartianSource(senderIp)) return drop('arp sender ip martian');
  const announcement = sameBytes(senderIp, targetIp, 4);
  if (arp.operation === arpOperationRequest && !announcement) {
    const ledIndex = led.indexOf(targetIp, 0, 4);
    if (ledIndex >= 0) return { kind: 'reply', frame: arpReplyFrame(arp, ourMac), ledIndex };
  }
  if (led.has(senderIp, 0, 4) && !macEquals(senderMac, 0, ourMac, 0)) return ignore('address conflict');
  if (announcement) return ignore('gratuitous');
  if (arp.operation !== arpOperationRequest) return ignore('not a request');
  return ignore('not led');
}

function answerNeighborDiscovery(frame: Uint8Array, ourMac: Uint8Array, led: LedAddresses): Verdict {
  const message = parseNeighborDiscovery(frame, ethernetHeaderLength);
  if (message === notNeighborDiscovery) return ignore(message);
  if (typeof message === 'string') return drop(message);
  if (!macEquals(frame, 0, ourMac, 0) && !isMulticastMacOf(frame, message.destination)) {
    return ignore('not addressed to us');
  }
  if (message.type !== icmpv6TypeNeighborSolicitation) {
    const claimant = message.targetLinkLayer ?? frame.subarray(6, 12);
    if (led.has(message.target, 0, 16) && !macEquals(claimant, 0, ourMac, 0))
      return ignore('address conflict');
    return ignore('not a request');
  }
  const dad = isUnspecified(message.source, 0);
  const multicast = isIPv6Multicast(message.destination, 0);
  if (!dad && multicast && message.sourceLinkLayer === undefined) {
    return drop('multicast solicitation without source link-layer option');
  }
  const replyMac = message.sourceLinkLayer ?? frame.subarray(6, 12);
  if (isMulticastMac(replyMac, 0) || isZeroMac(replyMac, 0)) return drop('ndp link-layer address invalid');
  const ledIndex = led.indexOf(message.target, 0, 16);
  if (ledIndex >= 0 && !sameBytes(message.source, message.target, 16)) {
    return { kind: 'reply', frame: solicitedAdvertisementFrame(message, replyMac, ourMac), ledIndex };
  }
  if (led.has(message.source, 0, 16) && !macEquals(replyMac, 0, ourMac, 0)) return ignore('address conflict');
  return ignore('not led');
}

/** Announces ip at ourMac: the frames to send on every interface when this node becomes its leader. */
export function gratuitousFrames(ip: IP, ourMac: Uint8Array): Uint8Array[] {
  const bytes = ipToBytes(ip);
  return ip.family === 4
    ? gratuitousArpFrames(bytes, ourMac)
    : [unsolicitedAdvertisementFrame(bytes, ourMac)];
}

function isBroadcastMac(bytes: Uint8Array, offset: number): boolean {
  for (let i = 0; i < 6; i++) if (bytes[offset + i] !== 0xff) return false;
  return true;
}

/** 33:33 and the low 32 bits of a multicast IPv6 destination (RFC 2464 §7). */
function isMulticastMacOf(frame: Uint8Array, destination: Uint8Array): boolean {
  return (
    isIPv6Multicast(destination, 0) &&
    frame[0] === 0x33 &&
    frame[1] === 0x33 &&
    frame[2] === destination[12] &&
    frame[3] === destination[13] &&
    frame[4] === destination[14] &&
    frame[5] === destination[15]
  );
}

/**
 * Sources Linux's route check rejects before it answers: 0.0.0.0/8 except 0.0.0.0 itself (the probe),
 * loopback, multicast, class E and the limited broadcast.
 */
function isMartianSource(ip: Uint8Array): boolean {
  const first = ip[0]!;
  if (first === 0) return ip[1] !== 0 || ip[2] !== 0 || ip[3] !== 0;
  return first === 127 || first >= 224;
}

function sameBytes(a: Uint8Array, b: Uint8Array, length: number): boolean {
  for (let i = 0; i < length; i++) if (a[i] !== b[i]) return false;
  return true;
}
