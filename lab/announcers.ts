// Which implementation announces the lab's Services (`lab up --lb`): baremetal-lb, or the real
// MetalLB or kube-vip beside it for comparison. Only one announces at a time. Each gives the lab a
// controller process and one announcing process per node, all named alike ("controller",
// "speaker-NODE") so that `lab status`, restarts and the benchmarks treat the three the same.
import { join } from 'node:path';
import { systemNamespace } from './cluster-objects.ts';
import type { PeerProgram } from './kube/binaries.ts';
import type { LabPaths } from './lab-state.ts';
import type { LabHost } from './network/topology.ts';
import { kubeVipProcesses } from './peers/kube-vip.ts';
import { metallbProcesses } from './peers/metallb.ts';
import type { ProcessSpec } from './processes.ts';
import { freeLoopbackPort } from './wait.ts';

export type LoadBalancerName = 'baremetal-lb' | 'metallb' | 'kube-vip';
export const loadBalancers: readonly LoadBalancerName[] = ['baremetal-lb', 'metallb', 'kube-vip'];

export function parseLoadBalancer(text: string): LoadBalancerName {
  if ((loadBalancers as readonly string[]).includes(text)) return text as LoadBalancerName;
  throw new Error(`--lb ${text}: expected one of ${loadBalancers.join(', ')}`);
}

const memberlistPort = 7946;

export interface AnnouncerProcesses {
  readonly controller: ProcessSpec;
  /** Node name → its announcing process. */
  readonly speakers: ReadonlyMap<string, ProcessSpec>;
}

interface Context {
  readonly lb: LoadBalancerName;
  readonly repoRoot: string;
  readonly paths: LabPaths;
  readonly nodes: readonly LabHost[];
  /** The memberlist secret the speakers share (already in paths.memberlistSecret). */
  readonly memberlistSecret: string;
  /** Built on demand, for MetalLB and kube-vip. */
  readonly peers?: Readonly<Record<PeerProgram, string>>;
}

/** baremetal-lb's controller, which also assigns for kube-vip (kube-vip assigns nothing itself). */
function ownController({ repoRoot, paths }: Context): ProcessSpec {
  return {
    name: 'controller',
    command: join(repoRoot, 'bin', 'baremetal-lb'),
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

function ownSpeakers({ repoRoot, paths, nodes }: Context): Map<string, ProcessSpec> {
  return new Map(
    nodes.map((n) => [
      n.name,
      {
        name: `speaker-${n.name}`,
        netns: n.netns,
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
        ],
        secretFiles: { BAREMETAL_LB_MEMBERLIST_SECRET: paths.memberlistSecret },
      },
    ]),
  );
}

function peerPrograms(context: Context): Readonly<Record<PeerProgram, string>> {
  if (!context.peers) throw new Error(`--lb ${context.lb} needs its programs built (ensurePeerBinaries)`);
  return context.peers;
}

export async function announcerProcesses(context: Context): Promise<AnnouncerProcesses> {
  switch (context.lb) {
    case 'baremetal-lb':
      return { controller: ownController(context), speakers: ownSpeakers(context) };
    case 'kube-vip':
      return {
        controller: ownController(context),
        speakers: kubeVipProcesses({ ...context, program: peerPrograms(context)['kube-vip'] }),
      };
    case 'metallb': {
      const programs = peerPrograms(context);
      return metallbProcesses({
        ...context,
        programs: { speaker: programs['metallb-speaker'], controller: programs['metallb-controller'] },
        controllerPort: await freeLoopbackPort(),
      });
    }
  }
}
