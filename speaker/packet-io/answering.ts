// ARP/NDP answering: the links it answers on, the IPs it answers for and their counters, gratuitous
// bursts, and the fence that silences it after a stall of the thread. The Announcer runs it on real
// packet sockets; tests run it on fake ones.
import { type IP, ipKey } from '../../common/ip-address.ts';
import { arpRequest, neighborSolicitation } from '../packets/neighbor-requests.ts';
import { dropReasons, gratuitousFrames, ignoreReasons } from '../packets/responder.ts';
import type { AnnouncerInterface, AnnouncerStats, IpCounters } from './announcer-types.ts';
import {
  closeLink,
  type Link,
  linkKey,
  type OpenSocket,
  openLink,
  type Stats,
  updateGroups,
} from './answering-links.ts';
import type { MainThreadFence } from './main-thread-fence.ts';

/** RFC 5227 / MetalLB habit: repeat gratuitous announcements so one lost frame doesn't strand clients. */
const burstInterval = 1100;
const burstLength = 5000;

export interface AnsweringOptions {
  readonly openSocket: OpenSocket;
  /** Beaten by the failure detector's ticks (through the Announcer), which also resumes it. */
  readonly fence: MainThreadFence;
  /** A packet or a burst found the fence closing (the speaker recovers once it knows what it leads). */
  readonly onFenced: () => void;
}

export class Answering {
  readonly #options: AnsweringOptions;
  readonly #links: Link[] = [];
  readonly #stats: Stats = {
    sendErrors: 0,
    // Every reason from the start, so metrics show zero series rather than none.
    ignored: Object.fromEntries(ignoreReasons.map((reason) => [reason, 0])),
    dropped: Object.fromEntries(dropReasons.map((reason) => [reason, 0])),
  };
  /** Counters of the led IPs by ipKey, shared by every link that answers for the IP. */
  #ipCounters = new Map<string, IpCounters>();
  /** What setLed last said, applied to links opened later too. */
  #wantedLed: { ips: readonly IP[]; restrictTo: ReadonlyMap<string, readonly string[]> } = {
    ips: [],
    restrictTo: new Map(),
  };
  /** Pending gratuitous bursts by ipKey, so a repeated announce restarts instead of doubling. */
  readonly #bursts = new Map<string, NodeJS.Timeout>();

  constructor(options: AnsweringOptions) {
    this.#options = options;
  }

  /** Whether to stay silent: the thread's beat has been missing too long (main-thread-fence.ts). */
  fenced(): boolean {
    const state = this.#options.fence.check();
    if (state === 'newly-fenced') this.#options.onFenced();
    return state !== 'open';
  }

  stats(): AnnouncerStats {
    return { ...this.#stats, byIp: Object.fromEntries(this.#ipCounters) };
  }

  /**
   * Keeps the links whose name and MAC are unchanged, closes the others and opens the new ones with
   * the current led set. A link that cannot be opened is reported after all the others are in place.
   */
  setInterfaces(wanted: readonly AnnouncerInterface[]): void {
    const wantedKeys = new Set(wanted.map(linkKey));
    for (const link of this.#links.filter((l) => !wantedKeys.has(l.key))) {
      closeLink(link);
      this.#links.splice(this.#links.indexOf(link), 1);
    }
    const failures: string[] = [];
    for (const iface of wanted) {
      if (this.#links.some((l) => l.key === linkKey(iface))) continue;
      try {
        const link = openLink(iface, this.#options.openSocket, this.#stats, () => this.fenced());
        this.#links.push(link);
        this.#applyLed(link);
      } catch (error) {
        failures.push((error as Error).message);
      }
    }
    if (failures.length > 0) throw new Error(failures.join('; '));
  }

  setLed(ips: readonly IP[], restrictTo: ReadonlyMap<string, readonly string[]>): void {
    this.#wantedLed = { ips, restrictTo };
    const zero = (): IpCounters => ({ requestsReceived: 0, responsesSent: 0, gratuitousSent: 0 });
    this.#ipCounters = new Map(ips.map(ipKey).map((key) => [key, this.#ipCounters.get(key) ?? zero()]));
    for (const link of this.#links) this.#applyLed(link);
    for (const [key, timer] of this.#bursts) {
      if (this.#links.some((link) => link.ledKeys.has(key))) continue;
      clearTimeout(timer);
      this.#bursts.delete(key);
    }
  }

  /** Gratuitous frames now and every 1.1 s for 5 s, or until the IP is no longer led. */
  announce(ip: IP): void {
    const key = ipKey(ip);
    clearTimeout(this.#bursts.get(key));
    const started = Date.now();
    const tick = (): void => {
      const more = this.#sendGratuitous(ip, key) && Date.now() - started + burstInterval < burstLength;
      if (more) this.#bursts.set(key, setTimeout(tick, burstInterval));
      else this.#bursts.delete(key);
    };
    tick();
  }

  /** Who-has requests for each target of from's family, on every link; none while fenced. */
  solicit(from: IP, targets: readonly IP[]): void {
    if (this.fenced()) return;
    for (const link of this.#links) {
      for (const target of targets) {
        if (target.family !== from.family) continue;
        const frame =
          from.family === 4
            ? arpRequest(link.mac, from, target)
            : neighborSolicitation(link.mac, from, target);
        try {
          (from.family === 4 ? link.arp : link.ndp).send(frame);
        } catch {
          this.#stats.sendErrors++;
        }
      }
    }
  }

  close(): void {
    for (const timer of this.#bursts.values()) clearTimeout(timer);
    this.#bursts.clear();
    for (const link of this.#links) closeLink(link);
    this.#links.length = 0;
  }

  #applyLed(link: Link): void {
    const { ips, restrictTo } = this.#wantedLed;
    const onLink = ips.filter((ip) => restrictTo.get(ipKey(ip))?.includes(link.name) ?? true);
    const keys = onLink.map(ipKey);
    link.led.set(onLink);
    link.ledKeys = new Set(keys);
    link.ledCounters = keys.map((key) => this.#ipCounters.get(key)!);
    updateGroups(link, onLink);
  }

  /** Sends the gratuitous frames on every link that answers for ip; false when none does any more. */
  #sendGratuitous(ip: IP, key: string): boolean {
    let leading = false;
    for (const link of this.#links) {
      if (!link.ledKeys.has(key)) continue;
      leading = true;
      if (this.fenced()) continue;
      const counters = this.#ipCounters.get(key)!; // a link answers for it, so setLed gave it counters
      const socket = ip.family === 4 ? link.arp : link.ndp;
      for (const frame of gratuitousFrames(ip, link.mac)) {
        try {
          socket.send(frame);
          counters.gratuitousSent++;
        } catch {
          this.#stats.sendErrors++;
        }
      }
    }
    return leading;
  }
}
