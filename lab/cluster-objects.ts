// The objects a real cluster would have made for the lab's hosts: a Ready Node per node namespace
// and a running speaker Pod on each (the speakers find their peers from these Pods). Plain data,
// applied with kubectl like everything else the lab creates.
import type { LabHost } from './network/topology.ts';

export const systemNamespace = 'baremetal-lb-system';
export const speakerLabels = { app: 'baremetal-lb', component: 'speaker' } as const;

export function nodeObject(node: LabHost) {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: node.name,
      labels: {
        'kubernetes.io/hostname': node.name,
        'kubernetes.io/os': 'linux',
        'baremetal-lb.io/lab': 'true',
      },
    },
    spec: {},
  };
}

export function nodeReadyStatus(node: LabHost, now: Date) {
  const at = now.toISOString().replace(/\.\d+Z$/, 'Z');
  return {
    status: {
      addresses: [
        { type: 'InternalIP', address: node.ipv4 },
        { type: 'InternalIP', address: node.ipv6 },
        { type: 'Hostname', address: node.name },
      ],
      conditions: [
        {
          type: 'Ready',
          status: 'True',
          reason: 'KubeletReady',
          lastHeartbeatTime: at,
          lastTransitionTime: at,
        },
        { type: 'NetworkUnavailable', status: 'False', reason: 'LabSegment', lastTransitionTime: at },
      ],
      nodeInfo: { kubeletVersion: 'v1.32.0-lab', operatingSystem: 'linux', architecture: 'amd64' },
    },
  };
}

export function speakerPodName(node: LabHost): string {
  return `speaker-${node.name}`;
}

/** A host-network Pod bound to `node`: no kubelet runs it, the lab's own process on that node does. */
export interface HostPod {
  readonly name: string;
  readonly namespace: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly container: string;
  readonly ports?: readonly { name: string; containerPort: number }[];
}

export function hostPodObject(node: LabHost, pod: HostPod) {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: pod.name, namespace: pod.namespace, labels: { ...pod.labels } },
    spec: {
      nodeName: node.name,
      hostNetwork: true,
      containers: [
        {
          name: pod.container,
          image: 'baremetal-lb:lab',
          ...(pod.ports ? { ports: pod.ports.map((p) => ({ ...p, protocol: 'TCP' })) } : {}),
        },
      ],
    },
  };
}

export function speakerPod(node: LabHost): HostPod {
  return {
    name: speakerPodName(node),
    namespace: systemNamespace,
    labels: speakerLabels,
    container: 'speaker',
  };
}

export function speakerPodObject(node: LabHost) {
  return hostPodObject(node, speakerPod(node));
}

/**
 * What a kubelet would write for a started, ready Pod on `node`; with it the real EndpointSlice
 * controller lists the Pod as a ready endpoint of the Services that select it.
 */
export function podRunningStatus(node: LabHost, now: Date, container: string) {
  const at = now.toISOString().replace(/\.\d+Z$/, 'Z');
  return {
    status: {
      phase: 'Running',
      hostIP: node.ipv4,
      hostIPs: [{ ip: node.ipv4 }, { ip: node.ipv6 }],
      podIP: node.ipv4,
      podIPs: [{ ip: node.ipv4 }, { ip: node.ipv6 }],
      startTime: at,
      conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: at }],
      // kubectl's READY column counts ready containers, not the Ready condition.
      containerStatuses: [
        {
          name: container,
          ready: true,
          started: true,
          restartCount: 0,
          image: 'baremetal-lb:lab',
          imageID: '',
          state: { running: { startedAt: at } },
        },
      ],
    },
  };
}

export function speakerPodRunningStatus(node: LabHost, now: Date) {
  return podRunningStatus(node, now, 'speaker');
}

/** EndpointSlice for a Service whose backends run on the given nodes (one endpoint per node). */
export function endpointSliceObject(options: {
  namespace: string;
  service: string;
  family: 4 | 6;
  ports: { name: string; port: number }[];
  endpoints: { node: LabHost; ready: boolean }[];
}) {
  const { namespace, service, family } = options;
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: {
      name: `${service}-lab-ipv${family}`,
      namespace,
      labels: { 'kubernetes.io/service-name': service, 'endpointslice.kubernetes.io/managed-by': 'lab' },
    },
    addressType: family === 4 ? 'IPv4' : 'IPv6',
    endpoints: options.endpoints.map(({ node, ready }) => ({
      addresses: [family === 4 ? node.ipv4 : node.ipv6],
      conditions: { ready, serving: ready, terminating: false },
      nodeName: node.name,
    })),
    ports: options.ports.map((p) => ({ name: p.name, port: p.port, protocol: 'TCP' })),
  };
}
