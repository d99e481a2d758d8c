// The Announcer's interfaces and counters, shared by the answering code and the speaker's metrics.

export interface AnnouncerInterface {
  readonly name: string;
  /** Lower-case colon-separated MAC of the interface: the one every reply carries. */
  readonly mac: string;
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
