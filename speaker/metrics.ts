// The speaker's Prometheus metrics. Names and labels of the first four are MetalLB's
// (speaker/main.go and internal/layer2/stats.go), so existing dashboards and alerts keep working.

import { Counter, Gauge, type Registry } from 'prom-client';
import type { AnnouncerStats } from './packet-io/announcer.ts';

export interface SpeakerMetricSources {
  /** The announcer's counters; undefined while it is not running. */
  readonly announcerStats: () => Promise<AnnouncerStats | undefined>;
  /** The failure detector's counters and datagram drops; undefined when it is off. */
  readonly detector: () =>
    | {
        readonly counters: Readonly<Record<string, number>>;
        readonly dropped: Readonly<Record<string, number>>;
        readonly members: readonly { readonly state: string }[];
      }
    | undefined;
}

export interface SpeakerMetrics {
  /** metallb_speaker_announced{service,protocol,node,ip}: 1 while this node announces the IP. */
  readonly announced: Gauge<'service' | 'protocol' | 'node' | 'ip'>;
}

/**
 * Registers the speaker's metrics on `registry`. The announcer counts requests, responses and
 * gratuitous frames in total, not per IP, so the MetalLB-named counters carry one series without
 * MetalLB's ip label: sum() over them reads the same as over MetalLB's.
 */
export function registerSpeakerMetrics(registry: Registry, sources: SpeakerMetricSources): SpeakerMetrics {
  const registers = [registry];
  let pending: Promise<AnnouncerStats | undefined> | undefined;
  // One stats round trip to the worker per scrape, shared by every metric that needs it.
  const stats = (): Promise<AnnouncerStats | undefined> => {
    pending ??= sources.announcerStats().finally(() => {
      setImmediate(() => {
        pending = undefined;
      });
    });
    return pending;
  };
  const totalCounter = (name: string, help: string, pick: (s: AnnouncerStats) => number) =>
    new Counter({
      name,
      help,
      registers,
      async collect() {
        const current = await stats().catch(() => undefined);
        if (!current) return;
        this.reset();
        this.inc(pick(current));
      },
    });
  const byReason = (name: string, help: string, pick: (s: AnnouncerStats) => Record<string, number>) =>
    new Counter({
      name,
      help,
      labelNames: ['reason'],
      registers,
      async collect() {
        const current = await stats().catch(() => undefined);
        if (!current) return;
        this.reset();
        for (const [reason, value] of Object.entries(pick(current))) this.inc({ reason }, value);
      },
    });

  totalCounter(
    'metallb_layer2_requests_received',
    'Number of layer2 requests received for owned IPs',
    (s) => s.requestsReceived,
  );
  totalCounter(
    'metallb_layer2_responses_sent',
    'Number of layer2 responses sent for owned IPs in response to requests',
    (s) => s.responsesSent,
  );
  totalCounter(
    'metallb_layer2_gratuitous_sent',
    'Number of gratuitous layer2 packets sent for owned IPs as a result of failovers',
    (s) => s.gratuitousSent,
  );
  byReason(
    'baremetal_lb_speaker_packets_dropped_total',
    'ARP/NDP frames dropped as malformed or suspicious, by reason',
    (s) => s.dropped,
  );
  byReason(
    'baremetal_lb_speaker_packets_ignored_total',
    'Well-formed ARP/NDP frames not answered (not for a led IP), by reason',
    (s) => s.ignored,
  );
  new Counter({
    name: 'baremetal_lb_speaker_send_errors_total',
    help: 'Frames the kernel refused to send',
    registers,
    async collect() {
      const current = await stats().catch(() => undefined);
      if (!current) return;
      this.reset();
      this.inc(current.sendErrors);
    },
  });

  new Counter({
    name: 'baremetal_lb_speaker_failure_detector_events_total',
    help: 'Failure detector events: suspicions, deaths, refutations, unknownSender, misdirectedPing',
    labelNames: ['event'],
    registers,
    collect() {
      const detector = sources.detector();
      if (!detector) return;
      this.reset();
      for (const [event, value] of Object.entries(detector.counters)) this.inc({ event }, value);
    },
  });
  new Counter({
    name: 'baremetal_lb_speaker_failure_detector_datagrams_dropped_total',
    help: 'Failure detector datagrams dropped before the state machine, by reason',
    labelNames: ['reason'],
    registers,
    collect() {
      const detector = sources.detector();
      if (!detector) return;
      this.reset();
      for (const [reason, value] of Object.entries(detector.dropped)) this.inc({ reason }, value);
    },
  });
  new Gauge({
    name: 'baremetal_lb_speaker_failure_detector_members',
    help: 'Peer speakers by the failure detector state this node holds for them',
    labelNames: ['state'],
    registers,
    collect() {
      const detector = sources.detector();
      if (!detector) return;
      this.reset();
      for (const state of ['pending', 'alive', 'suspect', 'dead', 'left']) {
        this.set({ state }, detector.members.filter((m) => m.state === state).length);
      }
    },
  });

  return {
    announced: new Gauge({
      name: 'metallb_speaker_announced',
      help: 'Services being announced from this node. This is desired state, it does not guarantee that the routing protocols have converged.',
      labelNames: ['service', 'protocol', 'node', 'ip'],
      registers,
    }),
  };
}
