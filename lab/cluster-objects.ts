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

export function speakerPodObject(node: LabHost) {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: speakerPodName(node), namespace: systemNamespace, labels: { ...speakerLabels } },
    spec: {
      nodeName: node.name,
      hostNetwork: true,
      containers: [{ name: 'speaker', image: 'baremetal-lb:lab', args: ['speaker'] }],
    },
  };
}

export function speakerPodRunningStatus(node: LabHost, now: Date) {
  const at = now.toISOString().replace(/\.\d+Z$/, 'Z');
  return {
    status: {
      phase: 'Running',
      hostIP: node.ipv4,
      podIP: node.ipv4,
      podIPs: [{ ip: node.ipv4 }, { ip: node.ipv6 }],
      startTime: at,
      conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: at }],
      // kubectl's READY column counts ready containers, not the Ready condition.
      containerStatuses: [
        {
          name: 'speaker',
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
