// Brings the whole system up on one machine: a client and N nodes on one segment, the API server,
// the controller, a speaker in each node namespace, nginx + echo backend as each node's ingress,
// and the example manifests applied with kubectl. The controller and the speakers run under their
// own ServiceAccounts, held to manifests/rbac/ as in a cluster; kubectl and kube-proxy are the
// admin. Returns once the ingress Service has its IP.
import { access, mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { buildBundles } from '../scripts/bundle.ts';
import {
  announcerProcesses,
  controllerProcess,
  isKeepalived,
  isOurs,
  type LoadBalancerName,
  readsSpeakerPods,
} from './announcers.ts';
import {
  endpointSliceObject,
  type HostPod,
  hostPodObject,
  nodeObject,
  nodeReadyStatus,
  podRunningStatus,
  speakerPod,
  systemNamespace,
} from './cluster-objects.ts';
import { helmInstall, type InstallMethod, runDaemonSetSpeakers } from './helm-install.ts';
import type { PeerProgram } from './kube/binaries.ts';
import { ensurePeerBinaries } from './kube/build.ts';
import { type KubeBackend, startKubernetesApi } from './kube-api.ts';
import type { Kubectl } from './kubectl.ts';
import { assertLabOrEmpty, labDown } from './lab-down.ts';
import { type LabPaths, type LabProcess, type LabState, readState, writeState } from './lab-state.ts';
import { createSegment } from './network/segment.ts';
import { type LabHost, type LabTopology, planTopology } from './network/topology.ts';
import { installedKeepalivedVersion } from './peers/keepalived.ts';
import { installKubeVip, kubeVipAccount, kubeVipNamespace } from './peers/kube-vip.ts';
import { installMetallb, metallbNamespace, metallbPoolManifest, metallbSpeakerPod } from './peers/metallb.ts';
import { isSameProcess, type ProcessSpec, startDetached } from './processes.ts';
import { writeServiceAccountKubeconfig } from './service-accounts.ts';
import { waitFor } from './wait.ts';
import { renderNginxConfig } from './workload/nginx-config.ts';

export interface LabOptions {
  readonly paths: LabPaths;
  readonly prefix: string;
  readonly nodes: number;
  /** Shown in messages and used to find the project's files. */
  readonly repoRoot: string;
  readonly log?: (line: string) => void;
  /** Which Kubernetes API the lab runs: the embedded server (default) or the real control plane. */
  readonly kube?: KubeBackend;
  /** How the product is installed: kubectl apply of manifests/ (default) or the Helm chart. */
  readonly install?: InstallMethod;
  /** Which implementation announces: baremetal-lb (default), or the real MetalLB, kube-vip or keepalived. */
  readonly lb?: LoadBalancerName;
  /** Files (or, for crds, a directory) to apply instead of manifests/crds and manifests/examples/…. */
  readonly manifests?: {
    readonly crds?: string;
    readonly poolConfig?: string;
    readonly ingressService?: string;
  };
}

export const ingress = { namespace: 'ingress-nginx', service: 'ingress-nginx-controller' } as const;
const echo = { service: 'echo' } as const;
const echoPort = 8080;

async function preflight(): Promise<void> {
  if (process.platform !== 'linux')
    throw new Error('the lab needs Linux network namespaces; this is not Linux');
  if (process.getuid?.() !== 0) {
    throw new Error('the lab creates network namespaces and needs root: run it with sudo (sudo npm run lab)');
  }
  const missing: string[] = [];
  for (const tool of ['/usr/sbin/nginx', '/usr/bin/arping', '/usr/bin/curl', '/usr/bin/ndisc6']) {
    await access(tool).catch(() => missing.push(tool));
  }
  if (missing.length) {
    throw new Error(
      `missing ${missing.join(', ')}: install them with "apt-get install iputils-arping ndisc6 nginx-light curl"`,
    );
  }
}

function speakerSecret(): string {
  return Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString('base64');
}

export async function labUp(options: LabOptions): Promise<LabState> {
  const { paths, repoRoot } = options;
  const kube = options.kube ?? 'embedded';
  const install = options.install ?? 'kustomize';
  const lb = options.lb ?? 'baremetal-lb';
  const log = options.log ?? (() => undefined);
  await preflight();
  if (!isOurs(lb) && (kube !== 'real' || install !== 'kustomize')) {
    throw new Error(
      `--lb ${lb} needs --kube real and the default --install: it runs the real ${lb} against the real control plane`,
    );
  }
  if (isKeepalived(lb)) log(`keepalived ${await installedKeepalivedVersion()}`);
  const peers = lb === 'metallb' || lb === 'kube-vip' ? await ensurePeerBinaries({ log }) : undefined;
  await buildBundles(); // the lab runs the controller and speakers from them, as the image does
  await assertLabOrEmpty(paths);
  const existing = await readState(paths).catch(() => undefined);
  if (existing?.processes.some(isSameProcess)) {
    throw new Error(
      `a lab is already running from ${paths.dir}; run "baremetal-lb lab down --dir ${paths.dir} --prefix ${existing?.prefix}" first`,
    );
  }
  // Leftovers of a crashed run would collide with the new namespaces and processes.
  await labDown(paths, options.prefix);
  await mkdir(paths.logs, { recursive: true });

  const topology = planTopology(options.prefix, options.nodes);
  const processes: LabProcess[] = [];
  // The state file is written before anything else and after each process starts, so that even a
  // `lab up` killed half-way leaves `lab down` the record of everything it made.
  let saving = Promise.resolve();
  const saveProgress = () => {
    saving = saving.then(() => writeState(paths, partialState(topology, paths, processes)));
    return saving;
  };
  await saveProgress();
  const node = process.execPath;
  const watch = { processes, logDir: paths.logs };
  const start = (spec: ProcessSpec) => {
    const started = startDetached(spec, paths.logs);
    processes.push(started);
    void saveProgress();
    return started;
  };
  try {
    log(`creating ${topology.nodes.length} nodes and a client on one segment`);
    await createSegment(topology);

    const api = await startKubernetesApi(options, start, watch);
    const { kubectl, port } = api;

    log(
      install === 'helm'
        ? "creating the namespace, installing the chart with helm, and minting the controller's and speakers' tokens"
        : "applying the namespace and the RBAC, and minting the controller's and speakers' tokens",
    );
    await applyIdentities(kubectl, { ...options, install, lb, peers }, api.kubeconfig);

    // Node namespaces reach the API server as 127.0.0.1:PORT of their own, through a Unix socket.
    start({
      name: 'relay-root',
      command: node,
      args: [
        join(repoRoot, 'lab/socket-relay.ts'),
        '--listen',
        `unix:${paths.apiSocket}`,
        '--connect',
        `127.0.0.1:${port}`,
      ],
    });
    for (const n of topology.nodes) {
      start({
        name: `relay-${n.name}`,
        netns: n.netns,
        command: node,
        args: [
          join(repoRoot, 'lab/socket-relay.ts'),
          '--listen',
          `127.0.0.1:${port}`,
          '--connect',
          `unix:${paths.apiSocket}`,
        ],
      });
    }

    log('registering nodes and speaker pods');
    await registerCluster(topology, kubectl, install, lb);

    log('applying the example manifests');
    await applyExamples(kubectl, repoRoot, options.manifests ?? {}, install, lb);
    await registerWorkloads(topology, kubectl, kube);

    log('starting ingress nginx and echo backends');
    for (const n of topology.nodes) {
      const dir = join(paths.dir, n.name);
      await mkdir(dir, { recursive: true });
      await writeFile(
        join(dir, 'nginx.conf'),
        renderNginxConfig({ node: n.name, dir, backendPort: echoPort }),
      );
      start({
        name: `echo-${n.name}`,
        netns: n.netns,
        command: node,
        args: [join(repoRoot, 'lab/workload/echo-backend.ts'), '--node', n.name, '--port', String(echoPort)],
      });
      start({
        name: `nginx-${n.name}`,
        netns: n.netns,
        command: 'nginx',
        args: ['-c', join(dir, 'nginx.conf'), '-e', join(dir, 'nginx-error.log')],
      });
    }
    start({
      name: 'kube-proxy',
      command: node,
      args: [
        join(repoRoot, 'lab/kube-proxy.ts'),
        '--kubeconfig',
        paths.kubeconfig,
        ...topology.nodes.flatMap((n) => ['--netns', n.netns]),
      ],
    });

    log(
      `starting ${isOurs(lb) ? 'the controller and the speakers' : `${lb}: its controller and one announcer per node`}`,
    );
    const memberlistSecret = speakerSecret();
    await writeFile(paths.memberlistSecret, memberlistSecret, { mode: 0o600 });
    const context = {
      lb,
      repoRoot,
      paths,
      nodes: topology.nodes,
      memberlistSecret,
      ...(peers ? { peers } : {}),
    };
    start(await controllerProcess(context));
    const speakerPids = new Map<string, number>();
    const startAnnouncers = async (vip?: string) => {
      const announcers = await announcerProcesses({ ...context, ...(vip ? { vip } : {}) });
      for (const [nodeName, spec] of announcers) speakerPids.set(nodeName, start(spec).pid);
    };
    if (!isKeepalived(lb)) await startAnnouncers();

    // One IP per family the Service asks for: a dual-stack Service may get its second IP a moment later.
    const ips = await waitFor(
      'the ingress Service to get its external IPs',
      30_000,
      async () => {
        const svc = JSON.parse(
          await kubectl('get', 'svc', '-n', ingress.namespace, ingress.service, '-o', 'json'),
        ) as {
          spec?: { ipFamilies?: string[] };
          status?: { loadBalancer?: { ingress?: { ip?: string }[] } };
        };
        const got = (svc.status?.loadBalancer?.ingress ?? []).flatMap((i) => (i.ip ? [i.ip] : []));
        const wanted = Math.max(1, svc.spec?.ipFamilies?.length ?? 1);
        return got.length >= wanted ? got : undefined;
      },
      watch,
    );
    if (isKeepalived(lb)) await startAnnouncers(ips.find((ip) => !ip.includes(':')));
    const state: LabState = {
      prefix: topology.prefix,
      kubeconfig: paths.kubeconfig,
      serviceAccountKubeconfigs: { controller: paths.controllerKubeconfig, speaker: paths.speakerKubeconfig },
      apiserver: { url: api.url, port },
      kube,
      install,
      lb,
      kubectl: api.kubectlBinary,
      client: pickHost(topology.client),
      nodes: topology.nodes.map((n) => ({
        ...pickHost(n),
        name: n.name,
        mac: n.mac,
        speakerPid: speakerPids.get(n.name) ?? null,
      })),
      ingress: {
        ...ingress,
        ipv4: ips.find((ip) => !ip.includes(':')) ?? null,
        ipv6: ips.find((ip) => ip.includes(':')) ?? null,
      },
      processes,
    };
    await saving;
    await writeState(paths, state);
    return state;
  } catch (error) {
    const logsHint = `logs are in ${paths.logs}`;
    await saveProgress().catch(() => undefined);
    throw new Error(
      `${(error as Error).message}\nthe lab is left as it is for inspection; ${logsHint}; "lab down --dir ${paths.dir} --prefix ${options.prefix}" removes it`,
    );
  }
}

function pickHost(h: { netns: string; interface: string; ipv4: string; ipv6: string }) {
  return { netns: h.netns, interface: h.interface, ipv4: h.ipv4, ipv6: h.ipv6 };
}

function partialState(topology: LabTopology, paths: LabPaths, processes: LabProcess[]): LabState {
  return {
    prefix: topology.prefix,
    kubeconfig: paths.kubeconfig,
    apiserver: { url: '', port: 0 },
    client: pickHost(topology.client),
    nodes: topology.nodes.map((n) => ({ ...pickHost(n), name: n.name, mac: n.mac, speakerPid: null })),
    ingress: { ...ingress, ipv4: null, ipv6: null },
    processes,
  };
}

/**
 * What an operator applies before the components start: manifests/namespace.yaml, then the RBAC
 * (manifests/rbac/) or the whole chart; then a kubeconfig per component holding its ServiceAccount's
 * token.
 */
async function applyIdentities(
  kubectl: Kubectl,
  options: Pick<LabOptions, 'repoRoot' | 'paths' | 'log'> & {
    install: InstallMethod;
    lb: LoadBalancerName;
    peers: Readonly<Record<PeerProgram, string>> | undefined;
  },
  adminKubeconfig: string,
): Promise<void> {
  const { paths } = options;
  const manifests = resolve(options.repoRoot, 'manifests');
  await kubectl('apply', '-f', join(manifests, 'namespace.yaml'));
  if (options.install === 'helm') {
    await helmInstall({
      repoRoot: options.repoRoot,
      kubeconfig: paths.kubeconfig,
      log: options.log ?? (() => undefined),
    });
  } else {
    await kubectl('apply', '-f', join(manifests, 'rbac'));
  }
  if (options.lb === 'metallb') await installMetallb(kubectl);
  if (options.lb === 'kube-vip' && options.peers) await installKubeVip(kubectl, options.peers['kube-vip']);
  const identities = componentIdentities(options.lb);
  const files = { controller: paths.controllerKubeconfig, speaker: paths.speakerKubeconfig };
  for (const [component, file] of Object.entries(files)) {
    const { namespace, account } = identities[component as keyof typeof files];
    await writeServiceAccountKubeconfig({ kubectl, adminKubeconfig, namespace, account, file });
  }
}

/**
 * The ServiceAccount each component runs as: the announcing implementation's own. keepalived uses
 * none; the speaker kubeconfig it is given is ours, unused.
 */
function componentIdentities(lb: LoadBalancerName) {
  const own = (account: string) => ({ namespace: systemNamespace, account });
  if (lb === 'metallb') {
    return {
      controller: { namespace: metallbNamespace, account: 'controller' },
      speaker: { namespace: metallbNamespace, account: 'speaker' },
    };
  }
  if (lb === 'kube-vip') {
    return {
      controller: own('controller'),
      speaker: { namespace: kubeVipNamespace, account: kubeVipAccount },
    };
  }
  return { controller: own('controller'), speaker: own('speaker') };
}

/** The Nodes and speaker Pods; their namespace comes from manifests/namespace.yaml (applyIdentities). */
/** Creates the Pods, each bound to its node, and writes the status a kubelet would: Running and Ready. */
async function runPods(kubectl: Kubectl, pods: readonly { node: LabHost; pod: HostPod }[]): Promise<void> {
  const now = new Date();
  await kubectl.apply(pods.map(({ node, pod }) => hostPodObject(node, pod)));
  for (const { node, pod } of pods) {
    const status = JSON.stringify(podRunningStatus(node, now, pod.container));
    await kubectl(
      'patch',
      'pod',
      '-n',
      pod.namespace,
      pod.name,
      '--subresource=status',
      '--type=merge',
      '-p',
      status,
    );
  }
}

async function registerCluster(
  topology: LabTopology,
  kubectl: Kubectl,
  install: InstallMethod,
  lb: LoadBalancerName,
): Promise<void> {
  const now = new Date();
  await kubectl.apply(topology.nodes.map(nodeObject));
  for (const n of topology.nodes) {
    const status = JSON.stringify(nodeReadyStatus(n, now));
    await kubectl('patch', 'node', n.name, '--subresource=status', '--type=merge', '-p', status);
    // kube-apiserver taints a node registered before it is Ready (node.kubernetes.io/not-ready); the
    // node lifecycle controller, which the lab does not run, would lift it once Ready. Lab nodes
    // carry no other taint.
    await kubectl('patch', 'node', n.name, '--type=merge', '-p', '{"spec":{"taints":null}}');
  }
  // The chart's DaemonSet made the speaker Pods; a second set of the lab's own would be adopted by it.
  if (install === 'helm') return runDaemonSetSpeakers(kubectl, topology.nodes);
  // kube-vip and keepalived read no Pod; MetalLB's speakers find each other from their Pods' IPs.
  if (!readsSpeakerPods(lb)) return;
  const podOf = lb === 'metallb' ? metallbSpeakerPod : speakerPod;
  await runPods(
    kubectl,
    topology.nodes.map((node) => ({ node, pod: podOf(node) })),
  );
}

async function applyExamples(
  kubectl: Kubectl,
  repoRoot: string,
  manifests: NonNullable<LabOptions['manifests']>,
  install: InstallMethod,
  lb: LoadBalancerName,
): Promise<void> {
  const examples = resolve(repoRoot, 'manifests', 'examples');
  // The controller's informers wait for the metallb.io kinds to exist (the chart brings its own,
  // and MetalLB's install manifest its own of the same group).
  if (install !== 'helm' && lb !== 'metallb')
    await kubectl('apply', '-f', manifests.crds ?? resolve(repoRoot, 'manifests', 'crds'));
  const defaultPools = lb === 'metallb' ? metallbPoolManifest : join(examples, 'pool-configmap.yaml');
  await kubectl('apply', '-f', manifests.poolConfig ?? defaultPools);
  await kubectl('apply', '-f', manifests.ingressService ?? join(examples, 'ingress-nginx-service.yaml'));
  await kubectl('apply', '-f', join(examples, 'lab', 'echo-service.yaml'));
}

/** The Pods behind the ingress and echo Services: one of each per node, served by the node's nginx and echo. */
function workloadPods(node: LabHost): HostPod[] {
  return [
    {
      name: `ingress-nginx-controller-${node.name}`,
      namespace: ingress.namespace,
      labels: { 'app.kubernetes.io/name': 'ingress-nginx', 'app.kubernetes.io/component': 'controller' },
      container: 'controller',
      ports: [
        { name: 'http', containerPort: 80 },
        { name: 'https', containerPort: 443 },
      ],
    },
    {
      name: `echo-${node.name}`,
      namespace: ingress.namespace,
      labels: { 'app.kubernetes.io/name': 'echo' },
      container: 'echo',
      ports: [{ name: 'http', containerPort: echoPort }],
    },
  ];
}

/**
 * Running, Ready Pods on every node. The real control plane's EndpointSlice controller turns them
 * into the Services' endpoints; the embedded server has no such controller, so there the lab writes
 * the slices it would have made.
 */
async function registerWorkloads(topology: LabTopology, kubectl: Kubectl, kube: KubeBackend): Promise<void> {
  await runPods(
    kubectl,
    topology.nodes.flatMap((node) => workloadPods(node).map((pod) => ({ node, pod }))),
  );
  if (kube === 'real') return;
  const endpoints = topology.nodes.map((node) => ({ node, ready: true }));
  const ports = [
    { name: 'http', port: 80 },
    { name: 'https', port: 443 },
  ];
  await kubectl.apply(
    [4, 6].map((family) =>
      endpointSliceObject({
        namespace: ingress.namespace,
        service: ingress.service,
        family: family as 4 | 6,
        ports,
        endpoints,
      }),
    ),
  );
  await kubectl.apply([
    endpointSliceObject({
      namespace: ingress.namespace,
      service: echo.service,
      family: 4,
      ports: [{ name: 'http', port: echoPort }],
      endpoints,
    }),
  ]);
}
