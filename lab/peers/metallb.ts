// `lab up --lb metallb`: the real MetalLB (v0.15, layer 2) announces instead of baremetal-lb, on the
// same nodes, client and ingress. It runs as on a cluster, less what needs a Pod network: its own
// install manifest, CRDs and RBAC, its controller and a speaker per node under their own
// ServiceAccount tokens, speaker Pod objects (each speaker reads its own Pod, and finds its memberlist
// peers from their Pod IPs), and its own IPAddressPool and L2Advertisement.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import type { HostPod } from '../cluster-objects.ts';
import { moduleSourceDir } from '../kube/module-source.ts';
import type { Kubectl } from '../kubectl.ts';
import type { LabPaths } from '../lab-state.ts';
import type { LabHost } from '../network/topology.ts';
import { announcerOnEachNode } from '../node-announcers.ts';
import type { ProcessSpec } from '../processes.ts';

export const metallbNamespace = 'metallb-system';
const speakerLabels = { app: 'metallb', component: 'speaker' } as const;
/** Where every speaker serves /metrics inside its node's namespace, as ours does. */
export const metallbSpeakerMetricsPort = 7472;
const memberlistPort = 7946;

interface ManifestObject {
  kind?: string;
  metadata?: { name?: string };
  spec?: { conversion?: unknown };
}

/**
 * Kinds of MetalLB's install manifest the lab leaves out: its Pods run as lab processes, and its
 * webhook, which kube-apiserver would reach through a Service, has no Pod network to run in.
 */
const leftOut = new Set(['Deployment', 'DaemonSet', 'Service', 'ValidatingWebhookConfiguration']);

/**
 * MetalLB's own config/manifests/metallb-native.yaml from its module source, less `leftOut`. The
 * BGPPeer CRD's conversion webhook goes too: with no webhook server every BGPPeer request would fail
 * (layer 2 uses no BGPPeer, and v1beta2 is its only stored version).
 */
export function metallbInstallObjects(manifest: string): ManifestObject[] {
  return parseAllDocuments(manifest)
    .map((doc) => doc.toJS() as ManifestObject | null)
    .filter((o): o is ManifestObject => !!o?.kind && !leftOut.has(o.kind))
    .map((o) => {
      if (o.kind !== 'CustomResourceDefinition' || !o.spec?.conversion) return o;
      const { conversion: _webhook, ...spec } = o.spec;
      return { ...o, spec };
    });
}

/**
 * Namespace, CRDs, ServiceAccounts, RBAC and ConfigMap from MetalLB's manifest; with `kinds`, only
 * the objects of those kinds.
 */
export async function installMetallb(kubectl: Kubectl, kinds?: readonly string[]): Promise<void> {
  const source = await moduleSourceDir('metallb', 'go.universe.tf/metallb');
  const manifest = await readFile(join(source, 'config', 'manifests', 'metallb-native.yaml'), 'utf8');
  const objects = metallbInstallObjects(manifest);
  await kubectl.apply(kinds ? objects.filter((o) => kinds.includes(o.kind ?? '')) : objects);
  await kubectl('wait', '--for=condition=Established', '--timeout=30s', 'crd/ipaddresspools.metallb.io');
}

export function metallbSpeakerPod(node: LabHost): HostPod {
  return {
    name: `speaker-${node.name}`,
    namespace: metallbNamespace,
    labels: speakerLabels,
    container: 'speaker',
  };
}

export const metallbPoolManifest = join(import.meta.dirname, 'metallb-pool.yaml');

/** The speakers' memberlist key, as the Secret mounted at --ml-secret-key-path would hold it. */
async function writeMemberlistKey(paths: LabPaths, secret: string): Promise<string> {
  // Named in labEntries, so that `lab down` removes it.
  const dir = join(paths.dir, 'metallb-memberlist');
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await writeFile(join(dir, 'secretkey'), secret, { mode: 0o600 });
  return dir;
}

/** MetalLB's controller, in the root namespace with its metrics on `port` (it listens on every address). */
export function metallbController(options: {
  readonly program: string;
  readonly paths: LabPaths;
  readonly port: number;
}): ProcessSpec {
  return {
    name: 'controller',
    command: options.program,
    args: [
      '--kubeconfig',
      options.paths.controllerKubeconfig,
      '--namespace',
      metallbNamespace,
      '--log-level',
      'info',
      '--port',
      String(options.port),
      '--webhook-mode=disabled',
      '--disable-cert-rotation',
    ],
  };
}

/** A speaker per node, its metrics on 127.0.0.1 of the node's namespace, memberlist on the node's IPv4. */
export async function metallbSpeakers(options: {
  readonly program: string;
  readonly paths: LabPaths;
  readonly nodes: readonly LabHost[];
  readonly memberlistSecret: string;
}): Promise<Map<string, ProcessSpec>> {
  const { paths } = options;
  const keyDir = await writeMemberlistKey(paths, options.memberlistSecret);
  return announcerOnEachNode(options.nodes, (n) => ({
    command: options.program,
    args: [
      '--kubeconfig',
      paths.speakerKubeconfig,
      '--namespace',
      metallbNamespace,
      '--log-level',
      'info',
      '--node-name',
      n.name,
      '--pod-name',
      metallbSpeakerPod(n).name,
      '--host',
      '127.0.0.1',
      '--port',
      String(metallbSpeakerMetricsPort),
      '--ml-bindaddr',
      n.ipv4,
      '--ml-bindport',
      String(memberlistPort),
      '--ml-labels',
      Object.entries(speakerLabels)
        .map(([k, v]) => `${k}=${v}`)
        .join(','),
      '--ml-secret-key-path',
      keyDir,
    ],
  }));
}
