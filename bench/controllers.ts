// Controller against controller: baremetal-lb's and MetalLB's v0.15.3, each alone on a fresh real
// control plane (etcd, kube-apiserver, kube-controller-manager), with one IPv6 pool of 65 536
// addresses. For each count of Services: time from the first create to all of them showing an
// address (watched as `kubectl get svc -w` would), the controller's RSS and CPU, and a restart with
// all of them assigned (the time until the fresh process reports every address in use again, by its
// own metallb_allocator_addresses_in_use_total, and whether any address moved). The order of the
// two alternates from one count to the next, so that neither always runs on a warmer machine.
//   node_modules/.bin/node bench/controllers.ts [--quick] [--json FILE]
// Full: 1 000 and 10 000 Services; --quick: 500.
import { type ChildProcess, execFile } from 'node:child_process';
import { rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { CoreV1Api } from '@kubernetes/client-node';
import { loadKubeConfig } from '../common/kube/kubeconfig.ts';
import { hostPodObject, speakerPodObject } from '../lab/cluster-objects.ts';
import { metallbVersion } from '../lab/kube/binaries.ts';
import { ensureKubeBinaries, ensurePeerBinaries } from '../lab/kube/build.ts';
import { kubectlFor } from '../lab/kubectl.ts';
import type { LabHost } from '../lab/network/topology.ts';
import { installMetallb, metallbNamespace, metallbSpeakerPod } from '../lab/peers/metallb.ts';
import { freeLoopbackPort } from '../lab/wait.ts';
import { startBenchApi } from './lib/bench-api.ts';
import { runFromBundles } from './lib/bundles.ts';
import { type ControllerRun, controllerFigures, type Implementation } from './lib/controller-figures.ts';
import {
  cli,
  inParallel,
  serviceBody,
  settle,
  spawnCli,
  stop,
  watchAssigned,
} from './lib/controller-process.ts';
import { benchArgs, report, round } from './lib/figures.ts';
import { planNetnsPair, removeNetnsPair } from './lib/netns-pair.ts';
import { cpuSeconds, rssMb } from './lib/process-usage.ts';
import { prepareSpeakerHost } from './lib/speaker-host.ts';

const args = benchArgs();
await runFromBundles();
const counts = args.quick ? [500] : [1000, 10_000];
const deadlineMs = 600_000;
const pool = '2001:db8::/112';
const execFileAsync = promisify(execFile);
const log = (line: string) => process.stderr.write(`controllers: ${line}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** MetalLB's CRDs and namespace from its own manifest, and one IPAddressPool; ours reads a ConfigMap. */
async function configure(impl: Implementation, kubeconfig: string, dir: string, kubectl: string) {
  const run = kubectlFor(kubeconfig, dir, kubectl);
  // Both read the metallb.io kinds, so both get MetalLB's CRDs.
  await installMetallb(run, ['Namespace', 'CustomResourceDefinition']);
  if (impl === 'metallb') {
    await run.apply([
      {
        apiVersion: 'metallb.io/v1beta1',
        kind: 'IPAddressPool',
        metadata: { name: 'bench', namespace: metallbNamespace },
        spec: { addresses: [pool] },
      },
      {
        apiVersion: 'metallb.io/v1beta1',
        kind: 'L2Advertisement',
        metadata: { name: 'bench', namespace: metallbNamespace },
      },
    ]);
    return;
  }
  await run('create', 'namespace', 'baremetal-lb-system');
  await run.apply([
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'config', namespace: 'baremetal-lb-system' },
      data: { config: `address-pools:\n  - name: bench\n    protocol: layer2\n    addresses: ["${pool}"]\n` },
    },
  ]);
}

async function startController(impl: Implementation, kubeconfig: string, port: number) {
  const lines: string[] = [];
  const onLine = (l: string) => void lines.push(l);
  if (impl === 'baremetal-lb') {
    return spawnCli(
      ['controller', '--kubeconfig', kubeconfig, '--metrics-addr', `127.0.0.1:${port}`],
      onLine,
    );
  }
  const { 'metallb-controller': program } = await ensurePeerBinaries({ log });
  const flags = ['--kubeconfig', kubeconfig, '--namespace', metallbNamespace, '--port', String(port)];
  return spawnCli(
    [...flags, '--webhook-mode=disabled', '--disable-cert-rotation', '--log-level', 'warn'],
    onLine,
    [program],
  );
}

/** The controller's own count of the pool's addresses in use, or undefined while /metrics is silent. */
async function addressesInUse(port: number): Promise<number | undefined> {
  const text = await fetch(`http://127.0.0.1:${port}/metrics`, { signal: AbortSignal.timeout(2000) })
    .then((r) => r.text())
    .catch(() => undefined);
  if (text === undefined) return undefined;
  const line = /^metallb_allocator_addresses_in_use_total\{[^}]*pool="bench"[^}]*\} (\S+)$/m.exec(text);
  return line ? Number(line[1]) : 0;
}

