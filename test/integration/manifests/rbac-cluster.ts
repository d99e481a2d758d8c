// An API server (embedded, or the real one with BLB_KUBE=real) set up as an operator would (CRDs,
// namespace.yaml and rbac/ applied with the real kubectl), a kubeconfig per ServiceAccount, and runs
// of a real component process against it that watch the server's refusals: a run can stop as soon
// as the 403 it is looking for happened.

import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Denial } from '../../../lab/apiserver/server.ts';
import { systemNamespace } from '../../../lab/cluster-objects.ts';
import { kubectlFor } from '../../../lab/kubectl.ts';
import { serviceAccountKubeconfig } from '../../../lab/service-accounts.ts';
import { startTestCluster, type TestCluster } from '../../kube-cluster.ts';
import { accountUser, type Grant, refusedByMissing, roleWithout, type ShippedRole } from './rbac-grants.ts';

export const repoRoot = path.resolve(import.meta.dirname, '../../..');
export const manifestsDir = path.join(repoRoot, 'manifests');

// biome-ignore lint/suspicious/noExplicitAny: tests read the fields they need from the API's JSON
export type Json = Record<string, any>;

/** The API as the administrator: plain JSON, 404 as undefined. */
export interface AdminApi {
  get(apiPath: string): Promise<Json | undefined>;
  create(apiPath: string, body: unknown): Promise<Json>;
  replace(apiPath: string, body: unknown): Promise<Json>;
  /** JSON merge patch. */
  patch(apiPath: string, body: unknown): Promise<Json>;
  /** Deletes; a missing object is fine. */
  remove(apiPath: string): Promise<void>;
}

function adminApi(cluster: TestCluster): AdminApi {
  const call = async (
    method: string,
    apiPath: string,
    body?: unknown,
    tries = 10,
  ): Promise<Json | undefined> => {
    const response = await cluster.request({
      method,
      path: apiPath,
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      contentType: method === 'PATCH' ? 'application/merge-patch+json' : 'application/json',
    });
    // kube-apiserver answers 429 "storage is (re)initializing" for a CRD's resource just after the CRD
    // is created; like client-go, wait the second it asks for and try again.
    if (response.status === 429 && tries > 1) {
      await new Promise((resolve) => setTimeout(resolve, 1000));
      return call(method, apiPath, body, tries - 1);
    }
    if (response.status === 404 && (method === 'GET' || method === 'DELETE')) return undefined;
    if (response.status >= 300) throw new Error(`${method} ${apiPath}: ${response.status} ${response.body}`);
    return JSON.parse(response.body) as Json;
  };
  return {
    get: (p) => call('GET', p),
    create: async (p, body) => (await call('POST', p, body))!,
    replace: async (p, body) => (await call('PUT', p, body))!,
    patch: async (p, body) => (await call('PATCH', p, body))!,
    remove: async (p) => {
      await call('DELETE', p);
    },
  };
}

export interface RbacCluster {
  readonly cluster: TestCluster;
  readonly admin: AdminApi;
  /** Port of the API server on 127.0.0.1 (the node namespace's relay listens on the same). */
  readonly port: number;
  /** The ServiceAccount's kubeconfig file. */
  kubeconfigOf(account: string): string;
  /** Replaces a Role or ClusterRole with the given object, as the administrator. */
  applyRole(role: Pick<ShippedRole, 'kind' | 'name' | 'namespace'>, object: unknown): Promise<void>;
  close(): Promise<void>;
}

export async function startRbacCluster(dir: string, accounts: readonly string[]): Promise<RbacCluster> {
  const cluster = await startTestCluster(dir);
  try {
    const kubectl = kubectlFor(cluster.kubeconfigFile, dir, cluster.kubectlBinary);
    for (const manifest of ['crds', 'namespace.yaml', 'rbac']) {
      await kubectl('apply', '-f', path.join(manifestsDir, manifest));
    }
    const files = new Map<string, string>();
    for (const account of accounts) {
      const file = path.join(dir, `${account}.kubeconfig`);
      const token = await cluster.mintToken(systemNamespace, account, 3600);
      await writeFile(file, serviceAccountKubeconfig(cluster.kubeconfig, systemNamespace, account, token), {
        mode: 0o600,
      });
      files.set(account, file);
    }
    const admin = adminApi(cluster);
    return {
      cluster,
      admin,
      port: cluster.port,
      kubeconfigOf: (account) => {
        const file = files.get(account);
        if (!file) throw new Error(`no kubeconfig for ServiceAccount "${account}"`);
        return file;
      },
      async applyRole(role, object) {
        const where = role.namespace ? `/namespaces/${role.namespace}` : '';
        const plural = role.kind === 'Role' ? 'roles' : 'clusterroles';
        await admin.replace(`/apis/rbac.authorization.k8s.io/v1${where}/${plural}/${role.name}`, object);
      },
      close: () => cluster.close(),
    };
  } catch (error) {
    await cluster.close();
    throw error;
  }
}

