// The worker thread that answers ARP and NDP: a tight loop of native reads, the pure responder and
// batched sends, on a thread of its own so that main-thread work (informers, elections, GC of a big
// heap) never delays a reply. Everything it knows comes from the Announcer facade by message.
import { parentPort, workerData } from 'node:worker_threads';
import { type IP, ipKey } from '../../common/ip-address.ts';
import {
  answerFrame,
  dropReasons,
  gratuitousFrames,
  ignoreReasons,
  ipv6MulticastMac,
  LedAddresses,
  solicitedNodeMulticast,
} from '../packets/responder.ts';
import type {
  AnnouncerEvent,
  AnnouncerInterface,
  AnnouncerRequest,
  AnnouncerStats,
  AnnouncerWorkerData,
  IpCounters,
} from './announcer-messages.ts';
import { macToBytes } from './interfaces.ts';
import { MainThreadFence } from './main-thread-fence.ts';
import { openPacketSocket, type PacketSocket } from './packet-socket.ts';

const batchSlots = 64;
const slotSize = 1536; // a full 1500-byte-MTU frame; ARP and NDP requests are far smaller
/** RFC 5227 / MetalLB habit: repeat gratuitous announcements so one lost frame doesn't strand clients. */
const burstInterval = 1100;
const burstLength = 5000;

const port = parentPort!;
const { interfaces, beats: beatBuffer, beatIntervalMs, fenceAfterMs } = workerData as AnnouncerWorkerData;
const beats = new Int32Array(beatBuffer);
const fence = new MainThreadFence(performance.now(), fenceAfterMs);

/** Whether to stay silent: the main thread's beat has been missing too long (see main-thread-fence.ts). */
function fenced(): boolean {
  if (fence.observe(Atomics.load(beats, 0), performance.now())) reply({ op: 'fenced' });
  return fence.fenced;
}
// Checked on a timer too, so the fence also engages while no request arrives.
const fenceCheck = setInterval(fenced, beatIntervalMs / 2);

const stats: Omit<AnnouncerStats, 'byIp'> = {
  sendErrors: 0,
  // Every reason from the start, so metrics show zero series rather than none.
  ignored: Object.fromEntries(ignoreReasons.map((reason) => [reason, 0])),
  dropped: Object.fromEntries(dropReasons.map((reason) => [reason, 0])),
};

/** Counters of the led IPs by ipKey, shared by every link that answers for the IP. */
let ipCounters = new Map<string, IpCounters>();

function count(table: Record<string, number>, reason: string): void {
  table[reason] = (table[reason] ?? 0) + 1;
}

