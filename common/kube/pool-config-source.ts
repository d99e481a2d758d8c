// The pool config as the controller and the speaker both read it: the ConfigMap and the metallb.io
// IPAddressPools and L2Advertisements of one namespace, parsed together (a big config in a worker
// thread, load-off-thread.ts) whenever what a load reads of one of them changes.
// An invalid result never replaces the last good config, and its problems are logged once, not on
// every event that leaves them unchanged. Nor does a valid one that would leave addresses in use in
// no pool (stranded.ts): it is refused the same way until the Services let go of those addresses.

import type { KubernetesObject, V1ConfigMap } from '@kubernetes/client-node';
import type { Logger } from '../observability/logger.ts';
import type { ConfigInputs } from '../pool-config/load-config.ts';
import { type LoadedConfig, loadConfig } from '../pool-config/load-off-thread.ts';
import type { PoolConfig } from '../pool-config/model.ts';
import { type ConfigProblem, formatProblem, summarizeProblems } from '../pool-config/problems.ts';
import {
  describeStranded,
  type HeldAddresses,
  type StrandedAddress,
  strandedAddresses,
} from '../pool-config/stranded.ts';
import type { ApiConnection } from './api-connection.ts';
import { configMaps as configMapType, metallb, resourcePath } from './api-paths.ts';
import type { BackoffPolicy } from './backoff.ts';
import type { KubeClientMetrics } from './client-metrics.ts';
import { informerFactory } from './informer-factory.ts';
import type { ResilientInformer } from './resilient-informer.ts';

export interface PoolConfigSourceOptions {
  readonly connection: ApiConnection;
  readonly logger: Logger;
  /** Where the ConfigMap and the metallb.io resources live. */
  readonly namespace: string;
  readonly configMapName: string;
  readonly backoff: BackoffPolicy;
  readonly clientMetrics: KubeClientMetrics;
  /** Wait this long after a change, so a burst of changes loads once; unset = load on every change. */
  readonly settleMs?: number;
  /** Every load that gave a valid config, with its fingerprint (fingerprint.ts). */
  readonly onValid: (config: PoolConfig, fingerprint: string) => void;
  /** A load that gave an invalid config whose problems differ from the last load's. */
  readonly onNewProblems?: (problems: readonly ConfigProblem[]) => void;
  /** The addresses Services hold now; a new config that leaves any in no pool is refused. */
  readonly heldAddresses?: () => Iterable<HeldAddresses>;
  /** A refused config whose stranded addresses differ from the last refusal's. */
  readonly onNewRefusal?: (stranded: readonly StrandedAddress[]) => void;
}

export interface PoolConfigSource {
  readonly configMaps: ResilientInformer<V1ConfigMap>;
  readonly pools: ResilientInformer<KubernetesObject>;
  readonly advertisements: ResilientInformer<KubernetesObject>;
  /** The three above; the owner starts and stops them with its other informers. */
  readonly informers: readonly ResilientInformer<KubernetesObject>[];
  /** Loads now and reports the problems even if unchanged (a new leader reports what it saw as follower). */
  reloadReportingProblems(): void;
  /** Applies the last config if it was refused and no longer strands an address (a Service let go). */
  recheckRefused(): void;
  /** Resolves once no load is running or waiting (tests, benchmarks). */
  settled(): Promise<void>;
  /** No more loads; a pending one is dropped. */
  close(): void;
}

