// The failover bench's lab: one `labUp` in a temp dir under a unique prefix, and the handles a
// trial needs — each node's speaker (struck, then started again as it was), its cable, its
// /metrics, and a streaming client probe inside the client namespace. `down()` removes it all, and
// so does SIGINT or SIGTERM of the bench.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LoadBalancerName } from '../../lab/announcers.ts';
import type { KubeBackend } from '../../lab/kube-api.ts';
import { labDown } from '../../lab/lab-down.ts';
import { type LabPaths, type LabState, labPaths } from '../../lab/lab-state.ts';
import { labUp } from '../../lab/lab-up.ts';
import { plug, unplug } from '../../lab/network/segment.ts';
import { type LabHost, type LabTopology, planTopology } from '../../lab/network/topology.ts';
import { kubeVipMetricsPort } from '../../lab/peers/kube-vip.ts';
import { isAlive } from '../../lab/processes.ts';
import { restartComponent } from '../../lab/restart-component.ts';
import type { ProbeRecord } from './failover-measure.ts';

const repoRoot = dirname(dirname(dirname(fileURLToPath(import.meta.url))));
/** Where lab-up.ts has every announcer serve /metrics inside its node's namespace. */
const speakerMetricsUrl = (lb: LoadBalancerName) =>
  `http://127.0.0.1:${lb === 'kube-vip' ? kubeVipMetricsPort : 7472}/metrics`;

/** Wall-clock ms on the same footing as the probe's (lab/failover-probe.ts). */
export const wallMs = (): number => performance.timeOrigin + performance.now();

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export interface ClientProbe {
  /** Records so far, in the order they settled. */
  readonly records: readonly ProbeRecord[];
  /** Ends the probe and resolves once it has exited. */
  stop(): Promise<void>;
}

export interface FailoverLab {
  readonly lb: LoadBalancerName;
  readonly state: LabState;
  readonly topology: LabTopology;
  readonly vip: string;
  speakerPid(node: LabHost): number;
  /** Starts the node's speaker again as the lab first started it (`restartComponent`). */
  restartSpeaker(node: LabHost): Promise<void>;
  /** The speaker's /metrics text, or undefined when it does not answer within a second. */
  speakerMetrics(node: LabHost): Promise<string | undefined>;
  /** Whether the node's interface holds the VIP (kube-vip adds it where it leads). */
  holdsVip(node: LabHost): Promise<boolean>;
  /** Takes the VIP off the node's interface: a crashed node comes back without it. */
  dropVip(node: LabHost): Promise<void>;
  unplug(node: LabHost): Promise<void>;
  plug(node: LabHost): Promise<void>;
  /** A GET to the VIP from the client namespace every `intervalMs`, until stop() or `deadlineMs`. */
  startProbe(options: { intervalMs: number; timeoutMs: number; deadlineMs: number }): Promise<ClientProbe>;
  /** The whole log of a lab process ("speaker-node-1", …); empty when there is none. */
  logText(name: string): Promise<string>;
  down(): Promise<void>;
}

function runQuiet(command: string, args: readonly string[], timeoutMs: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile(command, args, { timeout: timeoutMs }, (error, stdout) => resolve(error ? undefined : stdout));
  });
}

async function waitExit(pid: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (isAlive(pid)) {
    if (Date.now() > deadline) {
      process.kill(pid, 'SIGKILL');
      while (isAlive(pid)) await sleep(10);
      return;
    }
    await sleep(10);
  }
}

function spawnProbe(
  state: LabState,
  vip: string,
  options: { intervalMs: number; timeoutMs: number; deadlineMs: number },
  children: Set<ChildProcess>,
): Promise<ClientProbe> {
  const child = spawn(
    'ip',
    [
      'netns',
      'exec',
      state.client.netns,
      process.execPath,
      join(repoRoot, 'lab', 'failover-probe.ts'),
      '--url',
      `http://${vip}/`,
      '--stream',
      '--interval-ms',
      String(options.intervalMs),
      '--timeout-ms',
      String(options.timeoutMs),
      '--deadline-ms',
      String(options.deadlineMs),
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  children.add(child);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  void exited.then(() => children.delete(child));
  const records: ProbeRecord[] = [];
  let buffered = '';
  return new Promise((resolve, reject) => {
    const startTimer = setTimeout(
      () => reject(new Error('the client probe did not start within 10 s')),
      10_000,
    );
    void exited.then(() => reject(new Error(`the client probe exited early (code ${child.exitCode})`)));
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      buffered += chunk;
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) {
        const parsed = JSON.parse(line) as Partial<ProbeRecord> & { ready?: boolean };
        if (parsed.ready) {
          clearTimeout(startTimer);
          resolve({
            records,
            stop: async () => {
              if (child.exitCode === null && child.pid) process.kill(child.pid, 'SIGTERM');
              await exited;
            },
          });
        } else if (typeof parsed.sent === 'number' && typeof parsed.at === 'number') {
          records.push({ sent: parsed.sent, at: parsed.at, node: parsed.node ?? null });
        }
      }
    });
  });
}

