// Everything the speaker watches: Services, EndpointSlices, Nodes, the speaker Pods of its namespace,
// and the pool config (ConfigMap + metallb.io resources) parsed together, keeping the last good config
// when a change makes it invalid.

import {
  CoreV1Api,
  DiscoveryV1Api,
  type KubernetesObject,
  type V1EndpointSlice,
  type V1Node,
  type V1Pod,
  type V1Service,
} from '@kubernetes/client-node';
import { informerFactory } from '../common/kube/informer-factory.ts';
import { type PoolConfigSourceOptions, poolConfigSource } from '../common/kube/pool-config-source.ts';
import type { ResilientInformer } from '../common/kube/resilient-informer.ts';
import type { PoolConfig } from '../common/pool-config/model.ts';
import { heldAddresses } from '../common/service-fields.ts';
import { isSpeakerPod } from './cluster-view.ts';

export interface ClusterInformersOptions
  extends Pick<
    PoolConfigSourceOptions,
    'kubeConfig' | 'logger' | 'namespace' | 'configMapName' | 'backoff' | 'clientMetrics'
  > {
  /** Only Services with this loadBalancerClass; unset = only Services without a class. */
  readonly lbClass?: string;
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

const verbs = ['add', 'update', 'delete'] as const;

export function clusterInformers(options: ClusterInformersOptions): ClusterInformers {
  const { kubeConfig, logger, namespace } = options;
  const core = kubeConfig.makeApiClient(CoreV1Api);
  const discovery = kubeConfig.makeApiClient(DiscoveryV1Api);
  const informer = informerFactory({ kubeConfig, logger, backoff: options.backoff });

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
  let config: PoolConfig | undefined;
  const configSource = poolConfigSource({
    kubeConfig,
    logger,
    namespace,
    configMapName: options.configMapName,
    backoff: options.backoff,
    clientMetrics: options.clientMetrics,
    onValid: (loaded) => {
      config = loaded;
      options.onChange();
    },
    // A config that would leave announced addresses in no pool is refused here too, or the speakers
    // would stop answering for addresses the controller keeps.
    heldAddresses: () => heldAddresses(services.list(), options.lbClass),
  });
  const all = [
    services,
    slices,
    nodes,
    pods,
    ...configSource.informers,
  ] as ResilientInformer<KubernetesObject>[];

  for (const verb of verbs) {
    for (const source of [services, slices, nodes]) source.on(verb, options.onChange);
    services.on(verb, () => configSource.recheckRefused());
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
      void Promise.all(all.map((i) => i.whenSynced)).then(() => {
        logger.info({}, 'informers synced');
        options.onSpeakerPods();
      });
    },
    async stop() {
      configSource.close();
      await Promise.all(all.map((i) => i.stop()));
    },
  };
}
