// The speaker: watches the cluster, agrees with its peers who is alive, plans which IPs this node
// announces (announcement-plan.ts) and drives the ARP/NDP announcer accordingly. Everything here is
// wiring; the decisions live in the pure modules it calls.

import { performance } from 'node:perf_hooks';
import {
  CoordinationV1Api,
  CoreV1Api,
  type KubeConfig,
  PatchStrategy,
  setHeaderOptions,
} from '@kubernetes/client-node';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { formatIP } from '../common/ip-address.ts';
import { describeApiError, isNotFound } from '../common/kube/api-errors.ts';
import type { BackoffPolicy } from '../common/kube/backoff.ts';
import { createKubeClientMetrics } from '../common/kube/client-metrics.ts';
import { EventRecorder } from '../common/kube/event-recorder.ts';
import { type HealthServer, startHealthServer } from '../common/observability/health-server.ts';
import type { Logger } from '../common/observability/logger.ts';
import { splitKey } from '../common/service-fields.ts';
import { WorkQueue } from '../common/work-queue.ts';
import {
  type AnnouncementPlan,
  diffLed,
  type LedIP,
  planAnnouncements,
  type ServicePlan,
} from './announcement-plan.ts';
import {
  announceFailedMessage,
  announcementAnnotations,
  nodeAssignedMessage,
  nodeUnassignedMessage,
} from './announcement-status.ts';
import { clusterInformers } from './cluster-informers.ts';
import {
  nodesWithReadySpeaker,
  type ServiceView,
  serviceView,
  slicesByService,
  speakerPeers,
} from './cluster-view.ts';
import { fenceRecovery } from './fence-recovery.ts';
import type { PeerAddress } from './membership/messages.ts';
import type { Timing } from './membership/timing.ts';
import { UdpTransport } from './membership/udp-transport.ts';
import { registerSpeakerMetrics } from './metrics.ts';
import { Announcer, type AnnouncerInterface } from './packet-io/announcer.ts';
import { defaultExcludedInterfaces, readInterfaceFacts, selectInterfaces } from './packet-io/interfaces.ts';
import { startPresenceHeartbeat } from './presence-heartbeat.ts';

export interface SpeakerOptions {
  readonly kubeConfig: KubeConfig;
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
  /** The failure detector's pace and the answering thread's fence (default: defaultTiming). */
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
  /** Something this speaker cannot go on without failed (the announcer thread died). */
  readonly onFatal?: (error: Error) => void;
}

export interface Speaker {
  readonly registry: Registry;
  readonly metricsAddress: string | undefined;
  /** The IPs this node answers for now (formatIP text, sorted). */
  led(): string[];
  /** Graceful stop: stops answering, tells the peers it leaves, then releases everything. */
  stop(): Promise<void>;
}

const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
const settleCheckMs = 50;

async function chooseInterfaces(options: SpeakerOptions): Promise<AnnouncerInterface[]> {
  const { selected, skipped } = selectInterfaces(await readInterfaceFacts(), {
    exclude: [...defaultExcludedInterfaces, ...(options.excludeInterfaces ?? [])],
    ...(options.interfaces ? { allow: options.interfaces } : {}),
  });
  for (const { name, reason } of skipped)
    options.logger.debug({ interface: name, reason }, 'interface skipped');
  return selected.map(({ name, mac }) => ({ name, mac }));
}

const interfaceKey = (list: readonly AnnouncerInterface[]) => list.map((i) => `${i.name}/${i.mac}`).join(',');