const labTags: Record<LoadBalancerName, string> = {
  'baremetal-lb': 'b',
  'baremetal-lb-fast': 'f',
  metallb: 'm',
  'kube-vip': 'v',
  keepalived: 'k',
  'keepalived-tuned': 't',
};

export async function startFailoverLab(
  nodeCount: number,
  log: (line: string) => void,
  kube: KubeBackend = 'embedded',
  lb: LoadBalancerName = 'baremetal-lb',
): Promise<FailoverLab> {
  // One prefix per implementation: the peers benchmark keeps a lab of each up at once, and a lab up
  // first removes whatever a lab of its own prefix left behind.
  const prefix = `bf${labTags[lb]}${process.pid}`.slice(0, 16);
  const dir = await mkdtemp(join(tmpdir(), 'blb-bench-failover-'));
  const paths: LabPaths = labPaths(join(dir, 'lab'));
  const probes = new Set<ChildProcess>();
  let downing: Promise<void> | undefined;
  const down = () => {
    downing ??= (async () => {
      process.off('SIGINT', interrupted);
      process.off('SIGTERM', interrupted);
      for (const p of probes) if (p.exitCode === null && p.pid) process.kill(p.pid, 'SIGKILL');
      await labDown(paths, prefix);
      await rm(dir, { recursive: true, force: true });
    })();
    return downing;
  };
  // Ctrl-C or a runner's SIGTERM, even during labUp, still removes the lab before exiting.
  const interrupted = (signal: NodeJS.Signals) => {
    log(`${signal}: removing the lab`);
    void down().finally(() => process.exit(130));
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  const logText = (name: string) => readFile(join(paths.logs, `${name}.log`), 'utf8').catch(() => '');
  try {
    const state = await labUp({ paths, prefix, nodes: nodeCount, repoRoot, log, kube, lb });
    const vip = state.ingress.ipv4;
    if (!vip) throw new Error('the lab ingress Service got no IPv4 address');
    const topology = planTopology(prefix, nodeCount);
    const pids = new Map<string, number>();
    for (const n of state.nodes) {
      if (!n.speakerPid) throw new Error(`the lab state records no speaker PID for ${n.name}`);
      pids.set(n.name, n.speakerPid);
    }
    const addressOf = (node: LabHost) =>
      runQuiet('ip', ['-n', node.netns, '-br', 'addr', 'show', 'dev', node.interface], 2000);
    return {
      lb,
      state,
      topology,
      vip,
      speakerPid: (node) => pids.get(node.name)!,
      async restartSpeaker(node) {
        await waitExit(pids.get(node.name)!, 5000);
        const started = await restartComponent(paths, `speaker-${node.name}`);
        pids.set(node.name, started.pid);
      },
      speakerMetrics: (node) =>
        runQuiet('ip', ['netns', 'exec', node.netns, 'curl', '-sf', '-m', '1', speakerMetricsUrl(lb)], 2000),
      holdsVip: async (node) => (await addressOf(node))?.split(/\s+/).includes(`${vip}/32`) ?? false,
      dropVip: async (node) => {
        await runQuiet('ip', ['-n', node.netns, 'addr', 'del', `${vip}/32`, 'dev', node.interface], 2000);
      },
      unplug: (node) => unplug(topology, node),
      plug: (node) => plug(topology, node),
      startProbe: (options) => spawnProbe(state, vip, options, probes),
      logText,
      down,
    };
  } catch (error) {
    await down();
    throw error;
  }
}
