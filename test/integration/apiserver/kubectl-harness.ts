// One API server per test file (the embedded one, or the real control plane with BLB_KUBE=real) and
// the real kubectl that matches it, with its own kubeconfig and discovery cache in a temporary
// directory removed afterwards.

import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startTestCluster, type TestCluster } from '../../kube-cluster.ts';

export interface KubectlResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface KubectlLab {
  readonly cluster: TestCluster;
  readonly dir: string;
  /** Runs kubectl and returns its exit code and output; stdin is written when given. */
  run(args: string[], stdin?: string): Promise<KubectlResult>;
  /** Runs kubectl and returns stdout, failing with stderr when kubectl fails. */
  kubectl(args: string[], stdin?: string): Promise<string>;
  /** Writes a manifest into the lab's directory and returns its path. */
  writeFile(name: string, content: string): Promise<string>;
  /** Starts a long-running kubectl (get -w); the lab kills it by PID on close. */
  spawn(args: string[]): ChildProcess;
  close(): Promise<void>;
}

const commandTimeoutMs = 20_000;

export async function startKubectlLab(): Promise<KubectlLab> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'kubectl-lab-'));
  const cluster = await startTestCluster(dir).catch(async (error) => {
    await fs.rm(dir, { recursive: true, force: true });
    throw error;
  });
  const kubeconfig = cluster.kubeconfigFile;
  const env = { ...process.env, KUBECACHEDIR: path.join(dir, 'cache'), HOME: dir };
  const children = new Set<ChildProcess>();
  const start = (args: string[]): ChildProcess => {
    const child = spawn(cluster.kubectlBinary, ['--kubeconfig', kubeconfig, ...args], {
      env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    children.add(child);
    child.on('exit', () => children.delete(child));
    return child;
  };
  const run = (args: string[], stdin?: string): Promise<KubectlResult> =>
    new Promise((resolve, reject) => {
      const child = start(args);
      let stdout = '';
      let stderr = '';
      child.stdout?.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
      });
      child.stderr?.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
      });
      const timer = setTimeout(() => child.kill('SIGKILL'), commandTimeoutMs);
      child.on('error', reject);
      child.on('close', (code) => {
        clearTimeout(timer);
        resolve({ code, stdout, stderr });
      });
      child.stdin?.end(stdin ?? '');
    });
  return {
    cluster,
    dir,
    run,
    async kubectl(args, stdin) {
      const result = await run(args, stdin);
      if (result.code !== 0)
        throw new Error(`kubectl ${args.join(' ')} exited ${result.code}: ${result.stderr}`);
      return result.stdout;
    },
    async writeFile(name, content) {
      const file = path.join(dir, name);
      await fs.writeFile(file, content);
      return file;
    },
    spawn: start,
    async close() {
      for (const child of children) if (child.pid !== undefined) process.kill(child.pid, 'SIGKILL');
      await cluster.close();
      await fs.rm(dir, { recursive: true, force: true });
    },
  };
}

/** kubectl's column output as records keyed by header (columns are separated by 2+ spaces). */
export function parseColumns(output: string): Record<string, string>[] {
  const [header, ...lines] = output.trimEnd().split('\n');
  if (header === undefined) return [];
  const starts = [...header.matchAll(/(?:^|\s{2,})(\S)/g)].map((m) => (m.index ?? 0) + m[0].length - 1);
  const names = starts.map((start, i) => header.slice(start, starts[i + 1]).trim());
  return lines.map((line) =>
    Object.fromEntries(names.map((name, i) => [name, line.slice(starts[i], starts[i + 1]).trim()])),
  );
}

/** Resolves with the output once it matches, or rejects after the deadline. */
export function waitForOutput(child: ChildProcess, pattern: RegExp, timeoutMs = 10_000): Promise<string> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(
      () => reject(new Error(`no ${pattern} in kubectl output within ${timeoutMs} ms: ${seen}`)),
      timeoutMs,
    );
    child.stdout?.on('data', (chunk: Buffer) => {
      seen += chunk.toString();
      if (pattern.test(seen)) {
        clearTimeout(timer);
        resolve(seen);
      }
    });
  });
}
