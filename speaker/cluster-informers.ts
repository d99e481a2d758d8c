// Everything the speaker watches: Services, EndpointSlices, Nodes, the speaker Pods of its namespace,
// and the pool config (ConfigMap + metallb.io resources) parsed together, keeping the last good config
// when a change makes it invalid.

import {
  CoreV1Api,
  CustomObjectsApi,
  DiscoveryV1Api,
  type KubeConfig,
  type KubernetesListObject,
  type KubernetesObject,
  type V1ConfigMap,
  type V1EndpointSlice,
  type V1Node,
  type V1Pod,
  type V1Service,
} from '@kubernetes/client-node';
import { isNotFound } from '../common/kube/api-errors.ts';
import type { BackoffPolicy } from '../common/kube/backoff.ts';
import type { KubeClientMetrics } from '../common/kube/client-metrics.ts';
import { ResilientInformer } from '../common/kube/resilient-informer.ts';
import type { Logger } from '../common/observability/logger.ts';
import { loadPoolConfig } from '../common/pool-config/load-config.ts';
import type { PoolConfig } from '../common/pool-config/model.ts';
import { formatProblem } from '../common/pool-config/problems.ts';
import { configInputs } from '../controller/config-objects.ts';
import { isSpeakerPod } from './cluster-view.ts';

export interface ClusterInformersOptions {
  readonly kubeConfig: KubeConfig;
  readonly logger: Logger;
  readonly namespace: string;
  readonly configMapName: string;
  readonly backoff: BackoffPolicy;
  readonly clientMetrics: KubeClientMetrics;
  /** Something the plan depends on changed (the config only when it loaded valid). */
  readonly onChange: () => void;
  /** The set of speaker Pods changed. */
  readonly onSpeakerPods: () => void;
}

export interface ClusterInformers {
  readonly services: ResilientInformer<V1Service>;
  readonly slices: ResilientInformer<V1EndpointSlice>;
  readonly nodes: ResilientInformer<V1Node>;
  readonly pods: ResilientInformer<V1Pod>;
  readonly all: readonly ResilientInformer<KubernetesObject>[];
  /** The last valid config; undefined until one loaded. */
  config(): PoolConfig | undefined;
  synced(): boolean;
  start(): void;
  stop(): Promise<void>;
}

const metallbGroup = { group: 'metallb.io', version: 'v1beta1' } as const;
const emptyList = { items: [], metadata: { resourceVersion: '' } };
const verbs = ['add', 'update', 'delete'] as const;

export function clusterInformers(options: ClusterInformersOptions): ClusterInformers {
  const { kubeConfig, logger, namespace, clientMetrics } = options;
  const core = kubeConfig.makeApiClient(CoreV1Api);
  const custom = kubeConfig.makeApiClient(CustomObjectsApi);
  const discovery = kubeConfig.makeApiClient(DiscoveryV1Api);
  const informer = <T extends KubernetesObject>(
    name: string,
    path: string,
    list: () => Promise<KubernetesListObject<T>>,
  ) => new ResilientInformer<T>({ name, kubeConfig, path, list, logger, backoff: options.backoff });
  const listCustom = (plural: string) => async () => {
    try {
      return await custom.listNamespacedCustomObject({ ...metallbGroup, namespace, plural });
    } catch (error) {
      if (isNotFound(error)) return emptyList; // CRDs not installed: no such resources
      throw error;
    }
  };

  const services = informer<V1Service>('services', '/api/v1/services', () =>
    core.listServiceForAllNamespaces(),
  );
  const slices = informer<V1EndpointSlice>('endpointslices', '/apis/discovery.k8s.io/v1/endpointslices', () =>
    discovery.listEndpointSliceForAllNamespaces(),
  );
  const nodes = informer<V1Node>('nodes', '/api/v1/nodes', () => core.listNode());
  const pods = informer<V1Pod>('pods', `/api/v1/namespaces/${namespace}/pods`, () =>
    core.listNamespacedPod({ namespace }),
  );
  const configMaps = informer<V1ConfigMap>('configmaps', `/api/v1/namespaces/${namespace}/configmaps`, () =>
    core.listNamespacedConfigMap({ namespace }),
  );
  const pools = informer<KubernetesObject>(
    'ipaddresspools',
    `/apis/metallb.io/v1beta1/namespaces/${namespace}/ipaddresspools`,
    listCustom('ipaddresspools'),
  );
  const advertisements = informer<KubernetesObject>(
    'l2advertisements',
    `/apis/metallb.io/v1beta1/namespaces/${namespace}/l2advertisements`,
    listCustom('l2advertisements'),
  );
  const configSources = [configMaps, pools, advertisements];
  const all = [services, slices, nodes, pods, ...configSources] as ResilientInformer<KubernetesObject>[];

  let config: PoolConfig | undefined;
  let lastProblems = '';
  function loadConfig(): void {
    if (!configSources.every((i) => i.synced)) return;
    const objects = [...pools.list(namespace), ...advertisements.list(namespace)];
    const configMap = configMaps.get(options.configMapName, namespace);
    const result = loadPoolConfig(configInputs(namespace, options.configMapName, configMap, objects));
    const problems = result.ok ? result.warnings : result.problems;
    const problemsText = problems.map(formatProblem).join('\n');
    const newProblems = problemsText !== lastProblems;
    lastProblems = problemsText;
    clientMetrics.configStale.set(result.ok ? 0 : 1);
    if (!result.ok) {
      clientMetrics.updateErrors.inc();
      if (newProblems)
        for (const p of problems)
          logger.error({ reason: formatProblem(p) }, 'invalid config; keeping the last good one');
      return;
    }
    if (newProblems) for (const p of problems) logger.warn({ reason: formatProblem(p) }, 'config warning');
    clientMetrics.configLoaded.set(1);
    config = result.config;
    options.onChange();
  }

  for (const verb of verbs) {
    for (const source of [services, slices, nodes]) source.on(verb, options.onChange);
    for (const source of configSources) source.on(verb, loadConfig);
    pods.on(verb, (pod) => {
      if (isSpeakerPod(pod)) options.onSpeakerPods();
    });
  }

  return {
    services,
    slices,
    nodes,
    pods,
    all,
    config: () => config,
    synced: () => all.every((i) => i.synced),
    start() {
      for (const i of all) i.start();
      void Promise.all(configSources.map((i) => i.whenSynced)).then(loadConfig);
      void Promise.all(all.map((i) => i.whenSynced)).then(() => {
        logger.info({}, 'informers synced');
        options.onSpeakerPods();
      });
    },
    async stop() {
      await Promise.all(all.map((i) => i.stop()));
    },
  };
}
