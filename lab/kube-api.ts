// The lab's Kubernetes API, from either backend: the embedded server (one process, seconds, no Go)
// or the real control plane (etcd, kube-apiserver and kube-controller-manager built from Go modules).
// Either way the lab gets the admin kubeconfig in paths.kubeconfig and a kubectl that matches the server.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { ensureKubeBinaries } from './kube/build.ts';
import { apiserverProcessName } from './kube/control-plane.ts';
import { startRealControlPlane } from './kube/start-real.ts';
import { type Kubectl, kubectlFor } from './kubectl.ts';
import type { LabPaths, LabProcess } from './lab-state.ts';
import type { ProcessSpec } from './processes.ts';
import { freeLoopbackPort, waitFor } from './wait.ts';

export type KubeBackend = 'embedded' | 'real';
export const kubeBackends: readonly KubeBackend[] = ['embedded', 'real'];

/** The lab process that serves the API: restart it to restart the API server. */
export function apiServerProcessName(kube: KubeBackend = 'embedded'): string {
  return kube === 'real' ? apiserverProcessName : 'apiserver';
}

export function parseKubeBackend(text: string): KubeBackend {
  if ((kubeBackends as readonly string[]).includes(text)) return text as KubeBackend;
  throw new Error(`--kube ${text}: expected one of ${kubeBackends.join(', ')}`);
}

export interface LabKubernetesApi {
  readonly url: string;
  readonly port: number;
  /** The admin kubeconfig's text (also in paths.kubeconfig). */
  readonly kubeconfig: string;
  readonly kubectl: Kubectl;
  /** The kubectl program the lab uses: the one on PATH for the embedded server, the v1.36 build for the real one. */
  readonly kubectlBinary: string;
}

interface Context {
  readonly paths: LabPaths;
  readonly repoRoot: string;
  readonly kube?: KubeBackend;
  readonly log?: (line: string) => void;
}

type Watch = { processes: readonly LabProcess[]; logDir: string };

export async function startKubernetesApi(
  context: Context,
  start: (spec: ProcessSpec) => LabProcess,
  watch: Watch,
): Promise<LabKubernetesApi> {
  return (context.kube ?? 'embedded') === 'real'
    ? startReal(context, start)
    : startEmbedded(context, start, watch);
}

async function startEmbedded(
  { paths, repoRoot, log }: Context,
  start: (spec: ProcessSpec) => LabProcess,
  watch: Watch,
): Promise<LabKubernetesApi> {
  log?.('starting the embedded API server');
  start({
    name: apiServerProcessName('embedded'),
    command: join(repoRoot, 'bin', 'baremetal-lb'),
    args: [
      'apiserver',
      '--listen',
      `127.0.0.1:${await freeLoopbackPort()}`,
      '--kubeconfig-out',
      paths.kubeconfig,
      '--data-dir',
      paths.apiserverData,
    ],
  });
  const kubeconfig = await waitFor(
    'the API server kubeconfig',
    20_000,
    async () => (await readFile(paths.kubeconfig, 'utf8').catch(() => undefined)) || undefined,
    watch,
  );
  const url = new URL(kubeconfigServer(kubeconfig));
  const kubectl = kubectlFor(paths.kubeconfig, paths.dir);
  await waitFor(
    'the API server to answer',
    20_000,
    async () => (await kubectl('version', '-o', 'json')) || undefined,
    watch,
  );
  return {
    url: url.toString().replace(/\/$/, ''),
    port: Number(url.port),
    kubeconfig,
    kubectl,
    kubectlBinary: 'kubectl',
  };
}

async function startReal(
  { paths, log }: Context,
  start: (spec: ProcessSpec) => LabProcess,
): Promise<LabKubernetesApi> {
  const binaries = await ensureKubeBinaries({ log: (line) => log?.(line) });
  const plane = await startRealControlPlane({
    dir: join(paths.dir, 'control-plane'),
    logDir: paths.logs,
    binaries,
    start,
    ...(log ? { log } : {}),
  });
  await writeFile(paths.kubeconfig, plane.kubeconfig, { mode: 0o600 });
  return {
    url: plane.url,
    port: plane.ports.apiserver,
    kubeconfig: plane.kubeconfig,
    kubectl: kubectlFor(paths.kubeconfig, paths.dir, binaries.kubectl),
    kubectlBinary: binaries.kubectl,
  };
}

function kubeconfigServer(text: string): string {
  const doc = parseYaml(text) as { clusters?: { cluster?: { server?: string } }[] };
  const server = doc.clusters?.[0]?.cluster?.server;
  if (!server) throw new Error('the API server wrote a kubeconfig without a cluster server');
  return server;
}