export async function startSpeaker(options: SpeakerOptions): Promise<Speaker> {
  const { kubeConfig, logger, namespace, nodeName: self } = options;
  const core = kubeConfig.makeApiClient(CoreV1Api);
  const registry = new Registry();
  // process_resident_memory_bytes, nodejs_heap_size_used_bytes, event-loop lag, GC: what an operator
  // looks at first when a component grows or stalls.
  collectDefaultMetrics({ register: registry });
  const clientMetrics = createKubeClientMetrics(registry);
  const backoff = options.backoff ?? { initialMs: 200, maxMs: 10_000 };
  const events = new EventRecorder({ core, component: 'metallb-speaker', host: self, logger });
  let stopped = false;
  // Planning runs one at a time; changes arriving meanwhile make it run once more.
  let led: ReadonlyMap<string, LedIP> = new Map();
  let running: Promise<void> | undefined;
  let again = false;
  let scheduled = false;
  let pendingRun: NodeJS.Timeout | undefined;
  let lastRun = { end: 0, took: 0 };
  let planMs = 0;

  let interfaces = await chooseInterfaces(options);
  if (interfaces.length === 0) logger.warn({}, 'no interface to answer on; check --interfaces');
  const recovery = fenceRecovery({
    resume: () => announcer.resume(),
    planSettled: async () => {
      await running;
    },
    logger,
  });
  const announcer = await Announcer.start(interfaces, {
    onError: (error) => {
      logger.error({ err: error.message }, 'announcer stopped');
      options.onFatal?.(error);
    },
    onFenced: () => recovery.onFenced(),
    ...(options.timing ? { fence: options.timing } : {}),
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
          schedule();
        },
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
    kubeConfig,
    logger,
    namespace,
    configMapName: options.configMapName,
    ...(options.lbClass ? { lbClass: options.lbClass } : {}),
    backoff,
    clientMetrics,
    onChange: schedule,
    onSpeakerPods: () => {
      updatePeers();
      schedule();
    },
  });
  const { services, slices, nodes, pods } = cluster;

  function updatePeers(): void {
    if (!transport || !options.failureDetector) return;
    const port = options.failureDetector.bind.port;
    const peers = new Map<string, PeerAddress>();
    for (const [node, address] of speakerPeers(pods.list(namespace))) peers.set(node, { address, port });
    transport.setPeers(peers);
  }

  // A plan covers every Service, so its cost grows with them. After planning took T ms the next
  // run waits until T ms have passed (waiting on the announcer costs no CPU and does not count): a
  // burst of changes (thousands of Service updates at 10k Services) then costs at most half a core,
  // each run takes in everything that arrived meanwhile, and a small cluster, whose plans take well
  // under a millisecond, reacts at once.
  function schedule(): void {
    if (stopped || scheduled) return;
    scheduled = true;
    const wait = lastRun.end + lastRun.took - performance.now();
    pendingRun = setTimeout(run, Math.max(0, wait));
  }

  function run(): void {
    scheduled = false;
    pendingRun = undefined;
    if (running) {
      again = true;
      return;
    }
    planMs = 0;
    running = reconcile()
      .catch((error: Error) => {
        clientMetrics.updateErrors.inc();
        logger.error({ err: error.message }, 'applying the announcement plan failed; retrying');
        setTimeout(schedule, backoff.initialMs);
      })
      .finally(() => {
        lastRun = { end: performance.now(), took: planMs };
        running = undefined;
        if (again) {
          again = false;
          schedule();
        }
      });
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

  const ledServices = new Map<string, 'announcing' | 'no-interface'>();
  const warned = new Map<string, string>();
  // The leader's annotations, written a few at a time: taking over thousands of Services at once
  // must not open thousands of requests. Each write uses the Service's latest plan.
  const annotationPlans = new Map<string, ServicePlan>();
  const annotationWrites = new WorkQueue({
    handler: writeAnnotations,
    concurrency: 8,
    backoff,
    onError: (key, error) =>
      logger.warn({ service: key, err: describeApiError(error) }, 'could not annotate the service'),
  });
  annotationWrites.start();
  const announcedLabels = new Map<string, { service: string; ip: string }>();

  async function reconcile(): Promise<void> {
    const config = cluster.config();
    if (stopped || !config || !cluster.synced()) return;
    // Until every peer has answered once, alive() undercounts: taking IPs now could steal them.
    if (!waitForSettle()) return;
    clientMetrics.updates.inc();
    const planStarted = performance.now();
    const byService = slicesByService(slices.list());
    const views = services
      .list()
      .map((s) => serviceView(s, options.lbClass, byService))
      .filter((v): v is ServiceView => v !== undefined);
    const plan = planAnnouncements({
      self,
      services: views,
      nodes: nodes.list(),
      liveSpeakers: transport ? transport.detector.alive() : nodesWithReadySpeaker(pods.list(namespace)),
      pools: config.pools,
      l2Advertisements: config.l2Advertisements,
      localInterfaces: interfaces.map((i) => i.name),
    });
    planMs = performance.now() - planStarted;
    await applyLed(plan);
    for (const service of plan.services) {
      report(service);
      annotationPlans.set(service.key, service);
      if (annotationPatch(service)) annotationWrites.add(service.key);
    }
    const planned = new Set(plan.services.map((s) => s.key));
    for (const key of annotationPlans.keys()) if (!planned.has(key)) annotationPlans.delete(key);
    for (const key of [...ledServices.keys(), ...warned.keys()]) {
      if (planned.has(key)) continue;
      ledServices.delete(key); // gone: a Service of that name announced later gets its Event again
      warned.delete(key);
    }
    updateAnnouncedGauge(plan);
  }

  async function applyLed(plan: AnnouncementPlan): Promise<void> {
    const change = diffLed(led, plan.led);
    if (change.added.length + change.removed.length + change.moved.length === 0) return;
    const next = plan.led;
    await announcer.setLed(
      [...next.values()].map((l) => l.ip),
      (ip) => next.get(formatIP(ip))?.interfaces,
    );
    led = next;
    for (const ip of change.removed) logger.info({ ip }, 'stopped announcing');
    for (const ip of [...change.added, ...change.moved]) {
      const entry = next.get(ip)!;
      if (entry.interfaces.length === 0) {
        logger.warn(
          { ip, service: entry.services.join(',') },
          'leading, but no interface of this node matches its L2Advertisements',
        );
        continue;
      }
      logger.info({ ip, service: entry.services.join(','), interfaces: entry.interfaces }, 'announcing');
      await announcer.announce(entry.ip);
    }
  }

  function subjectOf(key: string) {
    const { namespace: ns, name } = splitKey(key);
    const uid = services.get(name, ns)?.metadata?.uid;
    return { kind: 'Service', apiVersion: 'v1', name, namespace: ns, ...(uid ? { uid } : {}) };
  }

  function report(service: ServicePlan): void {
    const leading = service.leader === self;
    // Announcing, or leading with no interface to answer on: an Event whenever that changes.
    const state = leading ? (service.interfaces.length > 0 ? 'announcing' : 'no-interface') : undefined;
    if (state && ledServices.get(service.key) !== state) {
      ledServices.set(service.key, state);
      if (state === 'announcing') {
        void events.record(subjectOf(service.key), 'Normal', 'nodeAssigned', nodeAssignedMessage(self));
      } else {
        const message = announceFailedMessage(self, service.ips.map(formatIP));
        void events.record(subjectOf(service.key), 'Warning', 'announceFailed', message);
      }
    } else if (!leading && ledServices.delete(service.key)) {
      const message = nodeUnassignedMessage(self, service);
      logger.info(
        { service: service.key, leader: service.leader ?? null, reason: message },
        'no longer announcing the service',
      );
      void events.record(subjectOf(service.key), 'Normal', 'nodeUnassigned', message);
    }
    const problem = service.leader === undefined && service.reporter === self ? service.reason : undefined;
    if (problem === warned.get(service.key)) return;
    if (problem === undefined) {
      warned.delete(service.key);
      return;
    }
    warned.set(service.key, problem);
    logger.warn(
      { service: service.key, pool: service.pool, reason: problem },
      'no node announces the service',
    );
    if (service.noAdvertisement) {
      void events.record(subjectOf(service.key), 'Warning', 'noL2Advertisement', `not announced: ${problem}`);
    }
  }

  function annotationPatch(service: ServicePlan) {
    const { namespace: ns, name } = splitKey(service.key);
    return announcementAnnotations(service, self, services.get(name, ns)?.metadata?.annotations);
  }

  async function writeAnnotations(key: string): Promise<void> {
    const service = annotationPlans.get(key);
    const patch = service && annotationPatch(service);
    if (!patch) return;
    const { namespace: ns, name } = splitKey(key);
    try {
      await core.patchNamespacedService(
        { name, namespace: ns, body: { metadata: { annotations: patch } } },
        mergePatch,
      );
    } catch (error) {
      if (!isNotFound(error)) throw error; // the queue retries with backoff
    }
  }

  function updateAnnouncedGauge(plan: AnnouncementPlan): void {
    const wanted = new Map<string, { service: string; ip: string }>();
    for (const [ip, entry] of plan.led) {
      for (const service of entry.services) wanted.set(`${service}|${ip}`, { service, ip });
    }
    for (const [key, labels] of announcedLabels) {
      if (!wanted.has(key)) metrics.announced.remove({ ...labels, protocol: 'layer2', node: self });
    }
    for (const labels of wanted.values())
      metrics.announced.set({ ...labels, protocol: 'layer2', node: self }, 1);
    announcedLabels.clear();
    for (const [key, labels] of wanted) announcedLabels.set(key, labels);
  }

  // Links come and go (a bond reconfigured, a NIC replaced): follow them.
  let rescanning = false;
  const rescanTimer = setInterval(async () => {
    if (rescanning || stopped) return;
    rescanning = true;
    try {
      const now = await chooseInterfaces(options);
      if (interfaceKey(now) === interfaceKey(interfaces)) return;
      logger.info({ interfaces: now.map((i) => i.name) }, 'interfaces changed');
      interfaces = now;
      await announcer.setInterfaces(now);
      led = new Map(); // re-announce everything on the new set of links
      schedule();
    } catch (error) {
      logger.warn({ err: (error as Error).message }, 'interface rescan failed');
    } finally {
      rescanning = false;
    }
  }, options.interfaceRescanMs ?? 10_000);

  const refreshTimer =
    options.refreshIntervalMs === undefined
      ? undefined
      : setInterval(() => {
          for (const entry of led.values()) {
            if (entry.interfaces.length > 0) announcer.announce(entry.ip).catch(() => undefined);
          }
        }, options.refreshIntervalMs);

  const release = () => {
    stopped = true;
    recovery.stop();
    clearTimeout(settleTimer);
    clearInterval(rescanTimer);
    clearInterval(refreshTimer);
    clearTimeout(pendingRun);
    annotationWrites.stop();
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
              `announcing ${led.size} IPs`,
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
    coordination: kubeConfig.makeApiClient(CoordinationV1Api),
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
    led: () => [...led.keys()].sort(),
    async stop() {
      if (stopped) return;
      release();
      // Stop answering first, then tell the peers, so they take over an IP only once we let it go.
      await announcer.setLed([]).catch(() => undefined);
      led = new Map();
      await transport?.leave();
      await running;
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
