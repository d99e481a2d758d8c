// What the speaker's caches keep of the Services, EndpointSlices and Nodes it watches: the fields
// planning, its Events and the config's held-address check read, and nothing else. At 10k Services
// the full objects were most of the speaker's heap, and a Node's status (its image list) can hold
// tens of kilobytes the speaker never reads. Pure; the tests check planning reads the same from
// the shaped objects as from the full ones.
import type { V1EndpointSlice, V1Node, V1ObjectMeta, V1Service } from '@kubernetes/client-node';

function identity(metadata: V1ObjectMeta | undefined): V1ObjectMeta {
  const { name, namespace, uid, resourceVersion, labels, annotations, deletionTimestamp } = metadata ?? {};
  return { name, namespace, uid, resourceVersion, labels, annotations, deletionTimestamp };
}

/** metadata, the type, class and traffic policy, and the addresses in the status. */
export function serviceForPlanning(service: V1Service): V1Service {
  const { type, loadBalancerClass, externalTrafficPolicy } = service.spec ?? {};
  const ingress = service.status?.loadBalancer?.ingress?.map(({ ip, hostname }) => ({ ip, hostname }));
  return {
    metadata: identity(service.metadata),
    spec: { type, loadBalancerClass, externalTrafficPolicy },
    status: { loadBalancer: { ingress } },
  };
}

/** metadata (the service-name label), and each endpoint's node and conditions. */
export function sliceForPlanning(slice: V1EndpointSlice): V1EndpointSlice {
  return {
    metadata: identity(slice.metadata),
    addressType: slice.addressType,
    endpoints: (slice.endpoints ?? []).map(({ nodeName, conditions }) => ({
      addresses: [],
      nodeName,
      conditions,
    })),
  };
}

/** metadata (labels), and the conditions' types and statuses. */
export function nodeForPlanning(node: V1Node): V1Node {
  const conditions = node.status?.conditions?.map(({ type, status }) => ({ type, status }));
  return { metadata: identity(node.metadata), status: { conditions } };
}
