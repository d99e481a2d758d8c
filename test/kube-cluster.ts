// The Kubernetes API a test runs against, chosen by BLB_KUBE: `embedded` (the lab's own server, in
// this process; the default) or `real` (etcd, kube-apiserver and kube-controller-manager built from
// Go modules, as child processes). Tests written against this interface run unchanged on both, which
// is how differences between the embedded server and Kubernetes are found.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type ApiServerOptions,
  type Denial,
  type FaultControls,
  startApiServer,
} from '../lab/apiserver/server.ts';
import {
  type AdminRequest,
  adminKubeconfig,
  adminRequest,
  apiserverReady,
} from '../lab/kube/admin-client.ts';
import { auditDenials } from '../lab/kube/audit.ts';
import { ensureKubeBinaries } from '../lab/kube/build.ts';
import { apiserverProcessName } from '../lab/kube/control-plane.ts';
import { startFaultProxy } from '../lab/kube/fault-proxy.ts';
import { startDetachedControlPlane } from '../lab/kube/start-real.ts';
import { type KubeBackend, parseKubeBackend } from '../lab/kube-api.ts';
import { kubectlFor } from '../lab/kubectl.ts';
import type { LabProcess } from '../lab/lab-state.ts';
import { restartDetached, stopAll } from '../lab/processes.ts';
import { waitFor } from '../lab/wait.ts';

export const backend: KubeBackend = parseKubeBackend(process.env.BLB_KUBE ?? 'embedded');

export interface TestCluster {
  readonly backend: KubeBackend;
  readonly url: string;
  readonly port: number;
  /** The admin's kubeconfig (text); written to `kubeconfigFile`. */
  readonly kubeconfig: string;
  readonly kubeconfigFile: string;
  /** The kubectl that matches the server's version. */
  readonly kubectlBinary: string;
  /**
   * Faults on demand: the embedded server's own, or those of a proxy in front of the real one (every
   * request of the test, kubectl and the components goes through it).
   */
  readonly faults: FaultControls;
  /** A request as the admin, with a JSON body if given; any status resolves. */
  request(req: AdminRequest): Promise<{ status: number; body: string }>;
  /** A token of the ServiceAccount, from the TokenRequest API. */
  mintToken(namespace: string, account: string, seconds: number): Promise<string>;
  /** Requests refused with 403 so far (the embedded server's record, or the real one's audit log). */
  denials(): Promise<Denial[]>;
  /** Stops the API server and starts it again on the same port with the same storage. */
  restartApiServer(): Promise<void>;
  close(): Promise<void>;
}

const kubectlOnPath = '/usr/bin/kubectl';

/** `dir` holds the cluster's files (the caller removes it); `options` tune the embedded server only. */
export async function startTestCluster(dir: string, options: ApiServerOptions = {}): Promise<TestCluster> {
  return backend === 'real' ? startRealTestCluster(dir) : startEmbeddedTestCluster(dir, options);
}

async function startEmbeddedTestCluster(dir: string, options: ApiServerOptions): Promise<TestCluster> {
  const serverOptions = { listen: '127.0.0.1:0', ...options };
  let server = await startApiServer(serverOptions);
  const kubeconfigFile = join(dir, 'kubeconfig');
  await server.writeKubeconfig(kubeconfigFile);
  const url = new URL(server.url);
  return {
    backend: 'embedded',
    url: server.url,
    port: Number(url.port),
    kubeconfig: server.kubeconfig(),
    kubeconfigFile,
    kubectlBinary: kubectlOnPath,
    // Through the current server: a restart replaces it.
    faults: {
      dropWatches: () => server.faults.dropWatches(),
      failNext: (...args: Parameters<FaultControls['failNext']>) => server.faults.failNext(...args),
      pause: () => server.faults.pause(),
      resume: () => server.faults.resume(),
    },
    async request({ method = 'GET', path, body, contentType = 'application/json' }) {
      const headers = body === undefined ? undefined : { 'content-type': contentType };
      const res = await fetch(`${server.url}${path}`, {
        method,
        ...(headers ? { headers } : {}),
        body: body ?? null,
      });
      return { status: res.status, body: await res.text() };
    },
    mintToken: async (namespace, account, seconds) => server.issueToken(namespace, account, seconds),
    denials: async () => [...server.denials],
    async restartApiServer() {
      await server.close();
      server = await startApiServer({ ...serverOptions, listen: `${url.hostname}:${url.port}` });
    },
    close: () => server.close(),
  };
}

function stopNow(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

async function startRealTestCluster(dir: string): Promise<TestCluster> {
  const binaries = await ensureKubeBinaries({ log: (line) => process.stderr.write(`kube:build: ${line}\n`) });
  const logDir = join(dir, 'logs');
  const plane = await startDetachedControlPlane({ dir: join(dir, 'control-plane'), logDir, binaries });
  const processes: LabProcess[] = [...plane.processes];
  // A test run that dies without close() must not leave a control plane behind.
  const killAll = () => {
    for (const p of processes) stopNow(p.pid);
  };
  process.once('exit', killAll);
  const proxy = await startFaultProxy(plane.pki, plane.ports.apiserver);
  const kubeconfig = await adminKubeconfig(plane.pki, proxy.port);
  const kubeconfigFile = join(dir, 'admin.kubeconfig');
  await writeFile(kubeconfigFile, kubeconfig, { mode: 0o600 });
  const kubectl = kubectlFor(kubeconfigFile, dir, binaries.kubectl);
  return {
    backend: 'real',
    url: `https://127.0.0.1:${proxy.port}`,
    port: proxy.port,
    kubeconfig,
    kubeconfigFile,
    kubectlBinary: binaries.kubectl,
    faults: proxy.faults,
    request: (req) => adminRequest(plane.pki, proxy.port, req),
    async mintToken(namespace, account, seconds) {
      return (await kubectl('create', 'token', account, '-n', namespace, `--duration=${seconds}s`)).trim();
    },
    denials: async () => auditDenials(await readFile(plane.layout.auditLog, 'utf8').catch(() => '')),
    async restartApiServer() {
      const index = processes.findIndex((p) => p.name === apiserverProcessName);
      processes[index] = await restartDetached(processes[index]!, logDir);
      await waitFor(
        'kube-apiserver to be ready again',
        90_000,
        () => apiserverReady(plane.pki, plane.ports.apiserver),
        {
          processes,
          logDir,
        },
      );
    },
    async close() {
      process.off('exit', killAll);
      await proxy.close();
      await stopAll(processes.map((p) => p.pid));
    },
  };
}
