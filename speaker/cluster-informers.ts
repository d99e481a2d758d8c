// Everything the speaker watches: Services, EndpointSlices, Nodes, the speaker Pods of its namespace,
// its own node's ServiceL2Statuses, and the pool config (ConfigMap + metallb.io resources) parsed
// together, keeping the last good config when a change makes it invalid. Changes are told by what
// they touch: a Service or its slices touch that Service; nodes and the config touch every one.

import type { KubernetesObject, V1EndpointSlice, V1Node, V1Pod, V1Service } from '@kubernetes/client-node';
import { informerFactory } from '../common/kube/informer-factory.ts';
import { type PoolConfigSourceOptions, poolConfigSource } from '../common/kube/pool-config-source.ts';
import type { ResilientInformer } from '../common/kube/resilient-informer.ts';
import type { PoolConfig } from '../common/pool-config/model.ts';
import { heldAddresses, serviceKey } from '../common/service-fields.ts';
import { nodeForPlanning, serviceForPlanning, sliceForPlanning } from './cache-shapes.ts';
import { isSpeakerPod, SliceIndex } from './cluster-view.ts';
import { nodeEligibilityFacts } from './election/eligibility.ts';
import { type L2StatusObject, l2StatusPath, nodeLabel } from './l2-status.ts';

export interface ClusterInformersOptions
  extends Pick<
    PoolConfigSourceOptions,
    'connection' | 'logger' | 'namespace' | 'configMapName' | 'backoff' | 'clientMetrics'
  > {
  /** Only Services with this loadBalancerClass; unset = only Services without a class. */
  readonly lbClass?: string;
  /** This node's name: only its ServiceL2Statuses are watched. */
  readonly self: string;
  /** These Services (namespace/name) or their EndpointSlices changed. */
  readonly onServices: (keys: readonly string[]) => void;
  /** Something every plan depends on changed: the Nodes, or the config (only when it loaded valid). */
  readonly onWorld: () => void;
  /** The set of speaker Pods changed. */
  readonly onSpeakerPods: () => void;
}

export interface ClusterInformers {
  readonly services: ResilientInformer<V1Service>;
  readonly slices: ResilientInformer<V1EndpointSlice>;
  readonly nodes: ResilientInformer<V1Node>;
  readonly pods: ResilientInformer<V1Pod>;
  readonly l2Statuses: ResilientInformer<L2StatusObject>;
  readonly all: readonly ResilientInformer<KubernetesObject>[];
  /** The EndpointSlices of a Service (namespace/name). */
  slicesOf(key: string): V1EndpointSlice[];
  /** The last valid config; undefined until one loaded. */
  config(): PoolConfig | undefined;
  synced(): boolean;
  start(): void;
  stop(): Promise<void>;
}

const verbs = ['add', 'update', 'delete'] as const;

export function clusterInformers(options: ClusterInformersOptions): ClusterInformers {
  const { connection, logger, namespace } = options;
  const informer = informerFactory({ connection, logger, backoff: options.backoff });

  const services = informer<V1Service>('services', '/api/v1/services', { shape: serviceForPlanning });
  const slices = informer<V1EndpointSlice>('endpointslices', '/apis/discovery.k8s.io/v1/endpointslices', {
    shape: sliceForPlanning,
  });
  const nodes = informer<V1Node>('nodes', '/api/v1/nodes', { shape: nodeForPlanning });
  const pods = informer<V1Pod>('pods', `/api/v1/namespaces/${namespace}/pods`);
  const l2Statuses = informer<L2StatusObject>('servicel2statuses', l2StatusPath(namespace), {
    labelSelector: `${nodeLabel}=${options.self}`,
  });
  const sliceIndex = new SliceIndex();
  /** Node name → what eligibility last read of it. */
  const nodeFacts = new Map<string, string>();
  let config: PoolConfig | undefined;
  const configSource = poolConfigSource({
    connection,
    logger,
    namespace,
    configMapName: options.configMapName,
    backoff: options.backoff,
    clientMetrics: options.clientMetrics,
    onValid: (loaded) => {
      config = loaded;
      options.onWorld();
    },
    // A config that would leave announced addresses in no pool is refused here too, or the speakers
    // would stop answering for addresses the controller keeps.
    heldAddresses: () => heldAddresses(services.list(), options.lbClass),
  });
  const planningInputs = [
    services,
    slices,
    nodes,
    pods,
    ...configSource.informers,
  ] as ResilientInformer<KubernetesObject>[];
  // Not a planning input: without the ServiceL2Status CRD (applied late, or an old install) the
  // speaker still answers ARP/NDP, and its informer keeps retrying until the CRD is there.
  const all = [...planningInputs, l2Statuses as ResilientInformer<KubernetesObject>];

  for (const verb of verbs) {
    services.on(verb, (service) => options.onServices([serviceKey(service)]));
    slices.on(verb, (slice) => {
      const touched = verb === 'delete' ? sliceIndex.delete(slice) : sliceIndex.set(slice);
      if (touched.length > 0) options.onServices(touched);
    });
    nodes.on(verb, (node) => {
      const name = node.metadata?.name ?? '';
      const facts = verb === 'delete' ? undefined : nodeEligibilityFacts(node);
      if (nodeFacts.get(name) === facts) return;
      if (facts === undefined) nodeFacts.delete(name);
      else nodeFacts.set(name, facts);
      options.onWorld();
    });
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
    l2Statuses,
    all,
    slicesOf: (key) => sliceIndex.of(key),
    config: () => config,
    synced: () => planningInputs.every((i) => i.synced),
    start() {
      for (const i of all) i.start();
      void Promise.all(planningInputs.map((i) => i.whenSynced)).then(() => {
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
