// Controller end to end: N LoadBalancer Services created through the lab API server until every
// one shows an address, as a ratio to the raw write rate of the same server in the same run; then
// the controller restarted with all of them assigned: time until it has caught up, and whether any
// address moved. The API server and the controller run as separate processes (the CLI), the load
// from this one. Prints a JSON summary; figures, not assertions.
//   node_modules/.bin/node bench/controller-e2e.ts [services=10000]

import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { CoreV1Api, KubeConfig, makeInformer, type V1Service } from '@kubernetes/client-node';

const repo = path.resolve(import.meta.dirname, '..');
const cli = path.join(repo, 'bin/baremetal-lb');
const serviceCount = Math.min(20_000, Number(process.argv[2] ?? 10_000));
const rawWrites = 3000;
const concurrency = 16;
const deadlineMs = 300_000;
const namespace = 'baremetal-lb-system';

function spawnCli(args: string[], onLine: (line: string) => void): ChildProcess {
  const child = spawn(cli, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  let buffer = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    buffer += chunk.toString();
    const lines = buffer.split('\n');
    buffer = lines.pop()!;
    lines.forEach(onLine);
  });
  return child;
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

function waitForLine(lines: string[], pattern: RegExp, timeoutMs: number): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const poll = () => {
      const found = lines.find((l) => pattern.test(l));
      if (found) return resolve(found);
      if (Date.now() > deadline) return reject(new Error(`no ${pattern} within ${timeoutMs} ms`));
      setTimeout(poll, 20);
    };
    poll();
  });
}

async function inParallel(count: number, work: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) await work(next++);
    }),
  );
}

const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'controller-bench-'));
const kubeconfigFile = path.join(dir, 'kubeconfig');
const serverLines: string[] = [];
const server = spawnCli(
  ['apiserver', '--listen', '127.0.0.1:0', '--kubeconfig-out', kubeconfigFile],
  (l) => void serverLines.push(l),
);
const children: ChildProcess[] = [server];
try {
  await waitForLine(serverLines, /^http:\/\//, 20_000);
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfigFile);
  const core = kc.makeApiClient(CoreV1Api);

  // Raw write rate: ConfigMap creates, same client, same concurrency.
  const rawStart = performance.now();
  await inParallel(rawWrites, (i) =>
    core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: `raw-${i}` } } }),
  );
  const rawPerSecond = rawWrites / ((performance.now() - rawStart) / 1000);

  await core.createNamespace({ body: { metadata: { name: namespace } } });
  // IPv6 so one pool holds 10k addresses inside the documentation prefix.
  await core.createNamespacedConfigMap({
    namespace,
    body: {
      metadata: { name: 'config' },
      data: {
        config: 'address-pools:\n  - name: bench\n    protocol: layer2\n    addresses: ["2001:db8::/112"]\n',
      },
    },
  });
  const startController = (lines: string[]) =>
    spawnCli(
      ['controller', '--kubeconfig', kubeconfigFile, '--metrics-addr', '127.0.0.1:0', '--log-level', 'info'],
      (l) => void lines.push(l),
    );
  const firstLines: string[] = [];
  const first = startController(firstLines);
  children.push(first);
  await waitForLine(firstLines, /"caught up"/, 30_000);

  // Count assigned Services from a watch, as `kubectl get svc -w` would see them.
  const assigned = new Map<string, string>();
  const informer = makeInformer<V1Service>(kc, '/api/v1/namespaces/default/services', () =>
    core.listNamespacedService({ namespace: 'default' }),
  );
  const note = (s: V1Service) => {
    const ip = s.status?.loadBalancer?.ingress?.[0]?.ip;
    if (ip) assigned.set(s.metadata!.name!, ip);
  };
  informer.on('add', note);
  informer.on('update', note);
  await informer.start();

  const start = performance.now();
  let createdAt = 0;
  const creating = inParallel(serviceCount, (i) =>
    core.createNamespacedService({
      namespace: 'default',
      body: {
        metadata: { name: `svc-${i}` },
        spec: {
          type: 'LoadBalancer',
          allocateLoadBalancerNodePorts: false,
          ipFamilies: ['IPv6'],
          ipFamilyPolicy: 'SingleStack',
          ports: [{ port: 80 }],
        },
      },
    }),
  ).then(() => {
    createdAt = performance.now();
  });
  const deadline = Date.now() + deadlineMs;
  while (assigned.size < serviceCount && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  await creating;
  const allAssignedMs = performance.now() - start;
  const e2ePerSecond = assigned.size / (allAssignedMs / 1000);
  const before = new Map(assigned);
  await informer.stop();

  // Restart with everything assigned: a fresh process takes the released Lease, rebuilds, checks all.
  await stop(first);
  const secondLines: string[] = [];
  const restartStart = performance.now();
  const second = startController(secondLines);
  children.push(second);
  await waitForLine(secondLines, /"caught up"/, 120_000);
  const restartMs = performance.now() - restartStart;
  const after = await core.listNamespacedService({ namespace: 'default' });
  const moved = after.items.filter(
    (s) => before.get(s.metadata!.name!) !== s.status?.loadBalancer?.ingress?.[0]?.ip,
  );

  console.log(
    JSON.stringify(
      {
        services: serviceCount,
        assigned: before.size,
        rawWritesPerSecond: Math.round(rawPerSecond),
        createSeconds: Number(((createdAt - start) / 1000).toFixed(2)),
        allAssignedSeconds: Number((allAssignedMs / 1000).toFixed(2)),
        servicesAssignedPerSecond: Math.round(e2ePerSecond),
        ratioToRawWriteRate: Number((e2ePerSecond / rawPerSecond).toFixed(3)),
        restartToCaughtUpSeconds: Number((restartMs / 1000).toFixed(2)),
        addressesMovedByRestart: moved.length,
      },
      null,
      2,
    ),
  );
} finally {
  for (const child of children.reverse()) await stop(child);
  await fs.rm(dir, { recursive: true, force: true });
}
