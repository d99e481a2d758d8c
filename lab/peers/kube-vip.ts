// `lab up --lb kube-vip`: the real kube-vip (ARP mode, one leader election per Service) announces
// what baremetal-lb's controller assigns; kube-vip assigns nothing itself. One kube-vip per node,
// under the RBAC that kube-vip itself generates (`kube-vip manifest rbac`) and that account's token.
// Its lease timings are those of the DaemonSet `kube-vip manifest daemonset` writes for users.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { parseAllDocuments } from 'yaml';
import type { Kubectl } from '../kubectl.ts';
import type { LabPaths } from '../lab-state.ts';
import type { LabHost } from '../network/topology.ts';
import { announcerOnEachNode } from '../node-announcers.ts';
import type { ProcessSpec } from '../processes.ts';

const execFileAsync = promisify(execFile);

export const kubeVipNamespace = 'kube-system';
export const kubeVipAccount = 'kube-vip';
/** Where every kube-vip serves /metrics inside its node's namespace. */
export const kubeVipMetricsPort = 2112;
/** vip_leaseduration, vip_renewdeadline, vip_retryperiod of kube-vip's generated manifests, in seconds. */
export const kubeVipLease = { durationS: 5, renewDeadlineS: 3, retryPeriodS: 1 } as const;

/** kube-vip's ServiceAccount, ClusterRole and binding, as `kube-vip manifest rbac` prints them. */
export async function installKubeVip(kubectl: Kubectl, program: string): Promise<void> {
  const { stdout } = await execFileAsync(program, ['manifest', 'rbac']);
  await kubectl.apply(parseAllDocuments(stdout).flatMap((doc) => doc.toJS() ?? []));
}

export function kubeVipProcesses(options: {
  readonly program: string;
  readonly paths: LabPaths;
  readonly nodes: readonly LabHost[];
}): Map<string, ProcessSpec> {
  return announcerOnEachNode(options.nodes, (n) => ({
    command: options.program,
    args: [
      'manager',
      '--arp',
      '--services',
      '--servicesElection',
      '--interface',
      n.interface,
      '--serviceInterface',
      n.interface,
      '--nodeName',
      n.name,
      '--k8sConfigPath',
      options.paths.speakerKubeconfig,
      '--namespace',
      kubeVipNamespace,
      '--prometheusHTTPServer',
      `127.0.0.1:${kubeVipMetricsPort}`,
      '--leaseDuration',
      String(kubeVipLease.durationS),
      '--leaseRenewDuration',
      String(kubeVipLease.renewDeadlineS),
      '--leaseRetry',
      String(kubeVipLease.retryPeriodS),
    ],
  }));
}
