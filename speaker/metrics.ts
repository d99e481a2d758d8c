// The speaker's Prometheus metrics. Names and labels of the metallb_* ones are MetalLB's
// (speaker/main.go and internal/layer2/stats.go), so existing dashboards and alerts keep working.

import { Counter, Gauge, type Registry } from 'prom-client';
import type { AnnouncerStats, IpCounters } from './packet-io/announcer.ts';

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
  /** Services planned; with apiWrites, shows a change costs work for what it touched only. */
  readonly servicesPlanned: Counter;
  readonly apiWrites: Counter<'resource' | 'verb'>;
}

type Series = readonly (readonly [labels: Record<string, string>, value: number])[];

/**
 * Registers the speaker's metrics on `registry`. The MetalLB-named layer2 counters carry MetalLB's
 * ip label; the announcer keeps counts only for IPs it leads now, so an IP no longer announced
 * loses its series at the next scrape.
 */
export function registerSpeakerMetrics(registry: Registry, sources: SpeakerMetricSources): SpeakerMetrics {
  const registers = [registry];
  let pending: Promise<AnnouncerStats | undefined> | undefined;
  // One stats snapshot per scrape, shared by every metric that needs it, so they agree.
  const stats = (): Promise<AnnouncerStats | undefined> => {
    pending ??= sources.announcerStats().finally(() => {
      setImmediate(() => {
        pending = undefined;
      });
    });
    return pending;
  };
  /** A counter whose series are read from a source at each scrape; none while the source has nothing. */
  const countersFrom = <S>(
    name: string,
    help: string,
    labelNames: readonly string[],
    source: () => Promise<S | undefined> | S | undefined,
    series: (current: S) => Series,
  ) =>
    new Counter({
      name,
      help,
      labelNames,
      registers,
      async collect() {
        const current = await Promise.resolve()
          .then(source)
          .catch(() => undefined);
        if (current === undefined) return;
        this.reset();
        for (const [labels, value] of series(current)) this.inc(labels, value);
      },
    });
  const byLabel = (label: string, values: Readonly<Record<string, number>>): Series =>
    Object.entries(values).map(([key, value]) => [{ [label]: key }, value] as const);
  const byIp = (pick: (counters: IpCounters) => number) => (current: AnnouncerStats) =>
    Object.entries(current.byIp).map(([ip, counters]) => [{ ip }, pick(counters)] as const);

  countersFrom(
    'metallb_layer2_requests_received',
    'Number of layer2 requests received for owned IPs',
    ['ip'],
    stats,
    byIp((c) => c.requestsReceived),
  );
  countersFrom(
    'metallb_layer2_responses_sent',
    'Number of layer2 responses sent for owned IPs in response to requests',
    ['ip'],
    stats,
    byIp((c) => c.responsesSent),
  );
  countersFrom(
    'metallb_layer2_gratuitous_sent',
    'Number of gratuitous layer2 packets sent for owned IPs as a result of failovers',
    ['ip'],
    stats,
    byIp((c) => c.gratuitousSent),
  );
  countersFrom(
    'baremetal_lb_speaker_packets_dropped_total',
    'ARP/NDP frames dropped as malformed or suspicious, by reason',
    ['reason'],
    stats,
    (s) => byLabel('reason', s.dropped),
  );
  countersFrom(
    'baremetal_lb_speaker_packets_ignored_total',
    'Well-formed ARP/NDP frames not answered (not for a led IP), by reason',
    ['reason'],
    stats,
    (s) => byLabel('reason', s.ignored),
  );
  countersFrom(
    'baremetal_lb_speaker_send_errors_total',
    'Frames the kernel refused to send',
    [],
    stats,
    (s) => [[{}, s.sendErrors]],
  );
  countersFrom(
    'baremetal_lb_speaker_failure_detector_events_total',
    'Failure detector events: suspicions, deaths, refutations, unknownSender, misdirectedPing, foreignAck, ownStalls',
    ['event'],
    sources.detector,
    (d) => byLabel('event', d.counters),
  );
  countersFrom(
    'baremetal_lb_speaker_failure_detector_datagrams_dropped_total',
    'Failure detector datagrams dropped before the state machine, by reason',
    ['reason'],
    sources.detector,
    (d) => byLabel('reason', d.dropped),
  );
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
    servicesPlanned: new Counter({
      name: 'baremetal_lb_speaker_services_planned_total',
      help: 'Services planned (which node announces them). A change to one Service plans that Service; a node, peer or config change plans them all.',
      registers,
    }),
    apiWrites: new Counter({
      name: 'baremetal_lb_speaker_api_writes_total',
      help: 'Writes this speaker made to the Kubernetes API, by resource and verb (Events are not counted here).',
      labelNames: ['resource', 'verb'],
      registers,
    }),
  };
}
