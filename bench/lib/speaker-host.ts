// A node for one speaker under benchmark: a network namespace of its own (a veth pair), relays so that
// 127.0.0.1:PORT inside it reaches the API server, a Ready Node object, the speaker's Pod (Running)
// and a ready endpoint on the node for every benchmark Service, so that the speaker must announce
// them all. Used for baremetal-lb's speaker and for MetalLB's.
import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
import {
  CoreV1Api,
  DiscoveryV1Api,
  type KubeConfig,
  PatchStrategy,
  setHeaderOptions,
} from '@kubernetes/client-node';
import {
  endpointSliceObject,
  nodeObject,
  nodeReadyStatus,
  podRunningStatus,
} from '../../lab/cluster-objects.ts';
import type { LabHost } from '../../lab/network/topology.ts';
import { inParallel, spawnCli, waitForLine } from './controller-process.ts';
import { createNetnsPair, type NetnsPair } from './netns-pair.ts';

const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
const relayScript = path.resolve(import.meta.dirname, '../../lab/socket-relay.ts');

/** A Pod object for the speaker on `node` (its namespace and name say where the speaker looks). */
type PodOf = (node: LabHost) => {
  metadata: { name: string; namespace: string };
  spec: { containers: { name: string }[] };
};

/** Both relays are processes of their own: the speaker opens a connection per write in flight. */
async function startRelays(kc: KubeConfig, node: LabHost, socket: string, children: ChildProcess[]) {
  const apiPort = new URL(kc.getCurrentCluster()!.server).port;
  const lines: string[] = [];
  const onLine = (l: string) => void lines.push(l);
  children.push(
    spawnCli(['--listen', `unix:${socket}`, '--connect', `127.0.0.1:${apiPort}`], onLine, [
      process.execPath,
      relayScript,
    ]),
  );
  await waitForLine(lines, /^relay unix:/, 20_000);
  children.push(
    spawnCli(['--listen', `127.0.0.1:${apiPort}`, '--connect', `unix:${socket}`], onLine, [
      'ip',
      'netns',
      'exec',
      node.netns,
      process.execPath,
      relayScript,
    ]),
  );
  await waitForLine(lines, /^relay 127/, 20_000);
}

export async function prepareSpeakerHost(options: {
  readonly kc: KubeConfig;
  readonly pair: NetnsPair;
  /** The Unix socket between the two relays. */
  readonly socket: string;
  readonly serviceCount: number;
  readonly podOf: PodOf;
  /** Where the relays are recorded, for the caller to stop. */
  readonly children: ChildProcess[];
}): Promise<{ node: LabHost }> {
  const { kc, pair } = options;
  await createNetnsPair(pair);
  const node: LabHost = { ...pair.node, name: 'bench-node', interface: pair.ifname, switchPort: '' };
  await startRelays(kc, node, options.socket, options.children);
  const core = kc.makeApiClient(CoreV1Api);
  const now = new Date();
  await core.createNode({ body: nodeObject(node) });
  // Merge patches, not replaces: on a real cluster kube-controller-manager touches a new Node at once,
  // so a replace with the version from the create would conflict.
  await core.patchNodeStatus({ name: node.name, body: nodeReadyStatus(node, now) }, mergePatch);
  const pod = options.podOf(node);
  await core.createNamespacedPod({ namespace: pod.metadata.namespace, body: pod });
  const status = podRunningStatus(node, now, pod.spec.containers[0]!.name);
  await core.patchNamespacedPodStatus(
    { namespace: pod.metadata.namespace, name: pod.metadata.name, body: status },
    mergePatch,
  );
  await createServingSlices(kc, node, 0, options.serviceCount);
  return { node };
}

/** A ready endpoint on `node` for the Services svc-FROM … svc-(TO-1), so its speaker must announce them. */
export async function createServingSlices(
  kc: KubeConfig,
  node: LabHost,
  from: number,
  to: number,
): Promise<void> {
  const discovery = kc.makeApiClient(DiscoveryV1Api);
  await inParallel(to - from, (i) =>
    discovery.createNamespacedEndpointSlice({
      namespace: 'default',
      body: endpointSliceObject({
        namespace: 'default',
        service: `svc-${from + i}`,
        family: 6,
        ports: [{ name: '', port: 80 }],
        endpoints: [{ node, ready: true }],
      }),
    }),
  );
}