interface Link {
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

const links: Link[] = [];
/** What setLed last said, applied to links opened later too. */
let wantedLed: { ips: readonly IP[]; restrictTo: ReadonlyMap<string, readonly string[]> } = {
  ips: [],
  restrictTo: new Map(),
};
/** Pending gratuitous bursts by IP text, so a repeated announce restarts instead of doubling. */
const bursts = new Map<string, NodeJS.Timeout>();

/** Reads one socket's requests and answers them in batches on the same socket. */
function answerOn(socket: PacketSocket, link: Link): void {
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

function linkKey({ name, mac }: AnnouncerInterface): string {
  return `${name}/${mac}`;
}

function openLink(iface: AnnouncerInterface): Link {
  const arp = openPacketSocket(iface.name, 'arp');
  let ndp: PacketSocket;
  try {
    ndp = openPacketSocket(iface.name, 'ndp');
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
  answerOn(arp, link);
  answerOn(ndp, link);
  return link;
}

/**
 * Keeps the links whose name and MAC are unchanged, closes the others and opens the new ones with the
 * current led set. A link that cannot be opened is reported after all the others are in place.
 */
function setInterfaces(wanted: readonly AnnouncerInterface[]): void {
  const wantedKeys = new Set(wanted.map(linkKey));
  for (const link of links.filter((l) => !wantedKeys.has(l.key))) {
    link.arp.close();
    link.ndp.close();
    links.splice(links.indexOf(link), 1);
  }
  const failures: string[] = [];
  for (const iface of wanted) {
    if (links.some((l) => l.key === linkKey(iface))) continue;
    try {
      const link = openLink(iface);
      links.push(link);
      applyLed(link);
    } catch (error) {
      failures.push((error as Error).message);
    }
  }
  if (failures.length > 0) throw new Error(failures.join('; '));
}

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(':');
}

/** Joins the solicited-node groups of the link's IPv6 addresses and leaves the ones no longer needed. */
function updateGroups(link: Link, ips: readonly IP[]): void {
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

function applyLed(link: Link): void {
  const onLink = wantedLed.ips.filter(
    (ip) => wantedLed.restrictTo.get(ipKey(ip))?.includes(link.name) ?? true,
  );
  const keys = onLink.map(ipKey);
  link.led.set(onLink);
  link.ledKeys = new Set(keys);
  link.ledCounters = keys.map((key) => ipCounters.get(key)!);
  updateGroups(link, onLink);
}

function setLed(ips: readonly IP[], restrictTo: ReadonlyMap<string, readonly string[]>): void {
  wantedLed = { ips, restrictTo };
  const zero = (): IpCounters => ({ requestsReceived: 0, responsesSent: 0, gratuitousSent: 0 });
  ipCounters = new Map(ips.map(ipKey).map((key) => [key, ipCounters.get(key) ?? zero()]));
  for (const link of links) applyLed(link);
  for (const [key, timer] of bursts) {
    if (links.some((link) => link.ledKeys.has(key))) continue;
    clearTimeout(timer);
    bursts.delete(key);
  }
}

/** Sends the gratuitous frames on every link that answers for ip; false when none does any more. */
function sendGratuitous(ip: IP, key: string): boolean {
  let leading = false;
  for (const link of links) {
    if (!link.ledKeys.has(key)) continue;
    leading = true;
    if (fenced()) continue;
    const counters = ipCounters.get(key)!; // a link answers for it, so setLed gave it counters
    const socket = ip.family === 4 ? link.arp : link.ndp;
    for (const frame of gratuitousFrames(ip, link.mac)) {
      try {
        socket.send(frame);
        counters.gratuitousSent++;
      } catch {
        stats.sendErrors++;
      }
    }
  }
  return leading;
}

function announce(ip: IP): void {
  const key = ipKey(ip);
  clearTimeout(bursts.get(key));
  const started = Date.now();
  const tick = (): void => {
    const more = sendGratuitous(ip, key) && Date.now() - started + burstInterval < burstLength;
    if (more) bursts.set(key, setTimeout(tick, burstInterval));
    else bursts.delete(key);
  };
  tick();
}

function close(): void {
  clearInterval(fenceCheck);
  for (const timer of bursts.values()) clearTimeout(timer);
  bursts.clear();
  for (const link of links) {
    link.arp.close();
    link.ndp.close();
  }
  links.length = 0;
}

function reply(event: AnnouncerEvent): void {
  port.postMessage(event);
}

port.on('message', (request: AnnouncerRequest) => {
  try {
    switch (request.op) {
      case 'setLed':
        setLed(request.ips, request.restrictTo);
        return reply({ op: 'done', id: request.id });
      case 'setInterfaces':
        setInterfaces(request.interfaces);
        return reply({ op: 'done', id: request.id });
      case 'announce':
        for (const ip of request.ips) announce(ip);
        return reply({ op: 'done', id: request.id });
      case 'stats':
        return reply({
          op: 'done',
          id: request.id,
          stats: { ...stats, byIp: Object.fromEntries(ipCounters) },
        });
      case 'resume':
        return reply({ op: 'done', id: request.id, resumed: fence.resume(performance.now()) });
      case 'close':
        close();
        reply({ op: 'done', id: request.id });
        port.close();
        return;
    }
  } catch (error) {
    reply({ op: 'done', id: request.id, error: (error as Error).message });
  }
});

try {
  setInterfaces(interfaces);
  reply({ op: 'ready' });
} catch (error) {
  close();
  reply({ op: 'failed', message: (error as Error).message });
  port.close();
}
