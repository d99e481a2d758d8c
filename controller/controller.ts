// The controller: informers on Services, Namespaces, the pool ConfigMap and the metallb.io
// resources; a Lease so only one replica writes; the allocator rebuilt from Service statuses
// before anything new is assigned; a keyed work queue doing level-based reconciles with retry.

import {
  CoordinationV1Api,
  CoreV1Api,
  CustomObjectsApi,
  type KubeConfig,
  type KubernetesObject,
  PatchStrategy,
  setHeaderOptions,
  type V1Namespace,
  type V1Service,
} from '@kubernetes/client-node';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { formatIP } from '../common/ip-address.ts';
import { describeApiError } from '../common/kube/api-errors.ts';
import type { BackoffPolicy } from '../common/kube/backoff.ts';
import { createKubeClientMetrics } from '../common/kube/client-metrics.ts';
import type { EventSubject } from '../common/kube/event-aggregation.ts';
import { EventRecorder } from '../common/kube/event-recorder.ts';
import { informerFactory } from '../common/kube/informer-factory.ts';
import { LeaseElection, type LeaseTimings } from '../common/kube/lease-election.ts';
import { poolConfigSource } from '../common/kube/pool-config-source.ts';
import { writeWithConflictRetry } from '../common/kube/status-writer.ts';
import { startHealthServer } from '../common/observability/health-server.ts';
import type { Logger } from '../common/observability/logger.ts';
import type { PoolConfig } from '../common/pool-config/model.ts';
import { type ConfigProblem, problemsBySource, summarizeProblems } from '../common/pool-config/problems.ts';
import type { StrandedAddress } from '../common/pool-config/stranded.ts';
import {
  classMatches,
  heldAddresses,
  ingressAddresses,
  isLoadBalancer,
  poolAnnotation,
  serviceKey,
  splitKey,
} from '../common/service-fields.ts';
import { WorkQueue } from '../common/work-queue.ts';
import { Allocator } from './allocator/allocator.ts';
import { serviceRequestFrom } from './allocator/service-request.ts';
import { configFingerprint, problemObject } from './config-objects.ts';
import { registerAllocatorMetrics } from './metrics.ts';
import { poolStatuses, sameStatus } from './pool-status.ts';
import { type Outcome, planService, type ServicePlan } from './service-plan.ts';
import { keepsStrandedAddresses, rebuildEntries } from './services.ts';
import { keepWebhookRunning, type WebhookOptions } from './webhook/start-webhook.ts';

/** Services that get a ConfigRefused Event for one refused config; the log line counts them all. */
const refusalEventsPerChange = 20;

export interface ControllerOptions {
  readonly kubeConfig: KubeConfig;
  readonly logger: Logger;
  /** Where the ConfigMap, the metallb.io resources and the Lease live. */
  readonly namespace: string;
  readonly configMapName: string;
  /** Only Services with this loadBalancerClass; unset = only Services without a class. */
  readonly lbClass?: string;
  readonly identity: string;
  /** HOST:PORT for /healthz, /readyz and /metrics; unset = no HTTP server. */
  readonly metricsAddress?: string;
  readonly leaseName?: string;
  readonly leaseTimings?: Partial<LeaseTimings>;
  /** Restart backoff for informers and retry backoff for failed reconciles. */
  readonly backoff?: BackoffPolicy;
  /** Reconciles running at once; default 8. */
  readonly concurrency?: number;
  /** Delay before pool status writes, so a burst of assignments makes one write; default 500 ms. */
  readonly poolStatusDelayMs?: number;
  /** Serve the validating webhook (webhook/); unset = no webhook. */
  readonly webhook?: WebhookOptions;
}

export interface Controller {
  readonly registry: Registry;
  /** Bound HOST:PORT of the health server, when one was asked for. */
  readonly metricsAddress: string | undefined;
  /** Bound HOST:PORT of the webhook, once it serves. */
  webhookAddress(): string | undefined;
  isLeader(): boolean;
  isReady(): boolean;
  /** Resolves when every queued reconcile is done (benchmarks, tests). */
  idle(): Promise<void>;
  /** Stops reconciling, releases the Lease, stops the informers and the HTTP server. */
  stop(): Promise<void>;
}

