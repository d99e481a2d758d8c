// Timing of the failure detector. Goal: every live speaker agrees a dead one is dead within 1 s,
// while 10-20 % packet loss causes no false alarm. Budget for a crash, from kill to agreement:
//
//   wait until someone probes it   ~P·ln 2 median, ~P·ln 100 p99 (N-1 members probe in shuffled
//                                   round-robin, so the first probe is the minimum of N-1 waits)
//   direct ping unanswered          ackTimeout
//   ping-req via k helpers          until probeTimeout
//   suspicion                       suspicionTimeout (everyone runs it from the same broadcast)
//   "dead" broadcast                one LAN hop
//
// With P = 50 ms that is ≈ 35 + 150 + 400 ≈ 0.6 s median and ≈ 230 + 150 + 400 ≈ 0.8 s p99.
//
// Against false alarms: a probe fails only if both direct pings (or their acks) and all k indirect
// paths (4 hops each) fail — at 20 % loss 0.36² · 0.59³ ≈ 2.7 % of probes, at 10 % 0.15 %. Failed
// probes only raise a suspicion; the suspect learns of it (pinged with the news every period by all
// who suspect it) and refutes with a higher incarnation, which reaches everyone directly and by
// gossip long before the suspicion timeout. A death therefore needs ~8 consecutive round-trips
// lost, which the simulation never sees at 20 % loss.

export interface Timing {
  /** A new probe of the next member in the shuffled round-robin every this often. */
  readonly probeIntervalMs: number;
  /** No direct ack by then → a second direct ping plus ping-req via indirectProbes helpers. */
  readonly ackTimeoutMs: number;
  /** No ack by then, direct or relayed → suspect. Above ackTimeout plus two LAN round trips. */
  readonly probeTimeoutMs: number;
  readonly indirectProbes: number;
  /** How long a suspect may refute before it is declared dead. */
  readonly suspicionTimeoutMs: number;
  /** Dead and not-yet-heard-from peers are pinged this often, so healed partitions and late starters rejoin. */
  readonly reconnectIntervalMs: number;
  /**
   * ...and this often while they are at least as many as the live ones (self included): the cut-off
   * side of a partition, which may still be answering for addresses the other side took over. Each
   * such round also asks the segment for those peers' addresses (ARP/NDP), so the kernels on both
   * sides need not wait up to a second to resolve each other once it heals: the sides hear from
   * each other within about this long, and two nodes answer for an address about that long. The
   * cost, a datagram and a broadcast per dead peer per period, lasts while cut off (and, in a
   * two-node cluster, while the other node is down).
   */
  readonly outnumberedReconnectMs: number;
  /**
   * A member whose failure would move no address (it announces nothing, as far as this node's plans
   * say) is probed only every this many rounds; the others every round. Detecting an announcer's
   * crash is what failover waits for, and it keeps the full pace; the slower pace elsewhere is most
   * of an idle cluster's datagrams (test/unit/membership/calm-members.test.ts; README, "Failover").
   */
  readonly calmProbeRounds: number;
  /** Each periodic gossip goes to this many random members. */
  readonly gossipFanout: number;
  /** An update is piggybacked this many times × ⌈log2(members+1)⌉. */
  readonly retransmitMultiplier: number;
  /** Updates per message, keeping datagrams well under one Ethernet MTU. */
  readonly maxPiggyback: number;
  /**
   * A tick later than this after the previous one means our own process stalled (GC, busy event
   * loop): acks may sit unread in the socket buffer, so deadlines are pushed back instead of
   * blaming peers for our own pause.
   */
  readonly stallThresholdMs: number;
  /** settled() turns true at the latest this long after start, even if some peers never answer. */
  readonly settleTimeoutMs: number;
  /**
   * How often the detector's ticks beat the answering's stall fence (packet-io/main-thread-fence.ts):
   * the detector ticks at least this often even when no probe is due.
   */
  readonly beatIntervalMs: number;
  /**
   * Beat silence after which answering stops (a stall). Plus one beat it must stay below
   * the earliest the peers can declare this node dead, probeTimeout + suspicionTimeout.
   */
  readonly fenceAfterMs: number;
}

export const defaultTiming: Timing = {
  probeIntervalMs: 50,
  ackTimeoutMs: 60,
  probeTimeoutMs: 150,
  indirectProbes: 3,
  suspicionTimeoutMs: 400,
  reconnectIntervalMs: 250,
  outnumberedReconnectMs: 40,
  calmProbeRounds: 5,
  gossipFanout: 3,
  retransmitMultiplier: 3,
  maxPiggyback: 12,
  stallThresholdMs: 60,
  settleTimeoutMs: 1000,
  beatIntervalMs: 100,
  fenceAfterMs: 300,
};

/**
 * `--timing fast`: the same protocol at about 2.5× the pace, for segments where failover must match
 * keepalived tuned to advert_int 0.1. A crash is agreed in ≈ 10 + 70 + 150 ≈ 0.23 s median; the
 * cost is 2.5× the probe datagrams, and a main-thread stall of 100 ms (not 300) fences the answering
 * thread. bench/failover-detection.ts shows it against loss, false deaths included.
 */
export const fastTiming: Timing = {
  ...defaultTiming,
  probeIntervalMs: 20,
  ackTimeoutMs: 30,
  probeTimeoutMs: 70,
  suspicionTimeoutMs: 150,
  reconnectIntervalMs: 100,
  beatIntervalMs: 30,
  fenceAfterMs: 100,
};

export const timingProfiles = { default: defaultTiming, fast: fastTiming } as const;
export type TimingProfile = keyof typeof timingProfiles;
