// A big pool config against a running controller: 40 000 IPAddressPools (--quick: 8 000) created
// while it holds 1 000 addresses, then deleted again. Measured:
// - how long its event loop is held at a time by one load of them all (one pool's range edited):
//   its /healthz asked every 25 ms, the slowest answer less the slowest of an idle baseline. The
//   reference is what that load takes on one thread (loadPoolConfig in this process): what the
//   loop would be held for if the controller loaded on its main thread. The same while the 40k
//   are being created (many loads, with the API server busy on the same two cores) is a note;
// - its RSS before, at its peak (VmHWM), and once the pools are gone again: memory given back, and
//   how long that took.
// The API server (embedded, or with --kube real the real control plane) and the controller are
// separate processes. Figures, not assertions.
//   node_modules/.bin/node bench/big-config.ts [--quick] [--kube real] [--json FILE] [pools]

import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { CoreV1Api, CustomObjectsApi, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { loadKubeConfig } from '../common/kube/kubeconfig.ts';
import { loadPoolConfig } from '../common/pool-config/load-config.ts';
import { installProjectCrds } from '../lab/install-crds.ts';
import { waitFor } from '../lab/wait.ts';
import { removeAllOnSignal, startBenchApi } from './lib/bench-api.ts';
import { runFromBundles } from './lib/bundles.ts';
import {
  inParallel,
  serviceBody,
  settle,
  spawnController,
  stop,
  waitForLine,
  watchAssigned,
} from './lib/controller-process.ts';
import { benchArgs, report, round } from './lib/figures.ts';
import { peakRssMb, rssMb } from './lib/process-usage.ts';

const args = benchArgs();
await runFromBundles();
const poolCount = Number(args.rest[0] ?? (args.quick ? 8000 : 40_000));
const serviceCount = 1000;
const namespace = 'baremetal-lb-system';
const group = { group: 'metallb.io', version: 'v1beta1', namespace, plural: 'ipaddresspools' };
const bigLabel = 'bench.example/big';
const returnWaitMs = 240_000;

/** Pool i: a /120 of its own inside 2001:db8::/32, so no two overlap. */
function bigPool(i: number) {
  return {
    apiVersion: 'metallb.io/v1beta1',
    kind: 'IPAddressPool',
    metadata: { name: `big-${i}`, namespace, labels: { [bigLabel]: 'true' } },
    spec: { addresses: [`2001:db8:${(i >> 16).toString(16)}:${(i & 0xffff).toString(16)}::/120`] },
  };
}
const servicePool = {
  apiVersion: 'metallb.io/v1beta1',
  kind: 'IPAddressPool',
  metadata: { name: 'services', namespace },
  spec: { addresses: ['2001:db8:ffff::/112'] },
};

/** Asks `url` one request at a time every `everyMs` until stopped; keeps each answer's time. */
function probe(url: string, everyMs: number): { stop: () => Promise<number[]> } {
  const times: number[] = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      const start = performance.now();
      await fetch(url).then((r) => r.arrayBuffer());
      times.push(performance.now() - start);
      await new Promise((r) => setTimeout(r, everyMs));
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return times;
    },
  };
}

/** The time one load of the same objects takes on this thread: the block a main-thread load would be. */
function inlineLoadMs(): number {
  const objects = [servicePool, ...Array.from({ length: poolCount }, (_, i) => bigPool(i))];
  const start = performance.now();
  const result = loadPoolConfig({ objects: objects.map((object) => ({ object })) });
  const ms = performance.now() - start;
  if (!result.ok) throw new Error(`the bench's own config is invalid: ${result.problems[0]?.message}`);
  return ms;
}