const metallbGroup = { group: 'metallb.io', version: 'v1beta1' } as const;
const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

function subjectOf(object: KubernetesObject, kind: string, apiVersion: string): EventSubject {
  const metadata = object.metadata ?? {};
  return {
    kind,
    apiVersion,
    name: metadata.name ?? '',
    ...(metadata.namespace ? { namespace: metadata.namespace } : {}),
    ...(metadata.uid ? { uid: metadata.uid } : {}),
  };
}

export async function startController(options: ControllerOptions): Promise<Controller> {
  const { kubeConfig, logger, namespace } = options;
  const core = kubeConfig.makeApiClient(CoreV1Api);
  const custom = kubeConfig.makeApiClient(CustomObjectsApi);
  const registry = new Registry();
  // process_resident_memory_bytes, nodejs_heap_size_used_bytes, event-loop lag, GC: what an operator
  // looks at first when a component grows or stalls.
  collectDefaultMetrics({ register: registry });
  const clientMetrics = createKubeClientMetrics(registry);
  const backoff = options.backoff ?? { initialMs: 200, maxMs: 10_000 };
  const events = new EventRecorder({ core, component: 'metallb-controller', host: options.identity, logger });

  const informer = informerFactory({ kubeConfig, logger, backoff });
  const services = informer<V1Service>('services', '/api/v1/services', () =>
    core.listServiceForAllNamespaces(),
  );
  const namespaces = informer<V1Namespace>('namespaces', '/api/v1/namespaces', () => core.listNamespace());
  // Config: both sources parsed together; a bad one never replaces the last good one.
  const configSource = poolConfigSource({
    kubeConfig,
    logger,
    namespace,
    configMapName: options.configMapName,
    backoff,
    clientMetrics,
    settleMs: 20,
    onValid: applyConfig,
    onNewProblems: (problems) => {
      if (leading) reportProblems(problems);
    },
    heldAddresses: () => heldAddresses(services.list(), options.lbClass),
    onNewRefusal: (stranded) => {
      if (leading) reportRefusal(stranded);
    },
  });
  const { configMaps, pools, advertisements } = configSource;
  const informers = [services, namespaces, ...configSource.informers];

  let config: PoolConfig | undefined;
  let fingerprint = '';
  let allocator: Allocator | undefined;
  let leading = false;
  let stopped = false;
  /** Why a Service's addresses were taken away, for the ClearAssignment Event of its next reconcile. */
  const clearReasons = new Map<string, string>();
  /** Per Service, the generation whose deprecated annotations were already reported. */
  const deprecationReported = new Map<string, number>();
  /** Services whose last reconcile found no address for them: they get another try when one is freed. */
  const pending = new Set<string>();

  const namespaceLabels = (name: string) => namespaces.get(name)?.metadata?.labels ?? {};
  const managed = (service: V1Service) => classMatches(service, options.lbClass);

  const queue = new WorkQueue({
    concurrency: options.concurrency ?? 8,
    backoff,
    handler: reconcile,
    onError: (key, error, failures) => {
      clientMetrics.updateErrors.inc();
      logger.warn({ service: key, err: describeApiError(error), failures }, 'reconcile failed; will retry');
    },
  });

  function enqueueAll(filter: (service: V1Service) => boolean = () => true): void {
    for (const service of services.list())
      if (managed(service) && filter(service)) queue.add(serviceKey(service));
  }

  async function reconcile(key: string): Promise<void> {
    const active = allocator;
    if (!active || stopped) return;
    const inUseBefore = active.addressesInUse();
    try {
      await reconcileWith(active, key);
    } finally {
      // MetalLB reprocesses the waiting Services when an address is released; so do we, at once.
      if (active.addressesInUse() < inUseBefore) {
        for (const waiting of pending) if (waiting !== key) queue.add(waiting);
      }
    }
  }

  async function reconcileWith(active: Allocator, key: string): Promise<void> {
    clientMetrics.updates.inc();
    const { namespace: ns, name } = splitKey(key);
    const service = services.get(name, ns);
    if (!service || !managed(service)) {
      if (active.release(key)) schedulePoolStatus();
      pending.delete(key);
      if (!service) {
        deprecationReported.delete(key);
        clearReasons.delete(key);
      }
      return;
    }
    let outcome: Outcome;
    if (!isLoadBalancer(service)) {
      const held = (active.assignmentOf(key) ?? []).map((a) => formatIP(a.ip));
      outcome = { kind: 'released', reason: 'the Service is no longer of type LoadBalancer', ips: held };
      if (active.release(key)) schedulePoolStatus();
    } else {
      const parsed = serviceRequestFrom(service, namespaceLabels(ns));
      reportDeprecations(service, parsed.deprecated);
      if (!parsed.ok) {
        if (active.release(key)) schedulePoolStatus();
        outcome = { kind: 'failed', reason: parsed.reason };
      } else if (config && keepsStrandedAddresses(parsed.request, ingressAddresses(service), config)) {
        // Left as it is: see keepsStrandedAddresses. The config source reports the stale config.
        reportStranded(service);
        return;
      } else {
        const result = active.assign(parsed.request);
        outcome = result.ok
          ? { kind: 'assigned', ips: result.ips }
          : { kind: 'failed', reason: result.reason };
        schedulePoolStatus();
      }
    }
    if (outcome.kind === 'failed') pending.add(key);
    else pending.delete(key);
    const plan = planService(service, outcome, clearReasons.get(key));
    await writeStatus(service, plan.ingress);
    // The status is what the Events describe: record them once it has landed, before the
    // annotation, so a failing annotation write cannot lose them.
    clearReasons.delete(key);
    if (outcome.kind === 'failed') logger.warn({ service: key, reason: outcome.reason }, 'allocation failed');
    if (plan.ingress) {
      const ip = plan.ingress.map((entry) => entry.ip).join(',');
      logger.info({ service: key, ip, pool: plan.pool ?? undefined }, ip ? 'assigned' : 'cleared');
    }
    for (const event of plan.events) {
      void events.record(subjectOf(service, 'Service', 'v1'), event.type, event.reason, event.message);
    }
    await writePoolAnnotation(service, plan.pool);
  }

  function reportDeprecations(
    service: V1Service,
    deprecated: readonly { annotation: string; replacement: string }[],
  ) {
    const key = serviceKey(service);
    const generation = service.metadata?.generation ?? 0;
    if (deprecated.length === 0 || deprecationReported.get(key) === generation) return;
    deprecationReported.set(key, generation);
    for (const { annotation, replacement } of deprecated) {
      const message = `Service is using deprecated annotation ${annotation}; use ${replacement} instead`;
      void events.record(subjectOf(service, 'Service', 'v1'), 'Warning', 'deprecatedAnnotation', message);
    }
  }

  async function writeStatus(service: V1Service, ingress: ServicePlan['ingress']): Promise<void> {
    const name = service.metadata?.name ?? '';
    const ns = service.metadata?.namespace ?? 'default';
    if (ingress) {
      const want = JSON.stringify(ingress);
      await writeWithConflictRetry<V1Service>({
        initial: service,
        read: () => core.readNamespacedServiceStatus({ name, namespace: ns }),
        update: (current) =>
          JSON.stringify(current.status?.loadBalancer?.ingress ?? []) === want
            ? undefined
            : { ...current, status: { ...current.status, loadBalancer: { ingress } } },
        write: (next) => core.replaceNamespacedServiceStatus({ name, namespace: ns, body: next }),
      });
    }
  }

  async function writePoolAnnotation(service: V1Service, pool: ServicePlan['pool']): Promise<void> {
    const name = service.metadata?.name ?? '';
    const ns = service.metadata?.namespace ?? 'default';
    // planService asks for it only when it differs. A merge patch of one annotation carries no
    // resourceVersion, so the server never answers 409 and there is nothing to re-read (which keeps
    // `get` on Services out of the RBAC); a failed patch fails the reconcile, which is retried.
    if (pool !== undefined) {
      await core.patchNamespacedService(
        { name, namespace: ns, body: { metadata: { annotations: { [poolAnnotation]: pool } } } },
        mergePatch,
      );
    }
  }

  function applyConfig(loaded: PoolConfig): void {
    const next = configFingerprint(loaded);
    config = loaded;
    if (next === fingerprint) return;
    fingerprint = next;
    logger.info({ pools: loaded.pools.map((p) => p.name) }, 'config loaded');
    if (allocator) {
      for (const key of allocator.setConfig(loaded)) {
        clearReasons.set(key, 'its address is no longer allowed for it by the config');
      }
      enqueueAll();
      schedulePoolStatus();
    }
    activateIfReady();
  }

  /** At most one InvalidConfig Event per object per config change: its count and first problems. */
  function reportProblems(problems: readonly ConfigProblem[]): void {
    const errors = problems.filter((p) => p.severity === 'error');
    for (const [source, ofObject] of problemsBySource(errors)) {
      const where = problemObject(source);
      if (!where) continue;
      const cache =
        where.kind === 'ConfigMap' ? configMaps : where.kind === 'IPAddressPool' ? pools : advertisements;
      const object = cache.get(where.name, where.namespace) ?? {
        metadata: { name: where.name, namespace: where.namespace },
      };
      const apiVersion = where.kind === 'ConfigMap' ? 'v1' : 'metallb.io/v1beta1';
      void events.record(
        subjectOf(object, where.kind, apiVersion),
        'Warning',
        'InvalidConfig',
        `${summarizeProblems(ofObject)}; keeping the last good config`,
      );
    }
  }

  /** One Warning Event on each Service (the first few) whose addresses the refused config strands. */
  function reportRefusal(stranded: readonly StrandedAddress[]): void {
    const byService = new Map<string, string[]>();
    for (const { key, ip } of stranded) byService.set(key, [...(byService.get(key) ?? []), ip]);
    for (const [key, ips] of [...byService].slice(0, refusalEventsPerChange)) {
      const { namespace: ns, name } = splitKey(key);
      const service = services.get(name, ns);
      if (!service) continue;
      const message = `the new pool config leaves ${ips.join(', ')} in no pool, and ${byService.size - 1} other Services' addresses too; keeping the last good config (to retire a pool, first move or delete its Services)`;
      void events.record(subjectOf(service, 'Service', 'v1'), 'Warning', 'ConfigRefused', message);
    }
  }

  /** Services told that the config leaves their addresses in no pool, so each hears it once. */
  const strandedReported = new Set<string>();
  function reportStranded(service: V1Service): void {
    const key = serviceKey(service);
    pending.delete(key);
    if (strandedReported.has(key) || strandedReported.size >= refusalEventsPerChange) return;
    strandedReported.add(key);
    const ips = ingressAddresses(service).join(', ');
    logger.warn(
      { service: key, ips },
      'the config has no pool for the addresses in the status; keeping them',
    );
    const message = `the pool config has no pool for ${ips}; keeping them (to retire a pool, first move or delete its Services)`;
    void events.record(subjectOf(service, 'Service', 'v1'), 'Warning', 'ConfigRefused', message);
  }

  // Leadership: the allocator exists only on the leader, rebuilt from statuses before any assignment.
  function activateIfReady(): void {
    if (allocator || !leading || stopped || !config || !informers.every((i) => i.synced)) return;
    const fresh = new Allocator(config);
    const rejected = fresh.rebuild(rebuildEntries(services.list(), options.lbClass, namespaceLabels));
    for (const claim of rejected) {
      const why = claim.conflictsWith ? `${claim.reason} (the older Service keeps it)` : claim.reason;
      clearReasons.set(claim.key, why);
      logger.warn({ service: claim.key, reason: why }, 'status claim rejected on rebuild');
    }
    allocator = fresh;
    logger.info(
      { services: services.list().length, rejected: rejected.length },
      'allocator rebuilt from service statuses',
    );
    queue.start();
    enqueueAll();
    schedulePoolStatus();
    const since = Date.now();
    void queue.idle().then(() => {
      if (allocator === fresh)
        logger.info({ services: services.list().length, ms: Date.now() - since }, 'caught up');
    });
  }

  function deactivate(): void {
    allocator = undefined;
    queue.stop();
  }

  // IPAddressPool.status, written after bursts settle.
  let poolTimer: NodeJS.Timeout | undefined;
  function schedulePoolStatus(delayMs = options.poolStatusDelayMs ?? 500): void {
    if (poolTimer || stopped) return;
    poolTimer = setTimeout(() => {
      poolTimer = undefined;
      void writePoolStatuses();
    }, delayMs);
  }

  async function writePoolStatuses(): Promise<void> {
    if (!allocator || !config) return;
    const names = config.pools.filter((p) => p.kind === 'IPAddressPool').map((p) => p.name);
    const wanted = poolStatuses(allocator.usage(), names);
    let failed = false;
    for (const [name, status] of wanted) {
      const current = pools.get(name, namespace) as { status?: Record<string, number> } | undefined;
      if (!current || sameStatus(current.status, status)) continue;
      try {
        await custom.patchNamespacedCustomObjectStatus(
          { ...metallbGroup, namespace, plural: 'ipaddresspools', name, body: { status } },
          mergePatch,
        );
      } catch (error) {
        failed = true;
        logger.warn({ pool: name, err: describeApiError(error) }, 'could not write pool status');
      }
    }
    if (failed) schedulePoolStatus(backoff.maxMs);
  }

  // Labels of a namespace decide serviceAllocation.namespaceSelectors; a new or deleted namespace
  // has no Services to revisit.
  namespaces.on('update', (n) => enqueueAll((s) => s.metadata?.namespace === n.metadata?.name));
  services.on('add', (s) => queue.add(serviceKey(s)));
  services.on('update', (s) => queue.add(serviceKey(s)));
  services.on('delete', (s) => queue.add(serviceKey(s)));
  // A refused config may fit once the Services holding its stranded addresses let go of them.
  for (const verb of ['update', 'delete'] as const) services.on(verb, () => configSource.recheckRefused());
  for (const verb of ['add', 'update', 'delete'] as const) {
    for (const source of configSource.informers) source.on(verb, () => clientMetrics.updates.inc());
    pools.on(verb, () => schedulePoolStatus());
  }

  const election = new LeaseElection({
    coordination: kubeConfig.makeApiClient(CoordinationV1Api),
    namespace,
    name: options.leaseName ?? 'baremetal-lb-controller',
    identity: options.identity,
    logger,
    ...(options.leaseTimings ? { timings: options.leaseTimings } : {}),
    onStartedLeading: () => {
      leading = true;
      // Config problems found while following were not reported: report them now.
      configSource.reloadReportingProblems();
      activateIfReady();
    },
    onStoppedLeading: () => {
      leading = false;
      deactivate();
    },
  });

  const isReady = () => informers.every((i) => i.synced) && config !== undefined;
  const health = options.metricsAddress
    ? await startHealthServer({
        address: options.metricsAddress,
        registry,
        readiness: () => {
          const waiting = informers.filter((i) => !i.synced).map((i) => i.name);
          const detail = [
            ...(waiting.length ? [`informers not synced: ${waiting.join(', ')}`] : []),
            ...(config ? [] : ['no valid config loaded yet']),
            leading ? 'leader' : `follower (leader: ${election.leader || 'unknown'})`,
          ].join('; ');
          return { ready: isReady(), detail };
        },
      })
    : undefined;
  registerAllocatorMetrics(registry, () => allocator?.usage());

  for (const i of informers) i.start();
  void Promise.all(informers.map((i) => i.whenSynced)).then(() => {
    logger.info({}, 'informers synced');
    activateIfReady();
  });
  election.start();
  const webhook = options.webhook
    ? keepWebhookRunning({
        ...options.webhook,
        kubeConfig,
        namespace,
        logger,
        state: () => ({
          namespace,
          configMapName: options.configMapName,
          configMap: configMaps.get(options.configMapName, namespace),
          objects: [...pools.list(namespace), ...advertisements.list(namespace)],
          held: heldAddresses(services.list(), options.lbClass),
        }),
      })
    : undefined;
  logger.info({ identity: options.identity, namespace, lbClass: options.lbClass }, 'controller started');

  return {
    registry,
    metricsAddress: health?.address,
    webhookAddress: () => webhook?.address(),
    isLeader: () => leading,
    isReady,
    idle: () => queue.idle(),
    async stop() {
      if (stopped) return;
      stopped = true;
      configSource.close();
      clearTimeout(poolTimer);
      deactivate();
      await election.release();
      await events.flush();
      await Promise.all(informers.map((i) => i.stop()));
      await webhook?.stop();
      await health?.close();
      logger.info({ identity: options.identity }, 'controller stopped');
    },
  };
}
