// The main thread's handle on ARP/NDP answering: it owns the worker thread (announcer-worker.ts) and
// turns its messages into promises. Which IPs to answer for is decided elsewhere (elections); this only
// makes the network hear about them.
import { Worker } from 'node:worker_threads';
import { type IP, ipKey } from '../../common/ip-address.ts';
import { workerEntry } from '../../common/module-location.ts';
import { defaultTiming, type Timing } from '../membership/timing.ts';
import type {
  AnnouncerEvent,
  AnnouncerInterface,
  AnnouncerRequest,
  AnnouncerStats,
  AnnouncerWorkerData,
} from './announcer-messages.ts';
import { MainThreadFence } from './main-thread-fence.ts';

export type { AnnouncerInterface, AnnouncerStats, IpCounters } from './announcer-messages.ts';

type Pending = { resolve: (event: AnnouncerEvent & { op: 'done' }) => void; reject: (error: Error) => void };
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

export interface AnnouncerOptions {
  /** Called once if the worker thread dies; every pending and later call rejects as well. */
  readonly onError?: (error: Error) => void;
  /** The worker stopped answering because this thread was silent too long; resume() when it is safe. */
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
  readonly #worker: Worker;
  /** Shared with the worker: this thread's beat and whether answering is stopped (main-thread-fence.ts). */
  readonly #fence: MainThreadFence;
  /** Beats by itself, unless the caller does (AnnouncerOptions.beatsFromCaller). */
  readonly #beat: NodeJS.Timeout | undefined;
  readonly #onFenced: (() => void) | undefined;
  readonly #pending = new Map<number, Pending>();
  #nextId = 1;
  #stopped: Error | undefined;
  #closing = false;

  private constructor(worker: Worker, fence: MainThreadFence, options: AnnouncerOptions) {
    this.#worker = worker;
    this.#fence = fence;
    const { onError, onFenced } = options;
    this.#onFenced = onFenced;
    fence.stamp();
    this.#beat = options.beatsFromCaller
      ? undefined
      : setInterval(() => this.beat(), (options.fence ?? defaultTiming).beatIntervalMs).unref();
    const stop = (error: Error): void => {
      if (this.#stopped !== undefined) return;
      this.#stopped = error;
      clearInterval(this.#beat);
      for (const pending of this.#pending.values()) pending.reject(error);
      this.#pending.clear();
      if (!this.#closing) onError?.(error);
    };
    worker.on('message', (event: AnnouncerEvent) => {
      if (event.op === 'fenced') onFenced?.();
      if (event.op !== 'done') return;
      const pending = this.#pending.get(event.id);
      this.#pending.delete(event.id);
      pending?.resolve(event);
    });
    worker.on('error', (error) => stop(new Error(`announcer worker failed: ${error.message}`)));
    worker.on('exit', (code) => stop(new Error(`announcer worker exited with code ${code}`)));
  }

  /**
   * Starts answering on the given interfaces (for no IP yet). Resolves once every socket is open;
   * rejects naming the interface when one cannot be opened (missing CAP_NET_RAW, no such interface).
   */
  static start(
    interfaces: readonly AnnouncerInterface[],
    options: AnnouncerOptions = {},
  ): Promise<Announcer> {
    const fenceCell = MainThreadFence.sharedCell();
    const { fenceAfterMs } = options.fence ?? defaultTiming;
    const workerData: AnnouncerWorkerData = { interfaces, fenceCell, fenceAfterMs };
    const worker = new Worker(workerEntry('speaker/packet-io/announcer-worker.ts'), { workerData });
    return new Promise((resolve, reject) => {
      const onStartError = (error: Error): void =>
        reject(new Error(`announcer worker failed: ${error.message}`));
      const onStartExit = (code: number): void =>
        reject(new Error(`announcer worker exited with code ${code} before it was ready`));
      worker.once('error', onStartError);
      worker.once('exit', onStartExit);
      worker.once('message', (event: AnnouncerEvent) => {
        worker.off('error', onStartError);
        worker.off('exit', onStartExit);
        if (event.op === 'ready')
          resolve(new Announcer(worker, new MainThreadFence(fenceCell, fenceAfterMs), options));
        else if (event.op === 'failed') reject(new Error(`announcer cannot start: ${event.message}`));
        else reject(new Error(`announcer worker sent ${event.op} before ready`));
      });
    });
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
    await this.#request({ op: 'setLed', ips, restrictTo });
  }

  /**
   * Replaces the interfaces answered on (say, after a rescan of /sys/class/net): unchanged ones keep
   * their sockets, ones with a new MAC are reopened. Rejects naming each interface that could not be
   * opened; the others are in place regardless.
   */
  async setInterfaces(interfaces: readonly AnnouncerInterface[]): Promise<void> {
    await this.#request({ op: 'setInterfaces', interfaces });
  }

  /**
   * Gratuitous ARP (request and reply forms) or unsolicited NA to ff02::1 for each IP (in the led
   * set): now and every 1.1 s for 5 s, or until the IP leaves the led set. One message for all: a
   * takeover of thousands of Services is one round trip to the worker, not one each.
   */
  async announce(ips: readonly IP[]): Promise<void> {
    if (ips.length > 0) await this.#request({ op: 'announce', ips });
  }

  /**
   * Asks the segment who has each target (ARP request or NS, from `from`, the node's own address) on
   * every interface: the peers' kernels answer and learn this node's address in one exchange.
   */
  async solicit(from: IP, targets: readonly IP[]): Promise<void> {
    if (targets.length > 0) await this.#request({ op: 'solicit', from, targets });
  }

  /**
   * Tells the answering thread this thread is alive. A stall that ended before the worker had a
   * request to refuse is found here, at the first beat after it.
   */
  beat(): void {
    if (this.#fence.beat() === 'newly-fenced') this.#onFenced?.();
  }

  /** Answers again after a fence; false while this thread's own beat is overdue (it stalled again). */
  resume(): boolean {
    return this.#fence.resume();
  }

  async stats(): Promise<AnnouncerStats> {
    const event = await this.#request({ op: 'stats' });
    return event.stats!;
  }

  /** Closes the sockets and ends the worker; safe to call more than once. */
  async close(): Promise<void> {
    if (this.#stopped !== undefined) return;
    const exited = new Promise((resolve) => this.#worker.once('exit', resolve));
    this.#closing = true;
    clearInterval(this.#beat);
    await this.#request({ op: 'close' }).catch(() => undefined);
    await exited;
  }

  #request(request: DistributiveOmit<AnnouncerRequest, 'id'>): Promise<AnnouncerEvent & { op: 'done' }> {
    if (this.#stopped !== undefined) return Promise.reject(this.#stopped);
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, {
        resolve: (event) => (event.error === undefined ? resolve(event) : reject(new Error(event.error))),
        reject,
      });
      this.#worker.postMessage({ ...request, id } as AnnouncerRequest);
    });
  }
}
