// The API server a bench runs against: the embedded one (the CLI's `apiserver`, one process) or the
// real control plane (etcd, kube-apiserver, kube-controller-manager). Either way the bench gets an
// admin kubeconfig, the PID whose CPU counts as the API server's, and one way to stop it all.
import { type ChildProcess, spawn } from 'node:child_process';
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { ensureKubeBinaries } from '../../lab/kube/build.ts';
import { apiserverProcessName } from '../../lab/kube/control-plane.ts';
import { startDetachedControlPlane } from '../../lab/kube/start-real.ts';
import type { KubeBackend } from '../../lab/kube-api.ts';
import { stopAll } from '../../lab/processes.ts';
import { waitFor } from '../../lab/wait.ts';

export interface BenchApi {
  readonly kubeconfigFile: string;
  /** The API server's own process (kube-apiserver, not etcd, on the real backend). */
  readonly pid: number;
  /** Every PID to kill if the bench is stopped hard. */
  readonly pids: () => number[];
  stop(): Promise<void>;
}

const cli = path.resolve(import.meta.dirname, '../../bin/baremetal-lb');

export function startBenchApi(kube: KubeBackend, dir: string): Promise<BenchApi> {
  return kube === 'real' ? startReal(dir) : startEmbedded(dir);
}

async function startEmbedded(dir: string): Promise<BenchApi> {
  const kubeconfigFile = path.join(dir, 'kubeconfig');
  const child: ChildProcess = spawn(
    cli,
    ['apiserver', '--listen', '127.0.0.1:0', '--kubeconfig-out', kubeconfigFile],
    {
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
  await waitFor('the embedded API server kubeconfig', 20_000, async () =>
    (await readFile(kubeconfigFile, 'utf8').catch(() => '')) ? true : undefined,
  );
  return {
    kubeconfigFile,
    pid: child.pid!,
    pids: () => [child.pid!],
    stop: () => stopAll([child.pid!]),
  };
}

async function startReal(dir: string): Promise<BenchApi> {
  const binaries = await ensureKubeBinaries({ log: (line) => process.stderr.write(`kube:build: ${line}\n`) });
  const logDir = path.join(dir, 'logs');
  const plane = await startDetachedControlPlane({ dir: path.join(dir, 'control-plane'), logDir, binaries });
  const pids = plane.processes.map((p) => p.pid);
  return {
    kubeconfigFile: plane.layout.adminKubeconfig,
    pid: plane.processes.find((p) => p.name === apiserverProcessName)!.pid,
    pids: () => pids,
    stop: () => stopAll(pids),
  };
}

/**
 * A runner's timeout or ^C must not leave the API server and the bench's children behind, nor its
 * folder: on SIGTERM or SIGINT all of them go, and the bench exits 1.
 */
export function removeAllOnSignal(
  api: BenchApi,
  children: readonly ChildProcess[],
  dir: string,
  /** What else the bench made, e.g. its network namespaces. */
  alsoRemove: () => Promise<void> = async () => {},
): void {
  for (const signal of ['SIGTERM', 'SIGINT'] as const)
    process.once(signal, () => {
      for (const child of children) child.kill('SIGKILL');
      for (const pid of api.pids()) process.kill(pid, 'SIGKILL');
      void Promise.allSettled([rm(dir, { recursive: true, force: true }), alsoRemove()]).finally(() =>
        process.exit(1),
      );
    });
}
