// Controller end to end: N LoadBalancer Services created through the API server (the embedded one,
// or with --kube real the real control plane, figures named …_real) until every
// one shows an address, as a ratio to the raw write rate of the same server in the same run (the
// same N Service creates, same client and concurrency, with a loadBalancerClass no controller
// serves, before the controller starts; deleted again before the measured phase). Then the
// controller's RSS with all N assigned, and a restart with all of them assigned: time until the
// fresh process has caught up, and whether any address moved. Last, one real speaker in a network
// namespace of its own (reaching the API server through a Unix-socket relay), given a Node, its Pod
// and an EndpointSlice per Service, and its RSS once it announces all N. The API server, controller
// and speaker run as separate processes (the CLI), the load from this one. Figures, not assertions.
//   node_modules/.bin/node bench/controller-e2e.ts [--quick] [--kube real] [--json FILE] [services]
// Full: 10 000 Services; --quick: 1 500.

import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { CoreV1Api } from '@kubernetes/client-node';
import { loadKubeConfig } from '../common/kube/kubeconfig.ts';
import { speakerPodObject } from '../lab/cluster-objects.ts';
import { removeAllOnSignal, startBenchApi } from './lib/bench-api.ts';
import { runFromBundles } from './lib/bundles.ts';
import {
  concurrency,
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
import { benchArgs, report, round } from './lib/figures.ts';
import { planNetnsPair, removeNetnsPair } from './lib/netns-pair.ts';
import { cpuSeconds, rssMb } from './lib/process-usage.ts';
import { prepareSpeakerHost } from './lib/speaker-host.ts';

const args = benchArgs();
await runFromBundles();
const serviceCount = Math.min(20_000, Number(args.rest[0] ?? (args.quick ? 1500 : 10_000)));
const unservedClass = 'bench.example/unserved';
const deadlineMs = 300_000;
const namespace = 'baremetal-lb-system';

const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'controller-bench-'));
const api = await startBenchApi(args.kube, dir);
const { kubeconfigFile } = api;
const children: ChildProcess[] = [];
const pair = planNetnsPair(`cbench${process.pid}`);
removeAllOnSignal(api, children, dir, () => removeNetnsPair(pair));
try {
  const kc = loadKubeConfig(kubeconfigFile);
  const core = kc.makeApiClient(CoreV1Api);

  // Raw write rate: the same Service creates the measured phase makes, but of a class no controller
  // serves, before any controller runs; removed again so both phases start from the same store size.
  const rawStart = performance.now();
  await inParallel(serviceCount, (i) =>
    core.createNamespacedService({ namespace: 'default', body: serviceBody(`raw-${i}`, unservedClass) }),
  );
  const rawPerSecond = serviceCount / ((performance.now() - rawStart) / 1000);
  await inParallel(serviceCount, (i) =>
    core.deleteNamespacedService({ namespace: 'default', name: `raw-${i}` }),
  );

  await createBenchPool(core, namespace);
  const startController = (lines: string[]) => spawnController(kubeconfigFile, (l) => void lines.push(l));
  const firstLines: string[] = [];
  const first = startController(firstLines);
  children.push(first);
  await waitForLine(firstLines, /"caught up"/, 30_000);
  const controllerIdleRssMb = rssMb(first.pid);

  // Count assigned Services from a watch, as `kubectl get svc -w` would see them.
  const { assigned, stop: stopWatch } = await watchAssigned(kc, core);

  const cpuBefore = { server: cpuSeconds(api.pid), controller: cpuSeconds(first.pid) };
  const start = performance.now();
  let createdAt = 0;
  const creating = inParallel(serviceCount, (i) =>
    core.createNamespacedService({ namespace: 'default', body: serviceBody(`svc-${i}`) }),
  ).then(() => {
    createdAt = performance.now();
  });
  const deadline = Date.now() + deadlineMs;
  while (assigned.size < serviceCount && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  await creating;
  const allAssignedMs = performance.now() - start;
  const e2eCpu = {
    apiserverSeconds: round(cpuSeconds(api.pid) - cpuBefore.server, 2),
    controllerSeconds: round(cpuSeconds(first.pid) - cpuBefore.controller, 2),
  };
  const e2ePerSecond = assigned.size / (allAssignedMs / 1000);
  const before = new Map(assigned);
  await stopWatch();
  const controllerAssignedRssMb = rssMb(first.pid);
  // The pool annotations and Events follow the status: measure once they are written too.
  const controllerSettle = await settle(first.pid, 30_000);
  const controllerRssMb = rssMb(first.pid);

  // Restart with everything assigned: a fresh process takes the released Lease, rebuilds, checks all.
  await stop(first);
  const secondLines: string[] = [];
  const restartStart = performance.now();
  const second = startController(secondLines);
  children.push(second);
  const caughtUp = await waitForLine(secondLines, /"caught up"/, 120_000);
  const restartMs = performance.now() - restartStart;
  // How the restart splits: process start, lists and Lease until the allocator is rebuilt, then
  // the re-check of every Service (the "caught up" line's ms).
  const restartRecheckMs = Number(/"ms":(\d+)/.exec(caughtUp)?.[1]);
  const after = await core.listNamespacedService({ namespace: 'default' });
  const moved = after.items.filter(
    (s) => before.get(s.metadata!.name!) !== s.status?.loadBalancer?.ingress?.[0]?.ip,
  );

  // One speaker, in a namespace of its own, that must announce every Service: each needs a serving
  // endpoint on its node, so the EndpointSlices come first, then the speaker.
  const { node } = await prepareSpeakerHost({
    kc,
    pair,
    socket: path.join(dir, 'api.sock'),
    serviceCount,
    podOf: speakerPodObject,
    children,
  });
  let announcing = 0;
  const speakerStart = performance.now();
  const speaker = spawnSpeaker(node, kubeconfigFile, namespace, (l) => {
    if (l.includes('"msg":"announcing"')) announcing++;
  });
  children.push(speaker);
  const speakerDeadline = Date.now() + deadlineMs;
  while (announcing < serviceCount && Date.now() < speakerDeadline && speaker.exitCode === null)
    await new Promise((r) => setTimeout(r, 50));
  const speakerCaughtUpS = (performance.now() - speakerStart) / 1000;
  // `ip netns exec` execs the command, so the child's PID is the speaker's node process.
  const speakerAnnouncedRssMb = rssMb(speaker.pid);
  // Announcing is followed by an annotation write per Service: measure once those are done, if ever.
  const speakerSettle = await settle(speaker.pid, args.quick ? 10_000 : 30_000);
  const speakerRssMb = rssMb(speaker.pid);

  const ratio = e2ePerSecond / rawPerSecond;
  const restartS = restartMs / 1000;
  report(args, {
    bench: 'controller-e2e',
    quick: args.quick,
    figures: {
      e2e_10k_ratio: {
        value: round(ratio),
        unit: 'ratio',
        reference: `raw API write rate, same run: ${Math.round(rawPerSecond)} Service creates/s (same client, concurrency ${concurrency}, same Service body with a loadBalancerClass no controller serves, before the controller started); e2e ${Math.round(e2ePerSecond)} Services/s to EXTERNAL-IP`,
        samples: serviceCount,
        target: '≥ 0.8',
        met: ratio >= 0.8 && before.size === serviceCount,
        ...(before.size < serviceCount
          ? { note: `only ${before.size} of ${serviceCount} assigned in time` }
          : {}),
      },
      restart_ready_s: {
        value: round(restartS, 2),
        unit: 's',
        reference: `fresh controller process start until its "caught up" log line, ${serviceCount} Services assigned`,
        target: '≤ 2 s with 0 IPs changed',
        met: restartS <= 2 && moved.length === 0,
      },
      restart_ips_changed: {
        value: moved.length,
        unit: 'count',
        reference: `Services whose ingress IP differs after the restart, of ${serviceCount}`,
        target: '0',
        met: moved.length === 0,
      },
      controller_rss_mb_10k: {
        value: round(controllerRssMb, 1),
        unit: 'MB',
        reference: `VmRSS of the controller's node process after all ${serviceCount} Services were assigned and its CPU settled (${round(controllerSettle.s, 1)} s later${controllerSettle.settled ? '' : ', did not settle'}); at the moment all were assigned: ${round(controllerAssignedRssMb, 1)} MB; idle before any Service: ${round(controllerIdleRssMb, 1)} MB`,
        samples: serviceCount,
        target: '≤ 200 MB',
        met: controllerRssMb <= 200,
      },
      speaker_rss_mb_10k: {
        value: round(speakerRssMb, 1),
        unit: 'MB',
        reference: `VmRSS of one speaker's node process (own network namespace, layer2 pool) ${round(speakerSettle.s, 1)} s after it announced ${announcing} of ${serviceCount} Services${speakerSettle.settled ? ' and its CPU settled' : ' (still busy: did not settle)'}; at the moment all were announced: ${round(speakerAnnouncedRssMb, 1)} MB`,
        samples: serviceCount,
        target: '≤ 120 MB',
        met: speakerRssMb <= 120 && announcing >= serviceCount && speakerSettle.settled,
        ...(announcing < serviceCount
          ? { note: `only ${announcing} of ${serviceCount} announced in time` }
          : {}),
      },
    },
    details: {
      services: serviceCount,
      assigned: before.size,
      rawWritesPerSecond: Math.round(rawPerSecond),
      createSeconds: round((createdAt - start) / 1000, 2),
      allAssignedSeconds: round(allAssignedMs / 1000, 2),
      servicesAssignedPerSecond: Math.round(e2ePerSecond),
      e2eCpu,
      restartRecheckMs,
      controllerIdleRssMb: round(controllerIdleRssMb, 1),
      speakerAnnounced: announcing,
      speakerCaughtUpSeconds: round(speakerCaughtUpS, 2),
    },
  });
} finally {
  for (const child of children.reverse()) await stop(child);
  await api.stop();
  await removeNetnsPair(pair);
  await fs.rm(dir, { recursive: true, force: true });
}
