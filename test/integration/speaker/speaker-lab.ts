// A small cluster for speaker tests: N node namespaces and a client on one L2 segment, an API server
// (embedded in this process, or the real one with BLB_KUBE=real) reached from the node namespaces
// through socket relays, Ready Nodes and Running speaker Pods, a dual-stack pool and one
// LoadBalancer Service whose status the test sets itself. Speakers run as real processes
// (bin/main.mjs speaker) inside the node namespaces.

import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import type { Server } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import {
  CoreV1Api,
  CustomObjectsApi,
  DiscoveryV1Api,
  KubeConfig,
  PatchStrategy,
  setHeaderOptions,
} from '@kubernetes/client-node';
import {
  endpointSliceObject,
  nodeObject,
  nodeReadyStatus,
  speakerPodName,
  speakerPodObject,
  speakerPodRunningStatus,
  systemNamespace,
} from '../../../lab/cluster-objects.ts';
import { installProjectCrds } from '../../../lab/install-crds.ts';
import { inNetns } from '../../../lab/network/ip-command.ts';
import { createSegment, removeSegment } from '../../../lab/network/segment.ts';
import { type LabHost, type LabTopology, planTopology } from '../../../lab/network/topology.ts';
import { startRelay } from '../../../lab/socket-relay.ts';
import {
  type L2StatusObject,
  l2StatusResource,
  serviceNameLabel,
  serviceNamespaceLabel,
} from '../../../speaker/l2-status.ts';
import { startTestCluster, type TestCluster } from '../../kube-cluster.ts';

const repoRoot = path.resolve(import.meta.dirname, '../../..');
export const vip4 = '192.0.2.240';
export const vip6 = '2001:db8::f0';
export const service = { namespace: 'default', name: 'web' };
export const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
const secret = 'speaker-integration-test-secret';

export interface SpeakerLab {
  readonly topology: LabTopology;
  readonly dir: string;
  readonly kubeConfig: KubeConfig;
  readonly core: CoreV1Api;
  readonly names: string[];
  readonly speakers: Map<string, ChildProcess>;
  host(name: string): LabHost;
  startSpeaker(host: LabHost, extraArgs?: string[]): ChildProcess;
  /**
   * Waits until the node's speaker answers /readyz and its failure detector has heard from every
   * peer; a speaker that exited or never got there fails with the tail of its log.
   */
  waitReady(node: string, timeoutMs?: number): Promise<void>;
  /** GET route on the node's speaker's HTTP server (from inside its namespace); '' when it does not answer. */
  speakerHttp(node: string, route: string): Promise<string>;
  /**
   * MACs that answered ARP requests for ip, one broadcast request a second for `seconds`: every reply is
   * collected (no early exit on the first), so a second claimant would show.
   */
  arpingMacs(ip: string, seconds?: number): Promise<Set<string>>;
  /** The MAC ndisc6 resolved the IPv6 address to. */
  ndiscMac(ip: string): Promise<string | undefined>;
  /** The node the Service's ServiceL2Status names, when exactly one does. */
  announcingNode(): Promise<string | undefined>;
  /** Wall-clock ms of the first log line of node's speaker matching msg after `since`. */
  logTime(node: string, msg: string, since: number): Promise<number | undefined>;
  /** Writes the VIPs into the Service's status, as the controller would (done at start unless asked not to). */
  assignVip(): Promise<void>;
  close(): Promise<void>;
}

export interface SpeakerLabOptions {
  /**
   * Leave the Service without an address until assignVip(): speakers that all hear each other before
   * the address appears elect once. Started one by one on a loaded machine, the first would otherwise
   * announce alone for as long as it hears no peer, as a lone speaker should.
   */
  readonly vipLater?: boolean;
}

