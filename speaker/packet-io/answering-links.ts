// One interface as the answering uses it: an ARP and an NDP socket, the IPs answered there,
// their counters and the solicited-node groups joined. The sockets come from a factory, so the
// logic runs on fake sockets in tests, without root.
import type { IP } from '../../common/ip-address.ts';
import { answerFrame, ipv6MulticastMac, LedAddresses, solicitedNodeMulticast } from '../packets/responder.ts';
import type { AnnouncerInterface, AnnouncerStats, IpCounters } from './announcer-types.ts';
import { macToBytes } from './interfaces.ts';
import type { PacketSocket, PacketSocketKind } from './packet-socket.ts';

export type OpenSocket = (ifname: string, kind: PacketSocketKind) => PacketSocket;

export type Stats = Omit<AnnouncerStats, 'byIp'>;

const batchSlots = 64;
const slotSize = 1536; // a full 1500-byte-MTU frame; ARP and NDP requests are far smaller

export interface Link {
  /** name/MAC: a link whose MAC changed is a new link, so replies never carry a stale MAC. */
  readonly key: string;
  readonly name: string;
  readonly mac: Uint8Array;
  readonly arp: PacketSocket;
  readonly ndp: PacketSocket;
  /** The IPs answered on this link: all led IPs, less those restricted to other interfaces. */
  readonly led: LedAddresses;
  ledKeys: Set<string>;
  /** The counters of each IP in led, by its position there (the responder's ledIndex). */
  ledCounters: readonly IpCounters[];
  /** Solicited-node multicast MACs joined on this link, by their hex text. */
  readonly groups: Map<string, Uint8Array>;
}

export function linkKey({ name, mac }: AnnouncerInterface): string {
  return `${name}/${mac}`;
}

function count(table: Record<string, number>, reason: string): void {
  table[reason] = (table[reason] ?? 0) + 1;
}

/** Reads one socket's requests and answers them in batches on the same socket, unless fenced. */
function answerOn(socket: PacketSocket, link: Link, stats: Stats, fenced: () => boolean): void {
  const received = new Uint8Array(batchSlots * slotSize);
  const receivedLengths = new Uint32Array(batchSlots);
  const replies = new Uint8Array(batchSlots * slotSize);
  const replyLengths = new Uint32Array(batchSlots);
  const replyCounters = new Array<IpCounters>(batchSlots);
  socket.onFrames(received, receivedLengths, (frames) => {
    if (fenced()) {
      stats.ignored['main thread stalled'] = (stats.ignored['main thread stalled'] ?? 0) + frames;
      return;
    }
    let pending = 0;
    for (let i = 0; i < frames; i++) {
      const offset = i * slotSize;
      const answer = answerFrame(received.subarray(offset, offset + receivedLengths[i]!), link.mac, link.led);
      if (answer.kind === 'ignore') {
        count(stats.ignored, answer.reason);
      } else if (answer.kind === 'drop') {
        count(stats.dropped, answer.reason);
      } else {
        const counters = link.ledCounters[answer.ledIndex]!;
        counters.requestsReceived++;
        if (answer.frame.length > slotSize) {
          count(stats.dropped, 'reply longer than a frame slot');
          continue;
        }
        replies.set(answer.frame, pending * slotSize);
        replyCounters[pending] = counters;
        replyLengths[pending++] = answer.frame.length;
      }
    }
    if (pending === 0) return;
    const sent = socket.sendBatch(replies, slotSize, replyLengths, pending);
    // sendmmsg sends in order: the first `sent` replies went.
    for (let i = 0; i < sent; i++) replyCounters[i]!.responsesSent++;
    stats.sendErrors += pending - sent;
  });
}

/** Opens the link's two sockets and starts answering on both. */
export function openLink(
  iface: AnnouncerInterface,
  openSocket: OpenSocket,
  stats: Stats,
  fenced: () => boolean,
): Link {
  const arp = openSocket(iface.name, 'arp');
  let ndp: PacketSocket;
  try {
    ndp = openSocket(iface.name, 'ndp');
  } catch (error) {
    arp.close();
    throw error;
  }
  const link: Link = {
    key: linkKey(iface),
    name: iface.name,
    mac: macToBytes(iface.mac),
    arp,
    ndp,
    led: new LedAddresses(),
    ledKeys: new Set(),
    ledCounters: [],
    groups: new Map(),
  };
  answerOn(arp, link, stats, fenced);
  answerOn(ndp, link, stats, fenced);
  return link;
}

export function closeLink(link: Link): void {
  link.arp.close();
  link.ndp.close();
}

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(':');
}

/** Joins the solicited-node groups of the link's IPv6 addresses and leaves the ones no longer needed. */
export function updateGroups(link: Link, ips: readonly IP[]): void {
  const wanted = new Map<string, Uint8Array>();
  for (const ip of ips) {
    if (ip.family !== 6) continue;
    const mac = ipv6MulticastMac(solicitedNodeMulticast(ip));
    wanted.set(hex(mac), mac);
  }
  for (const [key, mac] of link.groups) {
    if (wanted.has(key)) continue;
    link.ndp.dropMembership(mac);
    link.groups.delete(key);
  }
  for (const [key, mac] of wanted) {
    if (link.groups.has(key)) continue;
    link.ndp.addMembership(mac);
    link.groups.set(key, mac);
  }
}
