// Helpers of the controller benchmarks: the controller as a child process (its stdout read line by
// line), stopping it, waiting for a log line or for its CPU to settle, and Service creates with
// bounded concurrency.
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { type CoreV1Api, type KubeConfig, makeInformer, type V1Service } from '@kubernetes/client-node';
import { cpuSeconds } from './process-usage.ts';

export const cli = path.resolve(import.meta.dirname, '../../bin/baremetal-lb');
/** Service creates in flight at once. */
export const concurrency = 16;

export function spawnCli(
  args: string[],
  onLine: (line: string) => void,
  command: string[] = [cli],
): ChildProcess {
  const child = spawn(command[0]!, [...command.slice(1), ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  let buffer = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    buffer += chunk.toString();
    const lines = buffer.split('\n');
    buffer = lines.pop()!;
    lines.forEach(onLine);
  });
  return child;
}

/**
 * The components' namespace with one layer2 pool in the ConfigMap: IPv6, so that one pool holds 10k
 * addresses inside the documentation prefix.
 */
export async function createBenchPool(core: CoreV1Api, namespace: string): Promise<void> {
  await core.createNamespace({ body: { metadata: { name: namespace } } });
  const config = 'address-pools:\n  - name: bench\n    protocol: layer2\n    addresses: ["2001:db8::/112"]\n';
  await core.createNamespacedConfigMap({
    namespace,
    body: { metadata: { name: 'config' }, data: { config } },
  });
}

/** Our controller, logging at info (the benches wait for its lines), metrics on a free port. */
export function spawnController(kubeconfig: string, onLine: (line: string) => void): ChildProcess {
  const flags = ['--kubeconfig', kubeconfig, '--metrics-addr', '127.0.0.1:0', '--log-level', 'info'];
  return spawnCli(['controller', ...flags], onLine);
}

/**
 * Our speaker on a bench node without the failure detector (the only node), through the CLI as the
 * image runs it: bin/baremetal-lb execs node, so the child's PID is the speaker's.
 */
export function spawnSpeaker(
  node: { readonly name: string; readonly netns: string },
  kubeconfig: string,
  namespace: string,
  onLine: (line: string) => void,
): ChildProcess {
  const flags = ['--node-name', node.name, '--kubeconfig', kubeconfig, '--namespace', namespace];
  const quiet = ['--no-failure-detector', '--metrics-addr', '127.0.0.1:0', '--log-level', 'info'];
  return spawnCli(['speaker', ...flags, ...quiet], onLine, ['ip', 'netns', 'exec', node.netns, cli]);
}

/** SIGTERM, then SIGKILL if the process has not exited after `graceMs`. */
export function stop(child: ChildProcess, graceMs = 5000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/**
 * Waits until the process uses under 10 % of a CPU over a second (its writes done), at most
 * `timeoutMs`; returns the seconds waited and whether it settled.
 */
export async function settle(
  pid: number | undefined,
  timeoutMs: number,
): Promise<{ s: number; settled: boolean }> {
  const start = performance.now();
  let last = cpuSeconds(pid);
  while (performance.now() - start < timeoutMs) {
    await new Promise((r) => setTimeout(r, 1000));
    const now = cpuSeconds(pid);
    if (now - last < 0.1) return { s: (performance.now() - start) / 1000, settled: true };
    last = now;
  }
  return { s: timeoutMs / 1000, settled: false };
}

export function waitForLine(lines: string[], pattern: RegExp, timeoutMs: number): Promise<string> {
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

export async function inParallel(count: number, work: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) await work(next++);
    }),
  );
}

/** An IPv6 single-stack LoadBalancer Service, so one pool holds 10k addresses inside 2001:db8::/32. */
export function serviceBody(name: string, loadBalancerClass?: string) {
  return {
    metadata: { name },
    spec: {
      type: 'LoadBalancer',
      allocateLoadBalancerNodePorts: false,
      ipFamilies: ['IPv6'],
      ipFamilyPolicy: 'SingleStack',
      ports: [{ port: 80 }],
      ...(loadBalancerClass ? { loadBalancerClass } : {}),
    },
  };
}

/**
 * The addresses of the default namespace's Services as a watch sees them (as `kubectl get svc -w`
 * would), filled in as they come; stop() ends the watch.
 */
export async function watchAssigned(
  kc: KubeConfig,
  core: CoreV1Api,
): Promise<{ assigned: Map<string, string>; stop: () => Promise<void> }> {
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
  return { assigned, stop: () => informer.stop() };
}
