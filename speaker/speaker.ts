// The speaker: watches the cluster, agrees with its peers who is alive, plans which IPs this node
// announces (announcement-plan.ts) and drives the ARP/NDP announcer accordingly. Everything here is
// wiring; the decisions live in the pure modules it calls.

import { performance } from 'node:perf_hooks';
import type { Registry } from 'prom-client';
import { type IP, ipKey, parseIP } from '../common/ip-address.ts';
import type { ApiConnection } from '../common/kube/api-connection.ts';
import type { BackoffPolicy } from '../common/kube/backoff.ts';
import { createKubeClientMetrics } from '../common/kube/client-metrics.ts';
import { EventRecorder } from '../common/kube/event-recorder.ts';
import { type HealthServer, startHealthServer } from '../common/observability/health-server.ts';
import type { Logger } from '../common/observability/logger.ts';
import { registryWithProcessMetrics } from '../common/observability/process-metrics.ts';
import { serviceKey, splitKey } from '../common/service-fields.ts';
import { AnnouncedGauge } from './announced-gauge.ts';
import type { LedChange } from './announcement-plan.ts';
import { clusterInformers } from './cluster-informers.ts';
import { nodesWithReadySpeaker, speakerPeers } from './cluster-view.ts';
import { fenceRecovery } from './fence-recovery.ts';
import { desiredL2Status } from './l2-status.ts';
import { L2StatusWriter } from './l2-status-writer.ts';
import type { PeerAddress } from './membership/messages.ts';
import type { Timing } from './membership/timing.ts';
import { UdpTransport } from './membership/udp-transport.ts';
import { registerSpeakerMetrics } from './metrics.ts';
import { PacedRunner } from './paced-runner.ts';
import { Announcer, type AnnouncerInterface } from './packet-io/announcer.ts';
import { defaultExcludedInterfaces, readInterfaceFacts, selectInterfaces } from './packet-io/interfaces.ts';
import { startPresenceHeartbeat } from './presence-heartbeat.ts';
import { ServicePlanning } from './service-planning.ts';
import { ServiceReports } from './service-reports.ts';
import { speakerPodOwner } from './speaker-pod.ts';

export interface SpeakerOptions {
  readonly connection: ApiConnection;
  readonly logger: Logger;
  readonly nodeName: string;
  /** Namespace of the speaker Pods, the ConfigMap and the metallb.io resources. */
  readonly namespace: string;
  readonly configMapName: string;
  /** Only Services with this loadBalancerClass; unset = only Services without a class. */
  readonly lbClass?: string;
  /** Only these interfaces (they win over every exclusion). */
  readonly interfaces?: readonly string[];
  /** Name patterns excluded on top of the defaults. */
  readonly excludeInterfaces?: readonly string[];
  /** The failure detector's UDP address (peers use the same port); unset = Pod and Node readiness instead. */
  readonly failureDetector?: { readonly bind: PeerAddress; readonly secret: string };
  /** The failure detector's pace and the answering's stall fence (default: defaultTiming). */
  readonly timing?: Timing;
  /** HOST:PORT for /healthz, /readyz and /metrics; unset = no HTTP server. */
  readonly metricsAddress?: string;
  /** Repeat the gratuitous announcement of every led IP this often; unset = only on takeover. */
  readonly refreshIntervalMs?: number;
  /** How often the speaker renews its presence Lease (common/kube/speaker-presence.ts); default 5 s. */
  readonly presenceIntervalMs?: number;
  /** How often the links are re-read, to follow interfaces appearing, vanishing or changing MAC. */
  readonly interfaceRescanMs?: number;
  readonly backoff?: BackoffPolicy;
}

export interface Speaker {
  readonly registry: Registry;
  readonly metricsAddress: string | undefined;
  /** The IPs this node answers for now (ipKey text, sorted). */
  led(): string[];
  /** Graceful stop: stops answering, tells the peers it leaves, then releases everything. */
  stop(): Promise<void>;
}

const settleCheckMs = 50;