/** Thrown inside a run once the 403 it waits for has happened: the run has shown what it had to. */
class Refused extends Error {}

export interface RunContext {
  /** Polls `probe` until it gives a value; stops the run once the awaited 403 happened. */
  waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs?: number): Promise<T>;
  /** Signals the component to stop; later waits no longer fail because it exited. */
  signal(signal: NodeJS.Signals): void;
}

export interface Scenario {
  readonly account: string;
  /** Puts the cluster back as the scenario expects it before the component starts. */
  reset(): Promise<void>;
  /** argv after the node binary, and the network namespace to run in (if any). */
  command(kubeconfig: string): { args: string[]; netns?: string };
  /** Drives the component through every code path that needs a permission. */
  drive(run: RunContext): Promise<void>;
}

export interface RunReport {
  /** Every step's outcome was met. */
  readonly completed: boolean;
  /** The component's requests the server refused during the run. */
  readonly denials: readonly Denial[];
}

export interface RunOptions {
  readonly cluster: RbacCluster;
  readonly scenario: Scenario;
  /** Taken out of its role for this run (and put back after); the run stops at its first 403. */
  readonly without?: Grant;
  readonly logFile: string;
  readonly env?: Record<string, string>;
  readonly timeoutMs?: number;
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

async function logTail(file: string): Promise<string> {
  const text = await readFile(file, 'utf8').catch(() => '');
  return text.trimEnd().split('\n').slice(-15).join('\n');
}

export async function runScenario(options: RunOptions): Promise<RunReport> {
  const { cluster, scenario, without } = options;
  const user = `system:serviceaccount:${systemNamespace}:${scenario.account}`;
  if (without && accountUser(without.role) !== user) {
    throw new Error(`${without.role.kind} ${without.role.name} is not bound to ${scenario.account}`);
  }
  if (without) await cluster.applyRole(without.role, roleWithout(without));
  let child: ChildProcess | undefined;
  try {
    await scenario.reset();
    const first = (await cluster.cluster.denials()).length;
    const mine = async () => (await cluster.cluster.denials()).slice(first).filter((d) => d.user === user);
    const { args, netns } = scenario.command(cluster.kubeconfigOf(scenario.account));
    const [command, argv] = netns
      ? ['ip', ['netns', 'exec', netns, process.execPath, ...args]]
      : [process.execPath, args];
    const log = createWriteStream(options.logFile);
    child = spawn(command, argv, {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...options.env },
    });
    child.stdout!.pipe(log);
    child.stderr!.pipe(log);
    const running = child;
    let stopping = false;
    const timeoutMs = options.timeoutMs ?? 15_000;
    const context: RunContext = {
      async waitFor(what, probe, waitMs = timeoutMs) {
        const deadline = Date.now() + waitMs;
        for (;;) {
          const refusals = await mine();
          if (without && refusals.some((d) => refusedByMissing(d, without))) throw new Refused();
          if (!without && refusals.length > 0) {
            throw new Error(`the full RBAC refused ${scenario.account}: ${refusals[0]!.message}`);
          }
          if (!stopping && (running.exitCode !== null || running.signalCode !== null)) {
            throw new Error(
              `${scenario.account} exited (${running.exitCode ?? running.signalCode}) while waiting for ${what}:\n${await logTail(options.logFile)}`,
            );
          }
          const value = await probe();
          if (value !== undefined) return value;
          if (Date.now() > deadline) {
            throw new Error(
              `timed out after ${waitMs} ms waiting for ${what}; ${scenario.account}'s log ends:\n${await logTail(options.logFile)}`,
            );
          }
          await new Promise((resolve) => setTimeout(resolve, 25));
        }
      },
      signal(signal) {
        stopping = true;
        running.kill(signal);
      },
    };
    let completed = false;
    try {
      await scenario.drive(context);
      completed = true;
    } catch (error) {
      if (!(error instanceof Refused)) throw error;
    }
    return { completed, denials: await mine() };
  } finally {
    if (child) {
      child.kill('SIGKILL');
      await exited(child);
    }
    if (without) await cluster.applyRole(without.role, without.role.object);
  }
}
