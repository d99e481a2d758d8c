// What the Announcer facade and its worker thread say to each other. IPs cross as {family, value}:
// structured clone carries bigint as is.
import type { IP } from '../../common/ip-address.ts';

export interface AnnouncerInterface {
  readonly name: string;
  /** Lower-case colon-separated MAC of the interface: the one every reply carries. */
  readonly mac: string;
}

export interface AnnouncerWorkerData {
  readonly interfaces: readonly AnnouncerInterface[];
  /** The main thread's beat and the fence flag, shared (main-thread-fence.ts). */
  readonly fenceCell: SharedArrayBuffer;
  readonly fenceAfterMs: number;
}

/** MetalLB's layer2 counters, for one led IP. */
export interface IpCounters {
  /** Requests (ARP requests, neighbour solicitations) for the IP that the responder answers. */
  requestsReceived: number;
  responsesSent: number;
  gratuitousSent: number;
}

export interface AnnouncerStats {
  /**
   * By ipKey, every IP led now; an IP that stops being led leaves with its counters, which start
   * from zero if it comes back.
   */
  byIp: Record<string, IpCounters>;
  /** Frames that could not be sent (the kernel refused them), e.g. while an interface goes down. */
  sendErrors: number;
  /** Requests not for an IP we lead, by the responder's reason. */
  ignored: Record<string, number>;
  /** Malformed or suspicious requests, by the responder's reason. */
  dropped: Record<string, number>;
}

export type AnnouncerRequest =
  | {
      readonly id: number;
      readonly op: 'setLed';
      readonly ips: readonly IP[];
      /** ipKey(ip) → the only interfaces to answer on for it; IPs not in it are answered everywhere. */
      readonly restrictTo: ReadonlyMap<string, readonly string[]>;
    }
  | { readonly id: number; readonly op: 'setInterfaces'; readonly interfaces: readonly AnnouncerInterface[] }
  | { readonly id: number; readonly op: 'announce'; readonly ips: readonly IP[] }
  /** Ask the segment who has each target (ARP request, NS), from our address `from`. */
  | { readonly id: number; readonly op: 'solicit'; readonly from: IP; readonly targets: readonly IP[] }
  | { readonly id: number; readonly op: 'stats' }
  | { readonly id: number; readonly op: 'close' };

export type AnnouncerEvent =
  | { readonly op: 'ready' }
  | { readonly op: 'failed'; readonly message: string }
  /** The main thread went silent too long: the worker stopped answering and sending. */
  | { readonly op: 'fenced' }
  | {
      readonly op: 'done';
      readonly id: number;
      readonly stats?: AnnouncerStats;
      readonly error?: string;
    };
