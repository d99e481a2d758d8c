// The controller, wired: informers on Services, Namespaces, the pool ConfigMap and the metallb.io
// resources; a Lease so only one replica writes; the allocator rebuilt from Service statuses before
// anything new is assigned; a keyed work queue running reconciler.ts per Service, fed only by
// updates that change what it reads (echo-filter.ts). The reports, pool statuses and the webhook
// are parts of their own.

import type { KubernetesObject, V1Namespace, V1Service } from '@kubernetes/client-node';
import type { Registry } from 'prom-client';
import type { ApiConnection } from '../common/kube/api-connection.ts';
import { describeApiError } from '../common/kube/api-errors.ts';
import type { BackoffPolicy } from '../common/kube/backoff.ts';
import { createKubeClientMetrics } from '../common/kube/client-metrics.ts';
import { EventRecorder } from '../common/kube/event-recorder.ts';
import { informerFactory } from '../common/kube/informer-factory.ts';
import { LeaseElection, type LeaseTimings } from '../common/kube/lease-election.ts';
import { type PoolConfigSource, poolConfigSource } from '../common/kube/pool-config-source.ts';
import type { ResilientInformer } from '../common/kube/resilient-informer.ts';
import { startHealthServer } from '../common/observability/health-server.ts';
import type { Logger } from '../common/observability/logger.ts';
import { registryWithProcessMetrics } from '../common/observability/process-metrics.ts';
import { classMatches, heldAddresses, serviceKey, splitKey } from '../common/service-fields.ts';
import { WorkQueue } from '../common/work-queue.ts';
import { AllocatorLifecycle } from './allocator-lifecycle.ts';
import { configReports } from './config-reports.ts';
import { registerAllocatorMetrics, registerReconcileCounter } from './metrics.ts';
import { poolStatusWriter } from './pool-status-writer.ts';
import { serviceReconciler } from './reconciler.ts';
import { ServiceEchoes } from './service-echoes.ts';
import { serviceWrites } from './service-writes.ts';
import { keepWebhookRunning, type WebhookOptions } from './webhook/start-webhook.ts';

