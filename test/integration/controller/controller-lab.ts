// One API server (embedded, or the real control plane with BLB_KUBE=real), the real kubectl and
// in-process controllers for a test file; everything is stopped and removed afterwards.

import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { loadApiConfig } from '../../../common/kube/api-config.ts';
import { ApiConnection } from '../../../common/kube/api-connection.ts';
import { createLogger } from '../../../common/observability/logger.ts';
import { type Controller, type ControllerOptions, startController } from '../../../controller/controller.ts';
import type { ApiServerOptions } from '../../../lab/apiserver/server.ts';
import { startTestCluster, type TestCluster } from '../../kube-cluster.ts';
import { namespace } from './fixtures.ts';

export interface ControllerLab {
  readonly cluster: TestCluster;
  readonly dir: string;
  readonly kubeconfigFile: string;
  kubectl(args: string[], stdin?: string): Promise<string>;
  apply(manifest: string): Promise<string>;
  startController(identity: string, extra?: Partial<ControllerOptions>): Promise<Controller>;
  /** Stops every controller started so far. */
  closeControllers(): Promise<void>;
  /** Log lines (parsed JSON) of every controller started here. */
  readonly logs: Record<string, unknown>[];
  close(): Promise<void>;
}

export const fastTimings = { leaseDurationMs: 3000, renewDeadlineMs: 2000, retryPeriodMs: 100 };

export async function startControllerLab(options: ApiServerOptions = {}): Promise<ControllerLab> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'controller-lab-'));
  const cluster = await startTestCluster(dir, { ...options, dataDir: path.join(dir, 'data') });
  const { kubeconfigFile } = cluster;
  const env = { ...process.env, KUBECACHEDIR: path.join(dir, 'cache'), HOME: dir };
  const controllers: Controller[] = [];
  const logs: Record<string, unknown>[] = [];
  const kubectl = (args: string[], stdin?: string) =>
    new Promise<string>((resolve, reject) => {
      const child = spawn(cluster.kubectlBinary, ['--kubeconfig', kubeconfigFile, ...args], { env });
      let out = '';
      let err = '';
      child.stdout.on('data', (c: Buffer) => {
        out += c;
      });
      child.stderr.on('data', (c: Buffer) => {
        err += c;
      });
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      child.on('error', reject);
      child.on('close', (code) => {
        clearTimeout(timer);
        if (code === 0) resolve(out);
        else reject(new Error(`kubectl ${args.join(' ')} exited ${code}: ${err}`));
      });
      child.stdin.end(stdin ?? '');
    });
  const lab: ControllerLab = {
    cluster,
    dir,
    kubeconfigFile,
    kubectl,
    apply: (manifest) => kubectl(['apply', '-f', '-'], manifest),
    logs,
    async startController(identity, extra = {}) {
      const destination = {
        write(line: string) {
          logs.push({ ...JSON.parse(line), identity });
        },
      };
      const controller = await startController({
        connection: new ApiConnection(loadApiConfig(kubeconfigFile)),
        logger: createLogger({ component: 'controller', level: 'info', destination }),
        namespace,
        configMapName: 'config',
        identity,
        metricsAddress: '127.0.0.1:0',
        leaseTimings: fastTimings,
        backoff: { initialMs: 50, maxMs: 1000 },
        poolStatusDelayMs: 50,
        ...extra,
      });
      controllers.push(controller);
      return controller;
    },
    async closeControllers() {
      await Promise.all(controllers.splice(0).map((c) => c.stop()));
    },
    async close() {
      await Promise.all(controllers.map((c) => c.stop()));
      await cluster.close();
      await fs.rm(dir, { recursive: true, force: true });
    },
  };
  await kubectl(['create', '-f', '-'], `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${namespace}\n`);
  return lab;
}

/** Polls until check returns a value other than undefined/false, or fails after timeoutMs. */
export async function eventually<T>(
  what: string,
  check: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}${lastError ? `: ${lastError}` : ''}`,
      );
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** EXTERNAL-IP of `kubectl get svc` (columns separated by 2+ spaces). */
export async function externalIP(lab: ControllerLab, name: string, ns = 'default'): Promise<string> {
  const out = await lab.kubectl(['get', 'svc', name, '-n', ns]);
  const [header, row] = out.trimEnd().split('\n');
  const columns = header!.split(/\s{2,}/);
  const cells = row!.split(/\s{2,}/);
  return cells[columns.indexOf('EXTERNAL-IP')] ?? '';
}

export async function metricValue(controller: Controller, name: string): Promise<number | undefined> {
  const text = await (await fetch(`http://${controller.metricsAddress}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
  return line === undefined ? undefined : Number(line.split(' ').pop());
}

/** A lab with one controller running on the given pool config, ready: what most test files start from. */
export async function startLabWithController(
  identity: string,
  poolConfig: string,
): Promise<{ lab: ControllerLab; controller: Controller }> {
  const lab = await startControllerLab();
  const controller = await lab.startController(identity);
  await lab.apply(poolConfig);
  // Ready and leading, and done with what taking the lead queues (every Service, once).
  await eventually(
    'the controller to be ready and leading',
    () => controller.isReady() && controller.isLeader(),
  );
  await controller.idle();
  return { lab, controller };
}
