// The fields built-in kinds declare, for fieldValidation: the real server rejects unknown fields
// under Strict (what kubectl sends by default) and drops them otherwise. Checked completely at the
// top level of every kind and inside Service specs (the object this project lives on); deeper
// levels of other kinds are passed through unchecked.

import { isRecord } from './object-model.ts';

const metadataFields = [
  'name',
  'generateName',
  'namespace',
  'selfLink',
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  'labels',
  'annotations',
  'ownerReferences',
  'finalizers',
  'managedFields',
];

const coreEventFields = [
  'involvedObject',
  'reason',
  'message',
  'source',
  'firstTimestamp',
  'lastTimestamp',
  'count',
  'type',
  'eventTime',
  'series',
  'action',
  'related',
  'reportingComponent',
  'reportingInstance',
];
const eventsV1Fields = [
  'regarding',
  'note',
  'deprecatedCount',
  'deprecatedFirstTimestamp',
  'deprecatedLastTimestamp',
  'deprecatedSource',
  'reportingController',
  'reportingInstance',
  'eventTime',
  'series',
  'action',
  'reason',
  'related',
  'type',
];

/** Top-level fields besides apiVersion, kind and metadata, by "group/Kind". */
const topLevel: Record<string, string[]> = {
  '/Namespace': ['spec', 'status'],
  '/Service': ['spec', 'status'],
  '/Endpoints': ['subsets'],
  '/ConfigMap': ['data', 'binaryData', 'immutable'],
  '/Secret': ['data', 'stringData', 'type', 'immutable'],
  '/Node': ['spec', 'status'],
  '/Pod': ['spec', 'status'],
  '/ServiceAccount': ['secrets', 'imagePullSecrets', 'automountServiceAccountToken'],
  '/Event': coreEventFields,
  'events.k8s.io/Event': eventsV1Fields,
  'discovery.k8s.io/EndpointSlice': ['addressType', 'endpoints', 'ports'],
  'coordination.k8s.io/Lease': ['spec'],
  'apps/Deployment': ['spec', 'status'],
  'apps/DaemonSet': ['spec', 'status'],
  'rbac.authorization.k8s.io/Role': ['rules'],
  'rbac.authorization.k8s.io/ClusterRole': ['rules', 'aggregationRule'],
  'rbac.authorization.k8s.io/RoleBinding': ['subjects', 'roleRef'],
  'rbac.authorization.k8s.io/ClusterRoleBinding': ['subjects', 'roleRef'],
  'apiextensions.k8s.io/CustomResourceDefinition': ['spec', 'status'],
};

const serviceSpec = [
  'ports',
  'selector',
  'clusterIP',
  'clusterIPs',
  'type',
  'externalIPs',
  'sessionAffinity',
  'loadBalancerIP',
  'loadBalancerSourceRanges',
  'externalName',
  'externalTrafficPolicy',
  'healthCheckNodePort',
  'publishNotReadyAddresses',
  'sessionAffinityConfig',
  'ipFamilies',
  'ipFamilyPolicy',
  'allocateLoadBalancerNodePorts',
  'loadBalancerClass',
  'internalTrafficPolicy',
  'trafficDistribution',
];
const servicePort = ['name', 'protocol', 'appProtocol', 'port', 'targetPort', 'nodePort'];

type Path = (string | number)[];

/**
 * Removes fields the kind does not declare from `object` (in place) and returns their paths
 * (`spec.port`, `spec.ports[0].nodeport`); undefined kinds are left alone.
 */
export function pruneUnknownFields(group: string, kind: string, object: Record<string, unknown>): string[] {
  const declared = topLevel[`${group}/${kind}`];
  if (!declared) return [];
  const unknown: string[] = [];
  prune(object, ['apiVersion', 'kind', 'metadata', ...declared], [], unknown);
  if (isRecord(object.metadata)) prune(object.metadata, metadataFields, ['metadata'], unknown);
  if (group === '' && kind === 'Service' && isRecord(object.spec)) {
    prune(object.spec, serviceSpec, ['spec'], unknown);
    if (Array.isArray(object.spec.ports)) {
      object.spec.ports.forEach((port, i) => {
        if (isRecord(port)) prune(port, servicePort, ['spec', 'ports', i], unknown);
      });
    }
  }
  return unknown;
}

function prune(object: Record<string, unknown>, declared: string[], at: Path, unknown: string[]): void {
  for (const key of Object.keys(object)) {
    if (declared.includes(key)) continue;
    unknown.push(formatPath([...at, key]));
    delete object[key];
  }
}

function formatPath(path: Path): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
}