export interface ControllerOptions {
  readonly connection: ApiConnection;
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

export async function startController(options: ControllerOptions): Promise<Controller> {
  const { connection, logger, namespace } = options;
  const registry = registryWithProcessMetrics();
  const clientMetrics = createKubeClientMetrics(registry);
  const backoff = options.backoff ?? { initialMs: 200, maxMs: 10_000 };
  const events = new EventRecorder({
    connection,
    component: 'metallb-controller',
    host: options.identity,
    logger,
  });
  const managed = (service: V1Service) => classMatches(service, options.lbClass);

  const informer = informerFactory({ connection, logger, backoff });
  const services = informer<V1Service>('services', '/api/v1/services');
  const namespaces = informer<V1Namespace>('namespaces', '/api/v1/namespaces');
  const namespaceLabels = (name: string) => namespaces.get(name)?.metadata?.labels ?? {};
  const serviceOf = (key: string) => {
    const { namespace: ns, name } = splitKey(key);
    return services.get(name, ns);
  };
  const enqueueAll = (filter: (service: V1Service) => boolean = () => true) => {
    for (const service of services.list())
      if (managed(service) && filter(service)) queue.add(serviceKey(service));
  };

  const lifecycle = new AllocatorLifecycle({
    logger,
    lbClass: options.lbClass,
    services: () => services.list(),
    namespaceLabels,
    informersSynced: () => informers.every((i) => i.synced),
    reconciler: () => reconciler,
    queue: () => queue,
    enqueueAll,
    poolsChanged: () => poolStatus.schedule(),
  });
  // Config: both sources parsed together; a bad one, or one taking addresses away, never replaces
  // the last good one.
  const configSource = poolConfigSource({
    connection,
    logger,
    namespace,
    configMapName: options.configMapName,
    backoff,
    clientMetrics,
    settleMs: 20,
    onValid: (config, fingerprint) => lifecycle.applyConfig(config, fingerprint),
    onNewProblems: (problems) => {
      if (lifecycle.leading) reports.problems(problems);
    },
    heldAddresses: () => heldAddresses(services.list(), options.lbClass),
    onNewRefusal: (stranded) => {
      if (lifecycle.leading) reports.refusal(stranded);
    },
  });
  const { configMaps, pools, advertisements } = configSource;
  const informers = [services, namespaces, ...configSource.informers];

  const reports = configReports({
    events,
    logger,
    serviceOf,
    objectOf: (where) =>
      (where.kind === 'ConfigMap' ? configMaps : where.kind === 'IPAddressPool' ? pools : advertisements).get(
        where.name,
        where.namespace,
      ),
  });
  const poolStatus = poolStatusWriter({
    connection,
    namespace,
    poolObject: (name) => pools.get(name, namespace),
    usage: () => {
      const { allocator, config } = lifecycle;
      if (!allocator || !config) return undefined;
      const poolNames = config.pools.filter((p) => p.kind === 'IPAddressPool').map((p) => p.name);
      return { usage: allocator.usage(), poolNames };
    },
    logger,
    delayMs: options.poolStatusDelayMs ?? 500,
    retryMs: backoff.maxMs,
  });

  const echoes = new ServiceEchoes();
  const reconciles = registerReconcileCounter(registry);
  const reconciler = serviceReconciler({
    allocator: () => lifecycle.allocator,
    config: () => lifecycle.config,
    service: serviceOf,
    managed,
    namespaceLabels,
    writes: serviceWrites(connection),
    reports,
    events,
    logger,
    enqueue: (key) => queue.add(key),
    poolsChanged: () => poolStatus.schedule(),
    expect: (service) => echoes.expect(service),
    counted: () => {
      clientMetrics.updates.inc();
      reconciles.inc();
    },
  });
  const queue = new WorkQueue({
    concurrency: options.concurrency ?? 8,
    backoff,
    handler: (key) => reconciler.reconcile(key),
    onError: (key, error, failures) => {
      clientMetrics.updateErrors.inc();
      logger.warn({ service: key, err: describeApiError(error), failures }, 'reconcile failed; will retry');
    },
  });

  followServices({ services, namespaces, echoes, queue, enqueueAll, configSource });
  for (const verb of ['add', 'update', 'delete'] as const)
    for (const source of configSource.informers) source.on(verb, () => clientMetrics.updates.inc());
  pools.on('add', poolStatus.poolChanged);
  pools.on('update', poolStatus.poolChanged);

  const election = new LeaseElection({
    connection,
    namespace,
    name: options.leaseName ?? 'baremetal-lb-controller',
    identity: options.identity,
    logger,
    ...(options.leaseTimings ? { timings: options.leaseTimings } : {}),
    onStartedLeading: () => {
      // Config problems found while following were not reported: report them now.
      lifecycle.startedLeading();
      configSource.reloadReportingProblems();
    },
    onStoppedLeading: () => lifecycle.stoppedLeading(),
  });

  const isReady = () => informers.every((i) => i.synced) && lifecycle.config !== undefined;
  const health = options.metricsAddress
    ? await startHealthServer({
        address: options.metricsAddress,
        registry,
        readiness: () => ({
          ready: isReady(),
          detail: readinessDetail(informers, lifecycle, election.leader),
        }),
      })
    : undefined;
  registerAllocatorMetrics(registry, () => lifecycle.allocator?.usage());

  for (const i of informers) i.start();
  void Promise.all(informers.map((i) => i.whenSynced)).then(() => {
    logger.info({}, 'informers synced');
    lifecycle.activateIfReady();
  });
  election.start();
  const webhook = options.webhook
    ? keepWebhookRunning({
        ...options.webhook,
        connection,
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

  let stopped = false;
  return {
    registry,
    metricsAddress: health?.address,
    webhookAddress: () => webhook?.address(),
    isLeader: () => lifecycle.leading,
    isReady,
    idle: () => queue.idle(),
    async stop() {
      if (stopped) return;
      stopped = true;
      configSource.close();
      poolStatus.stop();
      lifecycle.stop();
      await election.release();
      await events.flush();
      await Promise.all(informers.map((i) => i.stop()));
      await webhook?.stop();
      await health?.close();
      logger.info({ identity: options.identity }, 'controller stopped');
    },
  };
}

/** Service and Namespace events to reconciles: only news, each Service on its own. */
function followServices(parts: {
  services: ResilientInformer<V1Service>;
  namespaces: ResilientInformer<V1Namespace>;
  echoes: ServiceEchoes;
  queue: Pick<WorkQueue, 'add'>;
  enqueueAll: (filter: (service: V1Service) => boolean) => void;
  configSource: Pick<PoolConfigSource, 'recheckRefused'>;
}): void {
  const { services, namespaces, echoes, queue, enqueueAll, configSource } = parts;
  // Labels of a namespace decide serviceAllocation.namespaceSelectors; a new or deleted namespace
  // has no Services to revisit.
  namespaces.on('update', (n) => enqueueAll((s) => s.metadata?.namespace === n.metadata?.name));
  const changed = (service: V1Service) => {
    if (echoes.isNews(service)) queue.add(serviceKey(service));
  };
  services.on('add', changed);
  services.on('update', changed);
  services.on('delete', (s) => {
    echoes.forget(serviceKey(s));
    queue.add(serviceKey(s));
  });
  // A refused config may fit once the Services holding its stranded addresses let go of them.
  for (const verb of ['update', 'delete'] as const) services.on(verb, () => configSource.recheckRefused());
}

function readinessDetail(
  informers: readonly ResilientInformer<KubernetesObject>[],
  lifecycle: AllocatorLifecycle,
  leader: string,
): string {
  const waiting = informers.filter((i) => !i.synced).map((i) => i.name);
  return [
    ...(waiting.length ? [`informers not synced: ${waiting.join(', ')}`] : []),
    ...(lifecycle.config ? [] : ['no valid config loaded yet']),
    lifecycle.leading ? 'leader' : `follower (leader: ${leader || 'unknown'})`,
  ].join('; ');
}