async function waitInUse(port: number, count: number, timeoutMs: number): Promise<number> {
  const start = performance.now();
  while (performance.now() - start < timeoutMs) {
    if ((await addressesInUse(port)) === count) return (performance.now() - start) / 1000;
    await sleep(100);
  }
  throw new Error(`the controller did not report ${count} addresses in use within ${timeoutMs / 1000} s`);
}

/** What a runner's timeout or ^C must not leave behind: the control plane runs detached. */
const running = new Set<number>();
/** Each run's folder, and the speaker phase's namespaces, to remove on a signal too. */
const folders = new Set<string>();
const speakerPair = planNetnsPair(`cpb${process.pid}`);
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    for (const pid of running) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // It has exited already.
      }
    }
    for (const folder of folders) rmSync(folder, { recursive: true, force: true });
    void removeNetnsPair(speakerPair).finally(() => process.exit(143));
  });
}

interface Setup {
  readonly impl: Implementation;
  readonly count: number;
  readonly kubeconfig: string;
  readonly core: CoreV1Api;
  readonly dir: string;
}

/** Creates the Services with the controller running; how long until all have an address, and its cost. */
async function assignPhase(setup: Setup, port: number) {
  const { impl, count, core } = setup;
  const first = await startController(impl, setup.kubeconfig, port);
  running.add(first.pid!);
  await waitInUse(port, 0, 60_000);
  await sleep(2000);
  const idleRssMb = rssMb(first.pid);
  const { assigned, stop: stopWatch } = await watchAssigned(loadKubeConfig(setup.kubeconfig), core);
  const cpuBefore = cpuSeconds(first.pid);
  const start = performance.now();
  const creating = inParallel(count, (i) =>
    core.createNamespacedService({ namespace: 'default', body: serviceBody(`svc-${i}`) }),
  );
  const deadline = Date.now() + deadlineMs;
  while (assigned.size < count && Date.now() < deadline) await sleep(50);
  await creating;
  const allIpsS = (performance.now() - start) / 1000;
  await stopWatch();
  await settle(first.pid, 30_000);
  const usage = { idleRssMb, loadedRssMb: rssMb(first.pid), cpuS: cpuSeconds(first.pid) - cpuBefore };
  await stop(first);
  return { allIpsS, assigned: new Map(assigned), ...usage };
}

/** A fresh controller with every Service assigned: until it counts them all in use, and what moved. */
async function restartPhase(setup: Setup, port: number, before: ReadonlyMap<string, string>) {
  const restartedAt = performance.now();
  const second = await startController(setup.impl, setup.kubeconfig, port);
  running.add(second.pid!);
  try {
    await waitInUse(port, setup.count, 300_000);
    const restartReadyS = (performance.now() - restartedAt) / 1000;
    const after = await setup.core.listNamespacedService({ namespace: 'default' });
    const moved = after.items.filter(
      (s) => before.get(s.metadata!.name!) !== s.status?.loadBalancer?.ingress?.[0]?.ip,
    );
    return { restartReadyS, addressesMoved: moved.length };
  } finally {
    await stop(second);
  }
}

/** How many addresses the speaker's /metrics (inside its namespace) says it announces. */
async function announcedBy(netns: string, port: number): Promise<number> {
  // 10k announced IPs make a /metrics of a few MB: above execFile's default 1 MB buffer.
  const curl = ['netns', 'exec', netns, 'curl', '-sf', '-m', '10', `127.0.0.1:${port}/metrics`];
  const text = await execFileAsync('ip', curl, { maxBuffer: 256 * 1024 * 1024 })
    .then((r) => r.stdout)
    .catch(() => '');
  return text.split('\n').filter((l) => /^metallb_speaker_announced\{.*\} 1$/.test(l)).length;
}

