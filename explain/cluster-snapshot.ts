// What `explain` reads from the cluster, read once, through any kubeconfig, with read-only calls.
// Kept apart from the reasoning (explain-service.ts), which is pure and tested on tables.
import {
  CoordinationV1Api,
  CoreV1Api,
  CustomObjectsApi,
  DiscoveryV1Api,
  type KubeConfig,
  type KubernetesObject,
  type V1ConfigMap,
  type V1Service,
} from '@kubernetes/client-node';
import { isNotFound } from '../common/kube/api-errors.ts';
import { configInputs } from '../common/kube/pool-config-source.ts';
import { presenceLabels } from '../common/kube/speaker-presence.ts';
import { loadPoolConfig } from '../common/pool-config/load-config.ts';
import { serviceNameLabel, speakerSelector } from '../speaker/cluster-view.ts';
import {
  type L2StatusObject,
  serviceNameLabel as l2ServiceNameLabel,
  l2StatusResource,
  serviceNamespaceLabel,
} from '../speaker/l2-status.ts';
import type { ClusterSnapshot, ServiceEvent } from './explain-service.ts';

export interface SnapshotOptions {
  readonly kubeConfig: KubeConfig;
  /** Where the pool config, the speaker Pods and their presence Leases live. */
  readonly namespace: string;
  readonly configMapName: string;
}

const labelSelector = (labels: Readonly<Record<string, string>>) =>
  Object.entries(labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');

async function orWhenMissing<T>(read: Promise<T>, fallback: T): Promise<T> {
  try {
    return await read;
  } catch (error) {
    if (isNotFound(error)) return fallback;
    throw error;
  }
}

/** Everything but the per-Service parts: shared by `explain ip`, which may explain several. */
export async function readClusterSnapshot(options: SnapshotOptions): Promise<ClusterSnapshot> {
  const { kubeConfig, namespace } = options;
  const core = kubeConfig.makeApiClient(CoreV1Api);
  const custom = kubeConfig.makeApiClient(CustomObjectsApi);
  const listMetallb = (plural: string) =>
    orWhenMissing(
      custom.listNamespacedCustomObject({ group: 'metallb.io', version: 'v1beta1', namespace, plural }),
      { items: [] },
    ).then((list) => (list as { items: KubernetesObject[] }).items);
  const [configMap, pools, advertisements, nodes, pods, leases, services] = await Promise.all([
    orWhenMissing<V1ConfigMap | undefined>(
      core.readNamespacedConfigMap({ name: options.configMapName, namespace }),
      undefined,
    ),
    listMetallb('ipaddresspools'),
    listMetallb('l2advertisements'),
    core.listNode(),
    core.listNamespacedPod({ namespace, labelSelector: labelSelector(speakerSelector.matchLabels) }),
    kubeConfig
      .makeApiClient(CoordinationV1Api)
      .listNamespacedLease({ namespace, labelSelector: labelSelector(presenceLabels) }),
    core.listServiceForAllNamespaces(),
  ]);
  return {
    config: loadPoolConfig(
      configInputs(namespace, options.configMapName, configMap, [...pools, ...advertisements]),
    ),
    nodes: nodes.items,
    speakerPods: pods.items,
    presenceLeases: leases.items,
    services: services.items,
    nowMs: Date.now(),
  };
}

/**
 * The Service's namespace labels, EndpointSlices, Events and ServiceL2Statuses (in the speakers'
 * namespace); without the ServiceL2Status CRD (an older install) there are none.
 */
export async function readServiceDetails(
  kubeConfig: KubeConfig,
  service: V1Service,
  speakerNamespace: string,
) {
  const core = kubeConfig.makeApiClient(CoreV1Api);
  const namespace = service.metadata?.namespace ?? 'default';
  const name = service.metadata?.name ?? '';
  const [ns, slices, events, l2Statuses] = await Promise.all([
    core.readNamespace({ name: namespace }).catch(() => undefined),
    kubeConfig
      .makeApiClient(DiscoveryV1Api)
      .listNamespacedEndpointSlice({ namespace, labelSelector: `${serviceNameLabel}=${name}` }),
    core.listNamespacedEvent({
      namespace,
      fieldSelector: `involvedObject.kind=Service,involvedObject.name=${name}`,
    }),
    kubeConfig
      .makeApiClient(CustomObjectsApi)
      .listNamespacedCustomObject({
        ...l2StatusResource,
        namespace: speakerNamespace,
        labelSelector: `${l2ServiceNameLabel}=${name},${serviceNamespaceLabel}=${namespace}`,
      })
      .then((list: { items: L2StatusObject[] }) => list.items)
      .catch((error: unknown) => {
        if (isNotFound(error)) return [];
        throw error;
      }),
  ]);
  const uid = service.metadata?.uid;
  const serviceEvents: ServiceEvent[] = events.items
    .filter((e) => !uid || !e.involvedObject.uid || e.involvedObject.uid === uid)
    .map((e) => ({
      type: e.type ?? 'Normal',
      reason: e.reason ?? '',
      message: e.message ?? '',
      count: e.count ?? 1,
      lastSeen: new Date(e.lastTimestamp ?? e.eventTime ?? e.metadata.creationTimestamp ?? 0).toISOString(),
      from: e.source?.host ?? e.reportingInstance ?? e.source?.component ?? '',
    }));
  return {
    namespaceLabels: ns?.metadata?.labels ?? {},
    endpointSlices: slices.items,
    events: serviceEvents,
    l2Statuses,
  };
}