export function poolConfigSource(options: PoolConfigSourceOptions): PoolConfigSource {
  const { connection, logger, namespace, configMapName, clientMetrics } = options;
  const informer = informerFactory({ connection, logger, backoff: options.backoff });
  const configMaps = informer<V1ConfigMap>('configmaps', resourcePath(configMapType, { namespace }));
  // No metallb.io CRDs installed means no such resources, not a failure.
  const custom = (plural: string) =>
    informer<KubernetesObject>(plural, resourcePath(metallb(plural), { namespace }), {
      absentIsEmpty: true,
    });
  const pools = custom('ipaddresspools');
  const advertisements = custom('l2advertisements');
  const informers = [configMaps, pools, advertisements] as ResilientInformer<KubernetesObject>[];

  let lastProblems = '';
  let hasGood = false;
  /** The last config loaded, valid but refused for the addresses it would strand. */
  let refusedConfig: { readonly config: PoolConfig; readonly fingerprint: string } | undefined;
  let closed = false;
  let settleTimer: NodeJS.Timeout | undefined;

  let inFlight: Promise<void> | undefined;
  let loadAgain = false;

  /** One load at a time: changes during a load make one more load after it, and only its result counts. */
  function load(): void {
    if (!informers.every((i) => i.synced) || closed) return;
    if (inFlight) {
      loadAgain = true;
      return;
    }
    const configMap = configMaps.get(configMapName, namespace);
    const objects = [...pools.list(namespace), ...advertisements.list(namespace)];
    inFlight = loadConfig(configInputs(namespace, configMapName, configMap, objects))
      .then(
        (loaded) => (closed || loadAgain ? undefined : accept(loaded)),
        (error: Error) => {
          clientMetrics.configStale.set(1);
          logger.error({ err: error.message }, 'config load failed; keeping the last good one, retrying');
          loadAfter(options.backoff.maxMs);
        },
      )
      .finally(() => {
        inFlight = undefined;
        if (!loadAgain) return;
        loadAgain = false;
        load();
      });
  }

  async function accept({ result, fingerprint }: LoadedConfig): Promise<void> {
    const problems = result.ok ? result.warnings : result.problems;
    const problemsText = problems.map(formatProblem).join('\n');
    const newProblems = problemsText !== lastProblems;
    lastProblems = problemsText;
    if (!result.ok) {
      clientMetrics.configStale.set(1);
      clientMetrics.updateErrors.inc();
      if (newProblems) {
        // One line however many problems: a config of 20k overlapping pools must not flood the log.
        logger.error(
          { problems: problems.length, reason: summarizeProblems(problems), all: problemsText },
          'invalid config; keeping the last good one',
        );
        options.onNewProblems?.(problems);
      }
      return;
    }
    if (newProblems && problems.length > 0) {
      logger.warn(
        { warnings: problems.length, reason: summarizeProblems(problems), all: problemsText },
        'config warnings',
      );
    }
    refusedConfig = refuseStranding(result.config) ? { config: result.config, fingerprint } : undefined;
    if (refusedConfig) return;
    // The check and applying the config each take tens of milliseconds for 40k pools: one task
    // each, with waiting I/O (a health probe, a watch event) served between them. One setImmediate
    // would run before the next poll for I/O; a second one, queued from it, runs after.
    await new Promise((resolve) => setImmediate(() => setImmediate(resolve)));
    if (closed || loadAgain) return;
    apply(result.config, fingerprint);
  }

  function apply(config: PoolConfig, fingerprint: string): void {
    hasGood = true;
    clientMetrics.configStale.set(0);
    clientMetrics.configLoaded.set(1);
    options.onValid(config, fingerprint);
  }

  let lastRefusal = '';
  /** True when the config would leave addresses in use in no pool: then it is not applied. */
  function refuseStranding(config: PoolConfig): boolean {
    const stranded =
      hasGood && options.heldAddresses ? strandedAddresses(config, options.heldAddresses()) : [];
    if (stranded.length === 0) {
      lastRefusal = '';
      return false;
    }
    clientMetrics.configStale.set(1);
    clientMetrics.updateErrors.inc();
    const text = describeStranded(stranded);
    if (text !== lastRefusal) {
      logger.error(
        { services: new Set(stranded.map((s) => s.key)).size, stranded: text },
        'config refused: it leaves addresses in use in no pool; keeping the last good one',
      );
      options.onNewRefusal?.(stranded);
    }
    lastRefusal = text;
    return true;
  }

  function loadAfterSettling(): void {
    if (options.settleMs === undefined) load();
    else loadAfter(options.settleMs);
  }

  function loadAfter(delayMs: number): void {
    if (settleTimer || closed) return;
    settleTimer = setTimeout(() => {
      settleTimer = undefined;
      load();
    }, delayMs);
  }

  // What a load reads of each object: an update that changes none of it (the controller's own
  // pool status writes, 40k of them for 40k pools) needs no new load.
  const readParts = new Map<string, string>();
  const partsOf = (o: KubernetesObject) => {
    const { spec, data } = o as { spec?: unknown; data?: unknown };
    return JSON.stringify([o.metadata?.labels, spec, data]);
  };
  for (const source of informers) {
    const keyOf = (o: KubernetesObject) => `${source.name}/${o.metadata?.namespace}/${o.metadata?.name}`;
    source.on('add', (o) => {
      readParts.set(keyOf(o), partsOf(o));
      loadAfterSettling();
    });
    source.on('update', (o) => {
      const parts = partsOf(o);
      if (readParts.get(keyOf(o)) === parts) return;
      readParts.set(keyOf(o), parts);
      loadAfterSettling();
    });
    source.on('delete', (o) => {
      readParts.delete(keyOf(o));
      loadAfterSettling();
    });
  }
  void Promise.all(informers.map((i) => i.whenSynced)).then(load);

  return {
    configMaps,
    pools,
    advertisements,
    informers,
    reloadReportingProblems() {
      lastProblems = '';
      lastRefusal = '';
      load();
    },
    recheckRefused() {
      // The refused config is checked again as it is, at once: nothing it was loaded from changed,
      // only the Services. A Service created right after the last holder was deleted must find
      // the new config applied, not get an address from the pool being retired.
      if (!refusedConfig || closed || refuseStranding(refusedConfig.config)) return;
      const { config, fingerprint } = refusedConfig;
      refusedConfig = undefined;
      apply(config, fingerprint);
    },
    async settled() {
      // A load may be followed by another (changes arrived meanwhile), or wait to settle.
      while (inFlight || settleTimer) await (inFlight ?? new Promise((r) => setTimeout(r, options.settleMs)));
    },
    close() {
      closed = true;
      clearTimeout(settleTimer);
    },
  };
}

export function configInputs(
  namespace: string,
  configMapName: string,
  configMap: V1ConfigMap | undefined,
  objects: readonly KubernetesObject[],
): ConfigInputs {
  return {
    ...(configMap ? { configMap: { namespace, name: configMapName, config: configMap.data?.config } } : {}),
    objects: objects.map((object) => ({ object: readPart(object) })),
  };
}

/**
 * The part of an object a load reads. The rest (managedFields, status, annotations) is most of an
 * object's size, and copying 40k whole objects to the load's worker held the loop for long.
 */
function readPart(object: KubernetesObject): KubernetesObject {
  const { apiVersion, kind, metadata } = object;
  const { spec } = object as { spec?: unknown };
  return {
    apiVersion,
    kind,
    metadata: { name: metadata?.name, namespace: metadata?.namespace, labels: metadata?.labels },
    spec,
  } as KubernetesObject;
}