export async function waitFor<T>(
  what: string,
  timeoutMs: number,
  probe: () => Promise<T | undefined>,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

/**
 * Three nodes, each speaker started with `speakerArgs`, and the VIP assigned only once every speaker
 * hears every other. On a loaded machine one speaker can start seconds after the others, and they
 * would rightly elect among those they hear; the tests using this are about a full group.
 */
export async function startElectedSpeakerLab(
  prefix: string,
  speakerArgs: string[] = [],
): Promise<SpeakerLab> {
  const lab = await startSpeakerLab(prefix, 3, { vipLater: true });
  try {
    for (const node of lab.topology.nodes) lab.startSpeaker(node, speakerArgs);
    for (const name of lab.names) await lab.waitReady(name);
    await lab.assignVip();
  } catch (error) {
    await lab.close();
    throw error;
  }
  return lab;
}

/** Builds everything; on failure removes what it made before rethrowing. Call close() in `after`. */
export async function startSpeakerLab(
  prefix: string,
  nodeCount: number,
  options: SpeakerLabOptions = {},
): Promise<SpeakerLab> {
  const topology = planTopology(prefix, nodeCount);
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'speaker-it-'));
  const children: ChildProcess[] = [];
  const speakers = new Map<string, ChildProcess>();
  let cluster: TestCluster | undefined;
  let rootRelay: Server | undefined;

  const spawnIn = (host: LabHost, name: string, args: string[], env: Record<string, string> = {}) => {
    const log = createWriteStream(path.join(dir, `${name}.log`));
    const child = spawn('ip', ['netns', 'exec', host.netns, process.execPath, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...env },
    });
    child.stdout!.pipe(log);
    child.stderr!.pipe(log);
    children.push(child);
    return child;
  };

  const close = async () => {
    // Speakers before relays, so they do not log the API server going away.
    for (const child of [...children].reverse()) {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await exited(child);
      }
    }
    await new Promise((resolve) => (rootRelay ? rootRelay.close(resolve) : resolve(undefined)));
    await cluster?.close();
    await removeSegment(topology.prefix);
    if (process.env.KEEP_SPEAKER_LOGS) process.stderr.write(`speaker logs kept in ${dir}\n`);
    else await fs.rm(dir, { recursive: true, force: true });
  };

  try {
    await removeSegment(topology.prefix);
    await createSegment(topology);
    cluster = await startTestCluster(dir);
    const { port } = cluster;
    await fs.copyFile(cluster.kubeconfigFile, path.join(dir, 'kubeconfig'));
    // Node namespaces reach the API server as 127.0.0.1:PORT of their own, through a Unix socket.
    const socket = path.join(dir, 'api.sock');
    rootRelay = await startRelay({ path: socket }, { host: '127.0.0.1', port });
    for (const node of topology.nodes) {
      spawnIn(node, `relay-${node.name}`, [
        path.join(repoRoot, 'lab/socket-relay.ts'),
        '--listen',
        `127.0.0.1:${port}`,
        '--connect',
        `unix:${socket}`,
      ]);
    }
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromString(cluster.kubeconfig);
    const core = kubeConfig.makeApiClient(CoreV1Api);
    await installProjectCrds(kubeConfig);
    await createCluster(core, kubeConfig.makeApiClient(DiscoveryV1Api), topology);
    const assignVip = () => writeVipStatus(core);
    if (!options.vipLater) await assignVip();

    const host = (name: string) => topology.nodes.find((n) => n.name === name)!;
    const speakerHttp = async (node: string, route: string) => {
      const log = await fs.readFile(path.join(dir, `speaker-${node}.log`), 'utf8').catch(() => '');
      const address = /"metricsAddress":"([^"]+)"/.exec(log)?.[1];
      if (!address) return '';
      return inNetns(host(node).netns, 'curl', '-sf', '-m', '1', `http://${address}${route}`).catch(() => '');
    };
    return {
      topology,
      dir,
      kubeConfig,
      core,
      names: topology.nodes.map((n) => n.name),
      speakers,
      host,
      speakerHttp,
      startSpeaker(node, extraArgs = []) {
        const child = spawnIn(
          node,
          `speaker-${node.name}`,
          [
            '--disable-warning=ExperimentalWarning',
            path.join(repoRoot, 'bin/main.mjs'),
            'speaker',
            '--node-name',
            node.name,
            '--kubeconfig',
            path.join(dir, 'kubeconfig'),
            '--namespace',
            systemNamespace,
            '--bind',
            `${node.ipv4}:7946`,
            '--metrics-addr',
            '127.0.0.1:0',
            ...extraArgs,
          ],
          { BAREMETAL_LB_MEMBERLIST_SECRET: secret, LOG_LEVEL: 'debug' },
        );
        speakers.set(node.name, child);
        return child;
      },
      async waitReady(node, timeoutMs = 30_000) {
        const logFile = path.join(dir, `speaker-${node}.log`);
        const tail = async () =>
          (await fs.readFile(logFile, 'utf8').catch(() => '')).split('\n').slice(-15).join('\n');
        const child = speakers.get(node);
        const peers = topology.nodes.length - 1;
        try {
          await waitFor(
            `the speaker on ${node} to be ready with ${peers} live peers`,
            timeoutMs,
            async () => {
              if (!child || child.exitCode !== null || child.signalCode !== null) {
                throw new Error(`the speaker on ${node} is not running`);
              }
              if (!/^ok/.test(await speakerHttp(node, '/readyz'))) return undefined;
              const alive = /^baremetal_lb_speaker_failure_detector_members\{state="alive"\} (\d+)/m.exec(
                await speakerHttp(node, '/metrics'),
              )?.[1];
              return Number(alive) >= peers ? true : undefined;
            },
          );
        } catch (error) {
          throw new Error(`${(error as Error).message}\nlast lines of its log:\n${await tail()}`);
        }
      },
      async arpingMacs(ip, seconds = 2) {
        let out = '';
        try {
          out = await inNetns(topology.client.netns, 'arping', '-b', '-w', String(seconds), '-I', 'eth0', ip);
        } catch (error) {
          out = (error as Error).message; // arping exits 1 when nothing answered
        }
        return new Set(
          [...out.matchAll(/reply from \S+ \[([0-9a-f:]{17})\]/gi)].map((m) => m[1]!.toLowerCase()),
        );
      },
      async ndiscMac(ip) {
        const out = await inNetns(topology.client.netns, 'ndisc6', '-1', '-r', '3', '-w', '1000', ip, 'eth0');
        return /([0-9a-f]{2}(?::[0-9a-f]{2}){5})/i.exec(out)?.[1]?.toLowerCase();
      },
      async announcingNode() {
        const { items } = (await kubeConfig.makeApiClient(CustomObjectsApi).listNamespacedCustomObject({
          ...l2StatusResource,
          namespace: systemNamespace,
          labelSelector: `${serviceNameLabel}=${service.name},${serviceNamespaceLabel}=${service.namespace}`,
        })) as { items: L2StatusObject[] };
        const nodes = items.flatMap((o) => (o.status?.node ? [o.status.node] : []));
        return nodes.length === 1 ? nodes[0] : undefined;
      },
      async logTime(node, msg, since) {
        const text = await fs.readFile(path.join(dir, `speaker-${node}.log`), 'utf8');
        for (const line of text.split('\n')) {
          if (!line.includes(`"msg":"${msg}"`)) continue;
          const at = Date.parse((JSON.parse(line) as { time: string }).time);
          if (at >= since) return at;
        }
        return undefined;
      },
      assignVip,
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

async function writeVipStatus(core: CoreV1Api): Promise<void> {
  await core.patchNamespacedServiceStatus(
    { ...service, body: { status: { loadBalancer: { ingress: [{ ip: vip4 }, { ip: vip6 }] } } } },
    mergePatch,
  );
}

async function createCluster(
  core: CoreV1Api,
  discovery: DiscoveryV1Api,
  topology: LabTopology,
): Promise<void> {
  await core.createNamespace({ body: { metadata: { name: systemNamespace } } });
  const now = new Date();
  for (const node of topology.nodes) {
    await core.createNode({ body: nodeObject(node) });
    await core.patchNodeStatus({ name: node.name, body: nodeReadyStatus(node, now) }, mergePatch);
    await core.createNamespacedPod({ namespace: systemNamespace, body: speakerPodObject(node) });
    await core.patchNamespacedPodStatus(
      { name: speakerPodName(node), namespace: systemNamespace, body: speakerPodRunningStatus(node, now) },
      mergePatch,
    );
  }
  await core.createNamespacedConfigMap({
    namespace: systemNamespace,
    body: {
      metadata: { name: 'config', namespace: systemNamespace },
      data: {
        config: `address-pools:\n  - name: default\n    protocol: layer2\n    addresses: [${vip4}/28, ${vip6}/124]\n`,
      },
    },
  });
  await core.createNamespacedService({
    namespace: service.namespace,
    body: {
      metadata: { name: service.name, namespace: service.namespace },
      spec: {
        type: 'LoadBalancer',
        ipFamilyPolicy: 'PreferDualStack',
        ipFamilies: ['IPv4', 'IPv6'],
        selector: { app: 'web' },
        ports: [{ name: 'http', port: 80, protocol: 'TCP' }],
      },
    },
  });
  for (const family of [4, 6] as const) {
    await discovery.createNamespacedEndpointSlice({
      namespace: service.namespace,
      body: endpointSliceObject({
        namespace: service.namespace,
        service: service.name,
        family,
        ports: [{ name: 'http', port: 8080 }],
        endpoints: topology.nodes.map((node) => ({ node, ready: true })),
      }),
    });
  }
}
