// Which implementation announces the lab's Services (`lab up --lb`): baremetal-lb, or the real
// MetalLB, kube-vip or keepalived beside it for comparison. Only one announces at a time. Each gives the lab a
// controller process and one announcing process per node, all named alike ("controller",
// "speaker-NODE") so that `lab status`, restarts and the benchmarks treat them all the same.
import { join } from 'node:path';
import { systemNamespace } from './cluster-objects.ts';
import type { PeerProgram } from './kube/binaries.ts';
import type { LabPaths } from './lab-state.ts';
import type { LabHost } from './network/topology.ts';
import { announcerOnEachNode } from './node-announcers.ts';
import { type KeepalivedProfile, keepalivedProcesses } from './peers/keepalived.ts';
import { kubeVipProcesses } from './peers/kube-vip.ts';
import { metallbController, metallbSpeakers } from './peers/metallb.ts';
import type { ProcessSpec } from './processes.ts';
import { freeLoopbackPort } from './wait.ts';

export type LoadBalancerName =
  | 'baremetal-lb'
  | 'baremetal-lb-fast'
  | 'metallb'
  | 'kube-vip'
  | KeepalivedProfile;
export const loadBalancers: readonly LoadBalancerName[] = [
  'baremetal-lb',
  'baremetal-lb-fast',
  'metallb',
  'kube-vip',
  'keepalived',
  'keepalived-tuned',
];

export function parseLoadBalancer(text: string): LoadBalancerName {
  if ((loadBalancers as readonly string[]).includes(text)) return text as LoadBalancerName;
  throw new Error(`--lb ${text}: expected one of ${loadBalancers.join(', ')}`);
}

/**
 * keepalived knows nothing of Kubernetes: it is told the VIP in advance, holds that one IPv4 address
 * and announces no other Service, and serves no /metrics.
 */
export const isKeepalived = (lb: LoadBalancerName): lb is KeepalivedProfile => lb.startsWith('keepalived');

/** baremetal-lb itself: with its default timing, or "baremetal-lb-fast", its speakers on `--timing fast`. */
export const isOurs = (lb: LoadBalancerName): boolean => lb.startsWith('baremetal-lb');

/** Whether the lab's controller is baremetal-lb's (MetalLB brings its own; the others assign nothing). */
export const controllerIsOurs = (lb: LoadBalancerName): boolean => lb !== 'metallb';

/**
 * Whether the announcer puts the VIP on the node's interface (so the kernel answers ARP for it and a
 * SIGKILLed announcer leaves it there) rather than answering from user space.
 */
export const addsVipToInterface = (lb: LoadBalancerName): boolean => lb === 'kube-vip' || isKeepalived(lb);

/** Whether the implementation reads the speaker Pods (and so the lab must make them). */
export const readsSpeakerPods = (lb: LoadBalancerName): boolean => isOurs(lb) || lb === 'metallb';

const memberlistPort = 7946;

interface Context {
  readonly lb: LoadBalancerName;
  readonly repoRoot: string;
  readonly paths: LabPaths;
  readonly nodes: readonly LabHost[];
  /** The memberlist secret the speakers share (already in paths.memberlistSecret). */
  readonly memberlistSecret: string;
  /** Built on demand, for MetalLB and kube-vip. */
  readonly peers?: Readonly<Record<PeerProgram, string>>;
  /** The ingress Service's IPv4 address, for the implementations that must be told it (keepalived). */
  readonly vip?: string;
}

/** baremetal-lb's controller, which also assigns for kube-vip (kube-vip assigns nothing itself). */
/** The lab runs what ships: the bundles lab up builds (bin/main.mjs), not the sources. */
const runBundles = { BAREMETAL_LB_BUNDLED: '1' };

function ownController({ repoRoot, paths }: Context): ProcessSpec {
  return {
    name: 'controller',
    command: join(repoRoot, 'bin', 'baremetal-lb'),
    env: runBundles,
    args: [
      'controller',
      '--kubeconfig',
      paths.controllerKubeconfig,
      '--namespace',
      systemNamespace,
      '--metrics-addr',
      '127.0.0.1:0',
    ],
  };
}

function ownSpeakers({ lb, repoRoot, paths, nodes }: Context): Map<string, ProcessSpec> {
  return announcerOnEachNode(nodes, (n) => ({
    command: join(repoRoot, 'bin', 'baremetal-lb'),
    args: [
      'speaker',
      '--node-name',
      n.name,
      '--kubeconfig',
      paths.speakerKubeconfig,
      '--namespace',
      systemNamespace,
      '--bind',
      `${n.ipv4}:${memberlistPort}`,
      '--metrics-addr',
      '127.0.0.1:7472',
      ...(lb === 'baremetal-lb-fast' ? ['--timing', 'fast'] : []),
    ],
    secretFiles: { BAREMETAL_LB_MEMBERLIST_SECRET: paths.memberlistSecret },
    env: runBundles,
  }));
}

function peerPrograms(context: Context): Readonly<Record<PeerProgram, string>> {
  if (!context.peers) throw new Error(`--lb ${context.lb} needs its programs built (ensurePeerBinaries)`);
  return context.peers;
}

/** The process that assigns addresses: MetalLB's own, else baremetal-lb's. */
export async function controllerProcess(context: Context): Promise<ProcessSpec> {
  if (context.lb !== 'metallb') return ownController(context);
  return metallbController({
    ...context,
    program: peerPrograms(context)['metallb-controller'],
    port: await freeLoopbackPort(),
  });
}

/** Node name → the process announcing on that node. */
export async function announcerProcesses(context: Context): Promise<Map<string, ProcessSpec>> {
  const { lb } = context;
  if (isOurs(lb)) return ownSpeakers(context);
  if (lb === 'kube-vip') return kubeVipProcesses({ ...context, program: peerPrograms(context)['kube-vip'] });
  if (lb === 'metallb')
    return metallbSpeakers({ ...context, program: peerPrograms(context)['metallb-speaker'] });
  if (!isKeepalived(lb)) throw new Error(`--lb ${lb}: no announcer for it`);
  if (!context.vip) throw new Error(`--lb ${lb} needs the ingress Service's IPv4 address before it starts`);
  return keepalivedProcesses({ ...context, profile: lb, vip: context.vip });
}