const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'big-config-bench-'));
const api = await startBenchApi(args.kube, dir);
const children: ChildProcess[] = [];
removeAllOnSignal(api, children, dir);
try {
  const kc = loadKubeConfig(api.kubeconfigFile);
  const core = kc.makeApiClient(CoreV1Api);
  const custom = kc.makeApiClient(CustomObjectsApi);
  await installProjectCrds(kc, (file) => /ipaddresspools|l2advertisements/.test(file));
  await core.createNamespace({ body: { metadata: { name: namespace } } });
  await waitFor('the IPAddressPool CRD served', 10_000, () =>
    custom.listNamespacedCustomObject(group).then(() => true),
  );
  await custom.createNamespacedCustomObject({ ...group, body: servicePool });

  const lines: string[] = [];
  const controller = spawnController(api.kubeconfigFile, (l) => void lines.push(l));
  children.push(controller);
  const serving = await waitForLine(lines, /"serving \/healthz/, 30_000);
  const healthz = `http://${JSON.parse(serving).metricsAddress}/healthz`;
  await waitForLine(lines, /"caught up"/, 30_000);

  const { assigned, stop: stopWatch } = await watchAssigned(kc, core);
  await inParallel(serviceCount, (i) =>
    core.createNamespacedService({ namespace: 'default', body: serviceBody(`svc-${i}`) }),
  );
  await waitFor('every Service assigned', 120_000, async () => assigned.size === serviceCount || undefined);
  await stopWatch();
  await settle(controller.pid, 30_000);
  const rssBeforeMb = rssMb(controller.pid);
  const metricsUrl = healthz.replace('/healthz', '/metrics');
  const heapBeforeMb = await heapUsedMb(metricsUrl);
  const idle = probe(healthz, 25);
  await new Promise((r) => setTimeout(r, 3000));
  const idleMaxMs = Math.max(...(await idle.stop()));

  const loading = probe(healthz, 25);
  const loadStart = performance.now();
  await inParallel(poolCount, (i) => custom.createNamespacedCustomObject({ ...group, body: bigPool(i) }));
  const createdS = (performance.now() - loadStart) / 1000;
  await waitForLine(lines, new RegExp(`"pools":${poolCount + 1},`), 600_000);
  const loadedS = (performance.now() - loadStart) / 1000;
  const creatingTimes = await loading.stop();
  const rssLoadedMb = rssMb(controller.pid);
  const peakMb = peakRssMb(controller.pid);

  // One load of all of them, nothing else going on: one pool's range moved to a free /120.
  await settle(controller.pid, 30_000);
  const quiet = probe(healthz, 25);
  await new Promise((r) => setTimeout(r, 3000));
  const quietMaxMs = Math.max(...(await quiet.stop()));
  const reloading = probe(healthz, 25);
  const edited = lines.length;
  await custom.patchNamespacedCustomObject(
    { ...group, name: 'big-0', body: { spec: { addresses: ['2001:db8:fffe::/120'] } } },
    setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
  );
  await waitFor(
    'the edited config',
    120_000,
    async () => lines.slice(edited).some((l) => l.includes('"config loaded"')) || undefined,
  );
  const loadingTimes = await reloading.stop();

  await custom.deleteCollectionNamespacedCustomObject({ ...group, labelSelector: bigLabel });
  const shrunk = lines.length;
  await waitFor(
    'the small config',
    600_000,
    async () => lines.slice(shrunk).some((l) => l.includes('"pools":1,')) || undefined,
  );
  await settle(controller.pid, 30_000);
  // V8 gives idle memory back on its own schedule (its memory reducer): a minute or two, not seconds.
  const returnStart = performance.now();
  while (rssMb(controller.pid) > 1.2 * rssBeforeMb && performance.now() - returnStart < returnWaitMs)
    await new Promise((r) => setTimeout(r, 5000));
  const returnedS = (performance.now() - returnStart) / 1000;
  const rssAfterMb = rssMb(controller.pid);
  const heapAfterMb = await heapUsedMb(metricsUrl);
  await stop(controller);

  const maxBlockMs = Math.max(0, Math.max(...loadingTimes) - quietMaxMs);
  const creatingBlockMs = Math.max(0, Math.max(...creatingTimes) - idleMaxMs);
  const inlineMs = inlineLoadMs();
  report(args, {
    bench: 'big-config',
    quick: args.quick,
    figures: {
      big_config_max_block_ms: {
        value: round(maxBlockMs, 1),
        unit: 'ms',
        reference: `slowest of ${loadingTimes.length} /healthz answers during one load of ${poolCount + 1} pools, less the idle slowest (${round(quietMaxMs, 1)} ms)`,
        samples: loadingTimes.length,
        target: '≤ 100',
        met: maxBlockMs <= 100,
        note: `while the ${poolCount} were being created: ${round(creatingBlockMs, 1)} ms over ${creatingTimes.length} answers (less the idle ${round(idleMaxMs, 1)} ms), the API server and the loads sharing the two cores`,
      },
      big_config_block_ratio: {
        value: round(maxBlockMs / inlineMs),
        unit: 'ratio',
        reference: `one load of the same ${poolCount + 1} pools on one thread (${round(inlineMs)} ms)`,
      },
      big_config_loaded_s: {
        value: round(loadedS, 1),
        unit: 's',
        reference: `from the first create until the controller applied all ${poolCount + 1} pools (creates took ${round(createdS, 1)} s)`,
      },
      controller_rss_big_config_peak_mb: {
        value: round(peakMb, 1),
        unit: 'MB',
        reference: `VmHWM; ${round(rssBeforeMb, 1)} MB before, ${round(rssLoadedMb, 1)} MB with the pools loaded`,
      },
      big_config_rss_returned_ratio: {
        value: round(rssAfterMb / rssBeforeMb),
        unit: 'ratio',
        reference: `RSS ${round(returnedS)} s after the pools were deleted and the controller settled (${round(rssAfterMb, 1)} MB, V8 heap in use ${heapAfterMb} MB) ÷ before they were created (${round(rssBeforeMb, 1)} MB, heap ${heapBeforeMb} MB); polled every 5 s for at most ${returnWaitMs / 1000} s until within 1.2×`,
        target: '≤ 1.2',
        met: rssAfterMb / rssBeforeMb <= 1.2,
      },
    },
    details: { poolCount, serviceCount, kube: args.kube },
  });
} finally {
  for (const child of children) child.kill('SIGKILL');
  await api.stop();
  await fs.rm(dir, { recursive: true, force: true });
}

async function heapUsedMb(metricsUrl: string): Promise<number> {
  const text = await (await fetch(metricsUrl)).text();
  return round(Number(/^nodejs_heap_size_used_bytes (\S+)/m.exec(text)?.[1]) / 1e6, 1);
}