async function startSpeaker(setup: Setup, node: LabHost, port: number): Promise<ChildProcess> {
  const inNode = ['ip', 'netns', 'exec', node.netns];
  if (setup.impl === 'baremetal-lb') {
    const flags = ['--node-name', node.name, '--kubeconfig', setup.kubeconfig, '--no-failure-detector'];
    return spawnCli(['speaker', ...flags, '--metrics-addr', `127.0.0.1:${port}`], () => undefined, [
      ...inNode,
      cli,
    ]);
  }
  const { 'metallb-speaker': program } = await ensurePeerBinaries({ log });
  const flags = ['--kubeconfig', setup.kubeconfig, '--namespace', metallbNamespace, '--node-name', node.name];
  const where = ['--pod-name', `speaker-${node.name}`, '--host', '127.0.0.1', '--port', String(port)];
  return spawnCli([...flags, ...where, '--log-level', 'warn'], () => undefined, [...inNode, program]);
}

/**
 * One speaker of the same implementation on a node of its own (no memberlist: the only node), with a
 * ready endpoint there for every Service: until it announces them all, then its RSS and CPU.
 */
async function speakerPhase(setup: Setup) {
  const pair = speakerPair;
  const children: ChildProcess[] = [];
  try {
    const podOf =
      setup.impl === 'metallb' ? (n: LabHost) => hostPodObject(n, metallbSpeakerPod(n)) : speakerPodObject;
    const socket = path.join(setup.dir, 'api.sock');
    const { node } = await prepareSpeakerHost({
      kc: loadKubeConfig(setup.kubeconfig),
      pair,
      socket,
      serviceCount: setup.count,
      podOf,
      children,
    });
    for (const child of children) running.add(child.pid!);
    const port = 7472;
    const started = performance.now();
    const speaker = await startSpeaker(setup, node, port);
    children.push(speaker);
    running.add(speaker.pid!);
    const deadline = Date.now() + deadlineMs;
    let announced = 0;
    while (announced < setup.count && Date.now() < deadline) {
      announced = await announcedBy(node.netns, port);
      if (announced < setup.count) await sleep(200);
    }
    const speakerAllS = (performance.now() - started) / 1000;
    await settle(speaker.pid, 30_000);
    const usage = { speakerRssMb: rssMb(speaker.pid), speakerCpuS: cpuSeconds(speaker.pid) };
    return { speakerAllS, speakerAnnounced: announced, ...usage };
  } finally {
    for (const child of children) await stop(child);
    await removeNetnsPair(pair);
  }
}

async function runOne(impl: Implementation, count: number): Promise<ControllerRun> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'controllers-bench-'));
  folders.add(dir);
  const api = await startBenchApi('real', dir);
  for (const pid of api.pids()) running.add(pid);
  const { kubectl } = await ensureKubeBinaries({ log });
  try {
    await configure(impl, api.kubeconfigFile, dir, kubectl);
    const core = loadKubeConfig(api.kubeconfigFile).makeApiClient(CoreV1Api);
    const setup: Setup = { impl, count, kubeconfig: api.kubeconfigFile, core, dir };
    const port = await freeLoopbackPort();
    const assigned = await assignPhase(setup, port);
    const restart = await restartPhase(setup, port, assigned.assigned);
    const speaker = await speakerPhase(setup);
    return {
      impl,
      count,
      assigned: assigned.assigned.size,
      allIpsS: round(assigned.allIpsS, 2),
      idleRssMb: round(assigned.idleRssMb, 1),
      loadedRssMb: round(assigned.loadedRssMb, 1),
      cpuS: round(assigned.cpuS, 2),
      restartReadyS: round(restart.restartReadyS, 2),
      addressesMoved: restart.addressesMoved,
      speakerAllS: round(speaker.speakerAllS, 2),
      speakerAnnounced: speaker.speakerAnnounced,
      speakerRssMb: round(speaker.speakerRssMb, 1),
      speakerCpuS: round(speaker.speakerCpuS, 2),
    };
  } finally {
    await api.stop();
    for (const pid of api.pids()) running.delete(pid);
    await rm(dir, { recursive: true, force: true });
    folders.delete(dir);
  }
}

const runs: ControllerRun[] = [];
for (const [i, count] of counts.entries()) {
  const order: Implementation[] = i % 2 === 0 ? ['baremetal-lb', 'metallb'] : ['metallb', 'baremetal-lb'];
  for (const impl of order) {
    log(`${impl}: ${count} Services on a fresh control plane`);
    const run = await runOne(impl, count);
    log(
      `${impl} ${count}: all IPs in ${run.allIpsS} s, RSS ${run.loadedRssMb} MB, restart ${run.restartReadyS} s`,
    );
    runs.push(run);
  }
}
report(args, {
  bench: 'controllers',
  quick: args.quick,
  figures: controllerFigures(runs, `MetalLB ${metallbVersion}`),
  details: { pool, runs },
});