function chooseInterfaces(options: SpeakerOptions): AnnouncerInterface[] {
  const { selected, skipped } = selectInterfaces(readInterfaceFacts(), {
    exclude: [...defaultExcludedInterfaces, ...(options.excludeInterfaces ?? [])],
    ...(options.interfaces ? { allow: options.interfaces } : {}),
  });
  for (const { name, reason } of skipped)
    options.logger.debug({ interface: name, reason }, 'interface skipped');
  return selected.map(({ name, mac }) => ({ name, mac }));
}

const interfaceKey = (list: readonly AnnouncerInterface[]) => list.map((i) => `${i.name}/${i.mac}`).join(',');

export async function startSpeaker(options: SpeakerOptions): Promise<Speaker> {
  const { connection, logger, namespace, nodeName: self } = options;
  const registry = registryWithProcessMetrics();
  const clientMetrics = createKubeClientMetrics(registry);
  const backoff = options.backoff ?? { initialMs: 200, maxMs: 10_000 };
  const events = new EventRecorder({ connection, component: 'metallb-speaker', host: self, logger });
  let stopped = false;
  const runner = new PacedRunner({
    job: reconcile,
    onError: (error) => {
      clientMetrics.updateErrors.inc();
      logger.error({ err: error.message }, 'applying the announcement plan failed; retrying');
    },
    retryMs: backoff.initialMs,
  });
  const schedule = () => {
    if (!stopped) runner.schedule();
  };

  let interfaces = chooseInterfaces(options);
  if (interfaces.length === 0) logger.warn({}, 'no interface to answer on; check --interfaces');
  const recovery = fenceRecovery({
    resume: () => announcer.resume(),
    reannounce: () => announceAllLed(),
    planSettled: async () => {
      await runner.running;
    },
    logger,
  });
  const announcer = await Announcer.start(interfaces, {
    onFenced: () => recovery.onFenced(),
    ...(options.timing ? { fence: options.timing } : {}),
    beatsFromCaller: options.failureDetector !== undefined,
  });
  logger.info({ interfaces: interfaces.map((i) => i.name) }, 'answering ARP/NDP');

  let transport: UdpTransport | undefined;
  if (options.failureDetector) {
    try {
      transport = await UdpTransport.start({
        self,
        bind: options.failureDetector.bind,
        secret: options.failureDetector.secret,
        ...(options.timing ? { timing: options.timing } : {}),
        onChange: (change) => {
          logger.info({ node: change.node, from: change.from, to: change.to }, 'speaker membership changed');
          replanAll();
        },
        onRejoinPings: (peers) => solicitPeers(peers),
        // The detector's ticks, at least every beat interval, are the beat the answering's stall
        // fence listens for: one wake-up fewer, ten times a second.
        onTick: () => announcer.beat(),
      });
    } catch (error) {
      await announcer.close();
      throw error;
    }
    logger.info({ bind: transport.address() }, 'failure detector listening');
  }

  const metrics = registerSpeakerMetrics(registry, {
    announcerStats: () => (stopped ? Promise.resolve(undefined) : announcer.stats()),
    detector: () =>
      transport && {
        counters: { ...transport.detector.counters },
        dropped: transport.dropped,
        members: transport.detector.members(),
      },
  });

  const cluster = clusterInformers({
    connection,
    logger,
    namespace,
    configMapName: options.configMapName,
    ...(options.lbClass ? { lbClass: options.lbClass } : {}),
    self,
    backoff,
    clientMetrics,
    onServices: (keys) => {
      planning.markServices(keys);
      schedule();
    },
    onWorld: replanAll,
    onSpeakerPods: () => {
      updatePeers();
      // Without the failure detector, the speaker Pods' readiness says who is alive.
      if (!transport) replanAll();
    },
  });
  const { services, nodes, pods } = cluster;
  const planning = new ServicePlanning({
    ...(options.lbClass ? { lbClass: options.lbClass } : {}),
    service: (name, ns) => services.get(name, ns),
    serviceKeys: () => services.list().map(serviceKey),
    slicesOf: (key) => cluster.slicesOf(key),
  });
  function replanAll(): void {
    planning.markAll();
    schedule();
  }

  /**
   * Cut off, this node asks the segment for its peers' addresses along with its pings: once the
   * partition heals, the first request that gets through tells both kernels each other's MAC, so
   * the pings flow at once instead of after the kernel's next ARP/NDP retry (up to a second), all
   * the while two nodes answer for the same address. It asks from its --bind address, or with a
   * wildcard bind (the manifests' :7946) from its own speaker Pod's IP, which is the node's.
   */
  function solicitPeers(peers: readonly PeerAddress[]): void {
    const bound = parseIP(options.failureDetector?.bind.address ?? '');
    const from =
      bound && bound.value !== 0n ? bound : parseIP(speakerPeers(pods.list(namespace)).get(self) ?? '');
    if (!from) return;
    const targets = peers.map((p) => parseIP(p.address)).filter((ip): ip is IP => ip !== undefined);
    announcer.solicit(from, targets).catch(() => undefined);
  }

  function updatePeers(): void {
    if (!transport || !options.failureDetector) return;
    const port = options.failureDetector.bind.port;
    const peers = new Map<string, PeerAddress>();
    for (const [node, address] of speakerPeers(pods.list(namespace))) peers.set(node, { address, port });
    transport.setPeers(peers);
  }

  let settleTimer: NodeJS.Timeout | undefined;
  function waitForSettle(): boolean {
    if (!transport || transport.detector.settled(performance.now())) return true;
    settleTimer ??= setTimeout(() => {
      settleTimer = undefined;
      schedule();
    }, settleCheckMs);
    return false;
  }

  const reports = new ServiceReports({ self, events, logger, subjectOf });
  const l2Statuses = new L2StatusWriter({
    connection,
    namespace,
    statuses: cluster.l2Statuses,
    owner: () => speakerPodOwner(pods.list(namespace), self),
    backoff,
    logger,
    onWrite: (verb) => metrics.apiWrites.inc({ resource: 'servicel2statuses', verb }),
  });
  const announcedGauge = new AnnouncedGauge(metrics.announced, self);

  /** Plans what changed since the last run and applies it; resolves to the milliseconds planning took. */
  async function reconcile(): Promise<number> {
    const config = cluster.config();
    if (stopped || !config || !cluster.synced()) return 0;
    // Until every peer has answered once, alive() undercounts: taking IPs now could steal them.
    if (!waitForSettle()) return 0;
    const planStarted = performance.now();
    const liveSpeakers = transport ? transport.detector.alive() : nodesWithReadySpeaker(pods.list(namespace));
    const update = planning.plan({
      self,
      nodes: nodes.list(),
      liveSpeakers,
      pools: config.pools,
      l2Advertisements: config.l2Advertisements,
      localInterfaces: interfaces.map((i) => i.name),
    });
    const planMs = performance.now() - planStarted;
    transport?.setFailoverCritical(planning.announcingNodes());
    if (update.planned > 0) clientMetrics.updates.inc();
    metrics.servicesPlanned.inc(update.planned);
    try {
      await applyLed(update.led);
    } catch (error) {
      planning.reset(); // the announcer did not take the change: plan and apply everything again
      throw error;
    }
    for (const plan of update.changed) {
      reports.report(plan);
      l2Statuses.want(plan.key, desiredL2Status(plan, self));
      announcedGauge.update(plan);
    }
    for (const [key, from] of update.tookOver) if (!liveSpeakers.has(from)) l2Statuses.retire(from, key);
    l2Statuses.start();
    for (const key of update.removed) {
      reports.forget(key);
      l2Statuses.want(key, undefined);
      announcedGauge.remove(key);
    }
    return planMs;
  }

  async function applyLed(change: LedChange): Promise<void> {
    if (change.added.length + change.removed.length + change.moved.length === 0) return;
    const led = planning.led;
    await announcer.setLed(
      [...led.values()].map((l) => l.ip),
      (ip) => led.get(ipKey(ip))?.interfaces,
    );
    for (const ip of change.removed) logger.info({ ip }, 'stopped announcing');
    const announcing: IP[] = [];
    for (const ip of [...change.added, ...change.moved]) {
      const entry = led.get(ip)!;
      if (entry.interfaces.length === 0) {
        logger.warn(
          { ip, service: entry.services.join(',') },
          'leading, but no interface of this node matches its L2Advertisements',
        );
        continue;
      }
      logger.info({ ip, service: entry.services.join(','), interfaces: entry.interfaces }, 'announcing');
      announcing.push(entry.ip);
    }
    await announcer.announce(announcing);
  }

  function subjectOf(key: string) {
    const { namespace: ns, name } = splitKey(key);
    const uid = services.get(name, ns)?.metadata?.uid;
    return { kind: 'Service', apiVersion: 'v1', name, namespace: ns, ...(uid ? { uid } : {}) };
  }

  // Links come and go (a bond reconfigured, a NIC replaced): follow them.
  let rescanning = false;
  const rescanTimer = setInterval(async () => {
    if (rescanning || stopped) return;
    rescanning = true;
    try {
      const now = chooseInterfaces(options);
      if (interfaceKey(now) === interfaceKey(interfaces)) return;
      logger.info({ interfaces: now.map((i) => i.name) }, 'interfaces changed');
      interfaces = now;
      await announcer.setInterfaces(now);
      planning.reset(); // re-announce everything on the new set of links
      schedule();
    } catch (error) {
      logger.warn({ err: (error as Error).message }, 'interface rescan failed');
    } finally {
      rescanning = false;
    }
  }, options.interfaceRescanMs ?? 10_000);

  /** A gratuitous burst for every address this node leads and can answer for. */
  function announceAllLed(): void {
    const answerable = [...planning.led.values()].filter((entry) => entry.interfaces.length > 0);
    announcer.announce(answerable.map((entry) => entry.ip)).catch(() => undefined);
  }

  const refreshTimer =
    options.refreshIntervalMs === undefined
      ? undefined
      : setInterval(announceAllLed, options.refreshIntervalMs);

  const release = () => {
    stopped = true;
    recovery.stop();
    clearTimeout(settleTimer);
    clearInterval(rescanTimer);
    clearInterval(refreshTimer);
    runner.stop();
    l2Statuses.stop();
  };
  const ready = () => cluster.synced() && cluster.config() !== undefined;
  let health: HealthServer | undefined;
  try {
    health = options.metricsAddress
      ? await startHealthServer({
          address: options.metricsAddress,
          registry,
          readiness: () => {
            const waiting = cluster.all.filter((i) => !i.synced).map((i) => i.name);
            const detail = [
              ...(waiting.length ? [`informers not synced: ${waiting.join(', ')}`] : []),
              ...(cluster.config() ? [] : ['no valid config loaded yet']),
              `announcing ${planning.led.size} IPs`,
            ].join('; ');
            return { ready: ready(), detail };
          },
        })
      : undefined;
  } catch (error) {
    release();
    transport?.close();
    await announcer.close();
    throw new Error(`--metrics-addr ${options.metricsAddress}: ${(error as Error).message}`);
  }

  cluster.start();
  const presence = startPresenceHeartbeat({
    connection,
    node: self,
    namespace,
    intervalMs: options.presenceIntervalMs ?? 5000,
    logger,
  });
  logger.info(
    { node: self, namespace, lbClass: options.lbClass, failureDetector: transport !== undefined },
    'speaker started',
  );

  return {
    registry,
    metricsAddress: health?.address,
    led: () => (stopped ? [] : [...planning.led.keys()].sort()),
    async stop() {
      if (stopped) return;
      release();
      // Stop answering first, then tell the peers, so they take over an IP only once we let it go.
      await announcer.setLed([]).catch(() => undefined);
      await transport?.leave();
      await runner.running;
      // No longer answering, so no longer claiming to: the peer taking over writes its own.
      await l2Statuses.removeAll(2000);
      await presence.stop();
      await cluster.stop();
      // Events get up to 2 s; the cap must not itself keep the process alive once they are out.
      await Promise.race([events.flush(), new Promise((resolve) => setTimeout(resolve, 2000).unref())]);
      await announcer.close();
      await health?.close();
      logger.info({ node: self }, 'speaker stopped');
    },
  };
}
