// Memory of the controller and of one speaker as the cluster grows: their RSS idle (no Service),
// with 1 000 and with 10 000 LoadBalancer Services, each reading taken once every Service is
// assigned and announced (and its ServiceL2Status written) and both processes' CPU has settled. The
// speaker runs in a network namespace of its own with a ready endpoint for every Service, so it
// announces them all. Figures, not assertions.
//   node_modules/.bin/node bench/memory.ts [--quick] [--kube real] [--json FILE]
// Full: 0, 1 000, 10 000 Services; --quick: 0, 200, 1 500.

import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { CoreV1Api, CustomObjectsApi } from '@kubernetes/client-node';
import { loadKubeConfig } from '../common/kube/kubeconfig.ts';
import { speakerPodObject } from '../lab/cluster-objects.ts';
import { installProjectCrds } from '../lab/install-crds.ts';
import { inNetns } from '../lab/network/ip-command.ts';
import { l2StatusResource } from '../speaker/l2-status.ts';
import { removeAllOnSignal, startBenchApi } from './lib/bench-api.ts';
import { runFromBundles } from './lib/bundles.ts';
import {
  createBenchPool,
  inParallel,
  serviceBody,
  settle,
  spawnController,
  spawnSpeaker,
  stop,
  waitForLine,
  watchAssigned,
} from './lib/controller-process.ts';
import { benchArgs, type Figure, report, round } from './lib/figures.ts';
import { planNetnsPair, removeNetnsPair } from './lib/netns-pair.ts';
import { rssMb } from './lib/process-usage.ts';
import { createServingSlices, prepareSpeakerHost } from './lib/speaker-host.ts';

const args = benchArgs();
await runFromBundles();
const stages = args.quick ? [0, 200, 1500] : [0, 1000, 10_000];
const stageNames = ['idle', '1k', '10k'];
const namespace = 'baremetal-lb-system';
const deadlineMs = 300_000;
const targets = {
  controller: { '10k': 150 },
  speaker: { idle: 100, '10k': 200 },
} as Record<string, Record<string, number>>;

const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'memory-bench-'));
const api = await startBenchApi(args.kube, dir);
const children: ChildProcess[] = [];
const pair = planNetnsPair(`mbench${process.pid}`);
removeAllOnSignal(api, children, dir, () => removeNetnsPair(pair));

/** Both components running against a cluster with the pool config, the CRDs and the speaker's node. */
async function startComponents() {
  const kc = loadKubeConfig(api.kubeconfigFile);
  const core = kc.makeApiClient(CoreV1Api);
  await installProjectCrds(kc, (file) => file.includes('servicel2statuses'));
  await createBenchPool(core, namespace);
  const { node } = await prepareSpeakerHost({
    kc,
    pair,
    socket: path.join(dir, 'api.sock'),
    serviceCount: 0,
    podOf: speakerPodObject,
    children,
  });
  const controllerLines: string[] = [];
  const controller = spawnController(api.kubeconfigFile, (l) => void controllerLines.push(l));
  children.push(controller);
  const speakerLines: string[] = [];
  let announcing = 0;
  const speaker = spawnSpeaker(node, api.kubeconfigFile, namespace, (l) => {
    if (l.includes('"msg":"announcing"')) announcing++;
    else speakerLines.push(l);
  });
  children.push(speaker);
  await waitForLine(controllerLines, /"caught up"/, 30_000);
  await waitForLine(speakerLines, /"informers synced"/, 30_000);
  const metricsAt = (lines: string[]) => /"metricsAddress":"([^"]+)"/.exec(lines.join('\n'))?.[1];
  const heaps = {
    controller: () => heapOf(fetch(`http://${metricsAt(controllerLines)}/metrics`).then((r) => r.text())),
    speaker: () => heapOf(inNetns(node.netns, 'curl', '-sf', `http://${metricsAt(speakerLines)}/metrics`)),
  };
  return { kc, core, node, controller, speaker, heaps, announced: () => announcing };
}

type Heap = Awaited<ReturnType<typeof heapOf>>;

/** V8's heap in use and its size, and memory outside it (Buffers), in MB, from /metrics. */
async function heapOf(metrics: Promise<string>) {
  const text = await metrics.catch(() => '');
  const mb = (name: string) =>
    round(Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? Number.NaN) / 2 ** 20, 1);
  return {
    heapUsedMb: mb('nodejs_heap_size_used_bytes'),
    heapTotalMb: mb('nodejs_heap_size_total_bytes'),
    externalMb: mb('nodejs_external_memory_bytes'),
  };
}

async function waitUntil(what: string, done: () => boolean | Promise<boolean>): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`${what} not within ${deadlineMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

try {
  const cluster = await startComponents();
  const { assigned, stop: stopWatch } = await watchAssigned(cluster.kc, cluster.core);
  const custom = cluster.kc.makeApiClient(CustomObjectsApi);
  const statusCount = async () =>
    ((await custom.listNamespacedCustomObject({ ...l2StatusResource, namespace })) as { items: unknown[] })
      .items.length;
  const readings: Record<
    string,
    { controller: number; speaker: number; settledS: number; controllerHeap: Heap; speakerHeap: Heap }
  > = {};
  let created = 0;
  for (const [index, count] of stages.entries()) {
    await createServingSlices(cluster.kc, cluster.node, created, count);
    await inParallel(count - created, (i) =>
      cluster.core.createNamespacedService({ namespace: 'default', body: serviceBody(`svc-${created + i}`) }),
    );
    created = count;
    await waitUntil(`${count} Services assigned`, () => assigned.size >= count);
    await waitUntil(`${count} Services announced`, () => cluster.announced() >= count);
    await waitUntil(`${count} ServiceL2Statuses`, async () => (await statusCount()) >= count);
    const start = performance.now();
    await settle(cluster.controller.pid, 60_000);
    await settle(cluster.speaker.pid, 60_000);
    readings[stageNames[index]!] = {
      controller: rssMb(cluster.controller.pid),
      speaker: rssMb(cluster.speaker.pid),
      settledS: (performance.now() - start) / 1000,
      controllerHeap: await cluster.heaps.controller(),
      speakerHeap: await cluster.heaps.speaker(),
    };
  }
  await stopWatch();
  const figures: Record<string, Figure> = {};
  for (const component of ['controller', 'speaker'] as const) {
    for (const [index, stage] of stageNames.entries()) {
      const reading = readings[stage]!;
      const target = targets[component]?.[stage];
      const heap = component === 'controller' ? reading.controllerHeap : reading.speakerHeap;
      figures[`${component}_rss_${stage}_mb`] = {
        value: round(reading[component], 1),
        unit: 'MB',
        reference: `VmRSS of the ${component}'s node process with ${stages[index]} LoadBalancer Services (${stage === 'idle' ? 'none' : 'all assigned, announced and their ServiceL2Statuses written'}), once both processes' CPU settled (${round(reading.settledS, 1)} s); V8 heap in use ${heap.heapUsedMb} MB of ${heap.heapTotalMb} MB, outside it (Buffers) ${heap.externalMb} MB`,
        samples: stages[index]!,
        ...(target === undefined ? {} : { target: `≤ ${target} MB`, met: reading[component] <= target }),
      };
    }
  }
  report(args, { bench: 'memory', quick: args.quick, figures, details: { stages, readings } });
} finally {
  for (const child of children.reverse()) await stop(child);
  await api.stop();
  await removeNetnsPair(pair);
  await fs.rm(dir, { recursive: true, force: true });
}
