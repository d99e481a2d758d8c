// The speaker's handle on ARP/NDP answering. Which IPs to answer for is decided elsewhere
// (elections); this only makes the network hear about them. The answering runs on this thread,
// driven by the packet sockets' readiness in the event loop (answering.ts), and stops answering
// when this thread's own beat is overdue (main-thread-fence.ts).
import { type IP, ipKey } from '../../common/ip-address.ts';
import { defaultTiming, type Timing } from '../membership/timing.ts';
import type { AnnouncerInterface, AnnouncerStats } from './announcer-types.ts';
import { Answering } from './answering.ts';
import { MainThreadFence } from './main-thread-fence.ts';
import { openPacketSocket } from './packet-socket.ts';

export type { AnnouncerInterface, AnnouncerStats, IpCounters } from './announcer-types.ts';

export interface AnnouncerOptions {
  /** Answering stopped because this thread was silent too long; resume() when it is safe. */
  readonly onFenced?: () => void;
  /** The beat and the fence (default: the default failure-detector timing's). */
  readonly fence?: Pick<Timing, 'beatIntervalMs' | 'fenceAfterMs'>;
  /**
   * The caller calls beat() at least every beat interval (the failure detector's ticks), so no timer
   * of this class wakes the process. A refreshed timer would not do: Node still wakes at the expiry
   * its list had before the refresh, only to find nothing due.
   */
  readonly beatsFromCaller?: boolean;
}

export class Announcer {
  readonly #answering: Answering;
  readonly #fence: MainThreadFence;
  /** Beats by itself, unless the caller does (AnnouncerOptions.beatsFromCaller). */
  readonly #beat: NodeJS.Timeout | undefined;
  readonly #onFenced: (() => void) | undefined;
  #closed = false;

  private constructor(answering: Answering, fence: MainThreadFence, options: AnnouncerOptions) {
    this.#answering = answering;
    this.#fence = fence;
    this.#onFenced = options.onFenced;
    this.#beat = options.beatsFromCaller
      ? undefined
      : setInterval(() => this.beat(), (options.fence ?? defaultTiming).beatIntervalMs).unref();
  }

  /**
   * Starts answering on the given interfaces (for no IP yet). Resolves once every socket is open;
   * rejects naming the interface when one cannot be opened (missing CAP_NET_RAW, no such interface).
   */
  static async start(
    interfaces: readonly AnnouncerInterface[],
    options: AnnouncerOptions = {},
  ): Promise<Announcer> {
    const fence = new MainThreadFence((options.fence ?? defaultTiming).fenceAfterMs);
    const answering = new Answering({
      openSocket: openPacketSocket,
      fence,
      onFenced: () => options.onFenced?.(),
    });
    try {
      answering.setInterfaces(interfaces);
    } catch (error) {
      answering.close();
      throw new Error(`announcer cannot start: ${(error as Error).message}`);
    }
    return new Announcer(answering, fence, options);
  }

  /**
   * Replaces the IPs this node answers for. Once resolved, removed IPs get no more replies.
   * interfacesOf narrows an IP to some of the started interfaces (L2Advertisement.spec.interfaces);
   * undefined from it means every interface.
   */
  async setLed(ips: readonly IP[], interfacesOf?: (ip: IP) => readonly string[] | undefined): Promise<void> {
    const restrictTo = new Map<string, readonly string[]>();
    for (const ip of ips) {
      const only = interfacesOf?.(ip);
      if (only !== undefined) restrictTo.set(ipKey(ip), only);
    }
    this.#open().setLed(ips, restrictTo);
  }

  /**
   * Replaces the interfaces answered on (say, after a rescan of /sys/class/net): unchanged ones keep
   * their sockets, ones with a new MAC are reopened. Rejects naming each interface that could not be
   * opened; the others are in place regardless.
   */
  async setInterfaces(interfaces: readonly AnnouncerInterface[]): Promise<void> {
    this.#open().setInterfaces(interfaces);
  }

  /**
   * Gratuitous ARP (request and reply forms) or unsolicited NA to ff02::1 for each IP (in the led
   * set): now and every 1.1 s for 5 s, or until the IP leaves the led set.
   */
  async announce(ips: readonly IP[]): Promise<void> {
    const answering = this.#open();
    for (const ip of ips) answering.announce(ip);
  }

  /**
   * Asks the segment who has each target (ARP request or NS, from `from`, the node's own address) on
   * every interface: the peers' kernels answer and learn this node's address in one exchange.
   */
  async solicit(from: IP, targets: readonly IP[]): Promise<void> {
    if (targets.length > 0) this.#open().solicit(from, targets);
  }

  /**
   * Tells the fence this thread is alive. A stall that ended before a request came to be refused is
   * found here, at the first beat after it.
   */
  beat(): void {
    if (this.#fence.beat() === 'newly-fenced') this.#onFenced?.();
  }

  /** Answers again after a fence; false while this thread's own beat is overdue (it stalled again). */
  resume(): boolean {
    return this.#fence.resume();
  }

  async stats(): Promise<AnnouncerStats> {
    return this.#open().stats();
  }

  /** Closes the sockets; safe to call more than once. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#beat);
    this.#answering.close();
  }

  #open(): Answering {
    if (this.#closed) throw new Error('the announcer is closed');
    return this.#answering;
  }
}
