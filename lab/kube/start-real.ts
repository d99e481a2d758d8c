// Starts etcd, kube-apiserver and kube-controller-manager for one lab and waits for each: a component
// that exits early, or a port someone else holds, fails the start with the component's name and the
// end of its log.
import { mkdir, writeFile } from 'node:fs/promises';
import { stringify as toYaml } from 'yaml';
import type { LabProcess } from '../lab-state.ts';
import { startDetached, stopAll } from '../processes.ts';
import { freeLoopbackPort, waitFor } from '../wait.ts';
import { adminKubeconfig, apiserverGet, apiserverReady } from './admin-client.ts';
import type { KubeBinaries } from './binaries.ts';
import {
  apiserverProcess,
  auditPolicy,
  type ControlPlaneLayout,
  type ControlPlanePorts,
  controllerManagerProcess,
  controlPlaneLayout,
  etcdProcess,
  type StartProcess,
} from './control-plane.ts';
import { type LabPki, makeLabPki } from './pki.ts';

export interface RealControlPlane {
  readonly layout: ControlPlaneLayout;
  readonly pki: LabPki;
  readonly ports: ControlPlanePorts;
  readonly url: string;
  /** The admin kubeconfig's text (also written to layout.adminKubeconfig). */
  readonly kubeconfig: string;
  readonly processes: readonly LabProcess[];
}

export interface RealControlPlaneOptions {
  readonly dir: string;
  readonly logDir: string;
  readonly binaries: KubeBinaries;
  readonly start: StartProcess;
  readonly log?: (line: string) => void;
  /** Free loopback ports are picked when absent. */
  readonly ports?: ControlPlanePorts;
}

async function freePorts(): Promise<ControlPlanePorts> {
  return {
    etcdClient: await freeLoopbackPort(),
    etcdPeer: await freeLoopbackPort(),
    apiserver: await freeLoopbackPort(),
  };
}

async function etcdHealthy(port: number): Promise<true | undefined> {
  const res = await fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(2000) });
  const body = (await res.json()) as { health?: string };
  return body.health === 'true' ? true : undefined;
}

export async function startRealControlPlane(options: RealControlPlaneOptions): Promise<RealControlPlane> {
  const { binaries, logDir } = options;
  const log = options.log ?? (() => undefined);
  const layout = controlPlaneLayout(options.dir, logDir);
  await mkdir(logDir, { recursive: true });
  await mkdir(layout.etcdData, { recursive: true, mode: 0o700 });
  const pki = await makeLabPki(layout.pki);
  await writeFile(layout.auditPolicy, toYaml(auditPolicy));
  const ports = options.ports ?? (await freePorts());
  const processes: LabProcess[] = [];
  const watch = { processes, logDir };
  const start = (spec: Parameters<StartProcess>[0]) => {
    processes.push(options.start(spec));
  };

  log('starting etcd');
  start(etcdProcess(binaries, layout, ports));
  await waitFor('etcd to be healthy', 30_000, () => etcdHealthy(ports.etcdClient), watch);

  log('starting kube-apiserver');
  start(apiserverProcess(binaries, layout, pki, ports));
  await waitFor(
    'kube-apiserver to be ready (/readyz)',
    90_000,
    () => apiserverReady(pki, ports.apiserver),
    watch,
  );
  const kubeconfig = await adminKubeconfig(pki, ports.apiserver);
  await writeFile(layout.adminKubeconfig, kubeconfig, { mode: 0o600 });

  log('starting kube-controller-manager');
  start(controllerManagerProcess(binaries, layout, pki));
  // Its ServiceAccount controller making `default` in every namespace shows its controllers run.
  await waitFor(
    'kube-controller-manager to create the default ServiceAccount',
    60_000,
    async () =>
      (await apiserverGet(pki, ports.apiserver, '/api/v1/namespaces/default/serviceaccounts/default'))
        ? true
        : undefined,
    watch,
  );
  return { layout, pki, ports, url: `https://127.0.0.1:${ports.apiserver}`, kubeconfig, processes };
}

/**
 * The control plane with each process detached and logging to `logDir/<name>.log`, for callers that
 * own no process table of their own (tests, benches); a start that fails stops what it had started.
 */
export async function startDetachedControlPlane(
  options: Omit<RealControlPlaneOptions, 'start'>,
): Promise<RealControlPlane> {
  const started: LabProcess[] = [];
  try {
    return await startRealControlPlane({
      ...options,
      start: (spec) => {
        const process = startDetached(spec, options.logDir);
        started.push(process);
        return process;
      },
    });
  } catch (error) {
    await stopAll(started.map((p) => p.pid));
    throw error;
  }
}
