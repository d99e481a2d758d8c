// `lab up --install helm`: the product installed as a cluster operator would with the chart
// (charts/baremetal-lb), instead of kubectl applying manifests/. The chart's DaemonSet makes the
// speaker Pods; the lab then does what the scheduler and the kubelet would: binds each Pod to its
// node and writes it Running, while the lab's own speaker process on that node does the work.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { podRunningStatus, speakerLabels, systemNamespace } from './cluster-objects.ts';
import { ensureHelm } from './kube/build.ts';
import type { Kubectl } from './kubectl.ts';
import type { LabHost } from './network/topology.ts';
import { waitFor } from './wait.ts';

const execFileAsync = promisify(execFile);

export type InstallMethod = 'kustomize' | 'helm';

export function parseInstallMethod(text: string): InstallMethod {
  if (text === 'kustomize' || text === 'helm') return text;
  throw new Error(
    `--install "${text}": say kustomize (manifests/, the default) or helm (charts/baremetal-lb)`,
  );
}

export const releaseName = 'baremetal-lb';

/** `helm install` of the chart into the system namespace, which the caller has created and labelled. */
export async function helmInstall(options: {
  readonly repoRoot: string;
  readonly kubeconfig: string;
  readonly log: (line: string) => void;
}): Promise<void> {
  const helm = await ensureHelm({ log: options.log });
  const chart = join(options.repoRoot, 'charts', releaseName);
  // The chart's webhook is off: kube-apiserver reaches it through its Service, whose endpoints would
  // be the controller Pods, and the lab's controller runs as a process outside any Pod network.
  const args = [
    'install',
    releaseName,
    chart,
    '--namespace',
    systemNamespace,
    '--kubeconfig',
    options.kubeconfig,
    '--set',
    'webhook.enabled=false',
  ];
  try {
    await execFileAsync(helm, args);
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr?.trim();
    throw new Error(`helm ${args.join(' ')} failed${stderr ? `: ${stderr}` : ''}`);
  }
}

interface PodSummary {
  metadata: { name: string };
  spec: { nodeName?: string; affinity?: { nodeAffinity?: unknown } };
}

/** The node a DaemonSet Pod is meant for: its required node affinity names it (matchFields metadata.name). */
export function daemonSetPodNode(pod: PodSummary): string | undefined {
  const text = JSON.stringify(pod.spec.affinity?.nodeAffinity ?? {});
  return /"key":"metadata\.name","operator":"In","values":\["([^"]+)"\]/.exec(text)?.[1];
}

/** Binds the chart's speaker Pods to their nodes and marks them Running and Ready, as a kubelet would. */
export async function runDaemonSetSpeakers(kubectl: Kubectl, nodes: readonly LabHost[]): Promise<void> {
  const selector = Object.entries(speakerLabels)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
  const list = async () =>
    (
      JSON.parse(await kubectl('get', 'pods', '-n', systemNamespace, '-l', selector, '-o', 'json')) as {
        items: PodSummary[];
      }
    ).items;
  const pods = await waitFor(
    `the speaker DaemonSet to make a Pod for each of the ${nodes.length} nodes`,
    60_000,
    async () => {
      const found = await list();
      return nodes.every((n) => found.some((p) => daemonSetPodNode(p) === n.name)) ? found : undefined;
    },
  );
  const now = new Date();
  for (const node of nodes) {
    const pod = pods.find((p) => daemonSetPodNode(p) === node.name)!;
    if (!pod.spec.nodeName) {
      const binding = {
        apiVersion: 'v1',
        kind: 'Binding',
        metadata: { name: pod.metadata.name },
        target: { kind: 'Node', name: node.name },
      };
      await kubectl.createRaw(
        `/api/v1/namespaces/${systemNamespace}/pods/${pod.metadata.name}/binding`,
        binding,
      );
    }
    const status = JSON.stringify(podRunningStatus(node, now, 'speaker'));
    await kubectl(
      'patch',
      'pod',
      '-n',
      systemNamespace,
      pod.metadata.name,
      '--subresource=status',
      '--type=merge',
      '-p',
      status,
    );
  }
}
