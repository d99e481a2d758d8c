// `lab up --lb keepalived|keepalived-tuned`: keepalived (VRRP, the classic bare-metal VIP failover,
// Debian's package) holds the ingress Service's IPv4 address on the lab nodes instead of a speaker.
// It knows nothing of Kubernetes: its config names the VIP, which baremetal-lb's controller has
// assigned by the time keepalived starts. One VRRP instance, every node BACKUP with its own priority
// (node-1 highest), preemption on as by default. "keepalived" keeps its defaults (VRRPv2,
// advert_int 1); "keepalived-tuned" is VRRPv3 with advert_int 0.1, the fastest common setting.
import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { LabPaths } from '../lab-state.ts';
import type { LabHost } from '../network/topology.ts';
import { announcerOnEachNode } from '../node-announcers.ts';
import type { ProcessSpec } from '../processes.ts';

export type KeepalivedProfile = 'keepalived' | 'keepalived-tuned';

const advertSeconds: Record<KeepalivedProfile, number> = { keepalived: 1, 'keepalived-tuned': 0.1 };
const vrrpVersion: Record<KeepalivedProfile, number> = { keepalived: 2, 'keepalived-tuned': 3 };
/** Any id the segment does not use otherwise; the same on every node of the instance. */
const virtualRouterId = 51;

/** Node i of n gets priority 100 + 10·(n − i): distinct, so one master is always preferred. */
export function keepalivedPriority(index: number, count: number): number {
  return 100 + 10 * (count - 1 - index);
}

export function keepalivedConfig(options: {
  readonly profile: KeepalivedProfile;
  readonly node: LabHost;
  readonly priority: number;
  readonly vip: string;
}): string {
  const { profile, node } = options;
  return [
    'global_defs {',
    `  router_id ${node.name}`,
    `  vrrp_version ${vrrpVersion[profile]}`,
    '}',
    'vrrp_instance ingress {',
    '  state BACKUP',
    `  interface ${node.interface}`,
    `  virtual_router_id ${virtualRouterId}`,
    `  priority ${options.priority}`,
    `  advert_int ${advertSeconds[profile]}`,
    '  virtual_ipaddress {',
    `    ${options.vip}/32 dev ${node.interface}`,
    '  }',
    '}',
    '',
  ].join('\n');
}

/**
 * One keepalived per node in the foreground, logging to its lab log. Its own pid files in the node's
 * folder: the default /run/keepalived.pid would make the second node's keepalived refuse to start.
 */
export async function keepalivedProcesses(options: {
  readonly profile: KeepalivedProfile;
  readonly paths: LabPaths;
  readonly nodes: readonly LabHost[];
  readonly vip: string;
}): Promise<Map<string, ProcessSpec>> {
  const dirOf = (node: LabHost) => join(options.paths.dir, node.name);
  const configOf = (node: LabHost) => join(dirOf(node), 'keepalived.conf');
  for (const [index, node] of options.nodes.entries()) {
    await mkdir(dirOf(node), { recursive: true });
    const priority = keepalivedPriority(index, options.nodes.length);
    await writeFile(configOf(node), keepalivedConfig({ ...options, node, priority }));
  }
  return announcerOnEachNode(options.nodes, (node) => ({
    // A start begins without pid files, as on a node booting with an empty /run: after a crash
    // keepalived finds its dead VRRP child's PID still taken (a zombie until reaped) and refuses.
    command: '/bin/sh',
    args: [
      '-c',
      'pid=$1 vrrp_pid=$2; shift 2; rm -f "$pid" "$vrrp_pid" && exec keepalived --pid "$pid" --vrrp_pid "$vrrp_pid" "$@"',
      'keepalived',
      join(dirOf(node), 'keepalived.pid'),
      join(dirOf(node), 'keepalived-vrrp.pid'),
      '--dont-fork',
      '--log-console',
      '--no-syslog',
      '--vrrp',
      '--use-file',
      configOf(node),
    ],
  }));
}

/** "v2.2.7" from `keepalived --version`, or a sentence saying it is missing. */
export async function installedKeepalivedVersion(): Promise<string> {
  const run = promisify(execFile);
  try {
    // keepalived prints its version to standard error.
    const { stdout, stderr } = await run('keepalived', ['--version']);
    return /Keepalived (v\S+)/.exec(stdout + stderr)?.[1] ?? 'of unknown version';
  } catch {
    throw new Error('keepalived is not installed: "apt-get install keepalived" (scripts/setup does)');
  }
}
