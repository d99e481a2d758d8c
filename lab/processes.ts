// Starting and ending the lab's long-running processes. They outlive `lab up`, so each is detached,
// logs to a file, and is found again by PID from the state file, together with its start time: a
// PID the kernel has since given to another process is never signalled.
import { spawn } from 'node:child_process';
import { openSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LabProcess } from './lab-state.ts';

export interface ProcessSpec {
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  readonly netns?: string;
  /**
   * Environment variables whose values are secrets, each read from a file (mode 0600 in the lab
   * directory), so that the state file can say how to restart the process without holding them.
   */
  readonly secretFiles?: Readonly<Record<string, string>>;
  /** Environment variables that are no secret; recorded in the state, to restart it the same way. */
  readonly env?: Readonly<Record<string, string>>;
}

export function startDetached(spec: ProcessSpec, logDir: string): LabProcess {
  const log = openSync(join(logDir, `${spec.name}.log`), 'a');
  // `ip netns exec` execs the command after entering the namespace, so the PID is the command's own.
  const [command, args] = spec.netns
    ? ['ip', ['netns', 'exec', spec.netns, spec.command, ...spec.args]]
    : [spec.command, [...spec.args]];
  const secrets = Object.fromEntries(
    Object.entries(spec.secretFiles ?? {}).map(([name, file]) => [name, readFileSync(file, 'utf8')]),
  );
  const child = spawn(command, args as string[], {
    detached: true,
    stdio: ['ignore', log, log],
    env: { ...process.env, ...spec.env, ...secrets },
  });
  child.unref();
  if (child.pid === undefined) throw new Error(`could not start ${spec.name} (${spec.command})`);
  const startTicks = processStartTicks(child.pid);
  return {
    name: spec.name,
    pid: child.pid,
    ...(startTicks !== undefined ? { startTicks } : {}),
    ...(spec.netns ? { netns: spec.netns } : {}),
    command: spec.command,
    args: [...spec.args],
    ...(spec.secretFiles ? { secretFiles: { ...spec.secretFiles } } : {}),
    ...(spec.env ? { env: { ...spec.env } } : {}),
  };
}

/** /proc/PID/stat's state (field 3) and start time (field 22, clock ticks since boot), or undefined. */
function statOf(pid: number): { state: string; startTicks: number } | undefined {
  try {
    // The command name in field 2 may hold spaces or parentheses; fields after its last ')' are fixed.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const startTicks = Number(fields[19]);
    return Number.isFinite(startTicks) ? { state: fields[0] ?? '', startTicks } : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Whether the process runs. A zombie does not: it has exited, and only its exit status waits for a
 * parent that may never collect it (an init that does not reap would keep it forever).
 */
/**
 * The process and all its descendants, parents first, from /proc's parent links. A program that
 * puts its workers in their own session (keepalived's VRRP child) is not reached by a signal to the
 * process group; this is.
 */
export function processTree(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid)) continue;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(parent, [...(children.get(parent) ?? []), pid]);
    } catch {
      // It exited while we looked.
    }
  }
  const tree = [root];
  for (let i = 0; i < tree.length; i++) tree.push(...(children.get(tree[i]!) ?? []));
  return tree;
}

export function isAlive(pid: number): boolean {
  const stat = statOf(pid);
  return stat !== undefined && stat.state !== 'Z';
}

/** When the process started: with the PID it names one process for good, as a reused PID does not. */
export function processStartTicks(pid: number): number | undefined {
  return statOf(pid)?.startTicks;
}

/**
 * True while the recorded process runs: its PID is alive, not a zombie, and started when the record
 * says. A record from a lab of an older release has no start time; then the command line must still
 * be its own.
 */
export function isSameProcess(recorded: Pick<LabProcess, 'pid' | 'startTicks' | 'command'>): boolean {
  const stat = statOf(recorded.pid);
  if (!stat || stat.state === 'Z') return false;
  if (recorded.startTicks !== undefined) return stat.startTicks === recorded.startTicks;
  if (!recorded.command) return false;
  try {
    return readFileSync(`/proc/${recorded.pid}/cmdline`, 'utf8').split('\0').includes(recorded.command);
  } catch {
    return false;
  }
}

/** Stops a recorded process and starts it again with the command line, namespace and secrets it had. */
export async function restartDetached(old: LabProcess, logDir: string): Promise<LabProcess> {
  if (!old.command || !old.args) {
    throw new Error(
      `the record of "${old.name}" does not say how it was started (a lab from an older release)`,
    );
  }
  // A PID the kernel has given to another process since is not ours to stop.
  if (isSameProcess(old)) await stopAll([old.pid]);
  return startDetached(
    {
      name: old.name,
      command: old.command,
      args: old.args,
      ...(old.netns ? { netns: old.netns } : {}),
      ...(old.secretFiles ? { secretFiles: old.secretFiles } : {}),
      ...(old.env ? { env: old.env } : {}),
    },
    logDir,
  );
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves once every PID is gone. */
export async function stopAll(pids: readonly number[], graceMs = 3000): Promise<void> {
  const signal = (pid: number, sig: NodeJS.Signals) => {
    try {
      process.kill(pid, sig);
    } catch {
      // already gone
    }
  };
  for (const pid of pids) signal(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (pids.some(isAlive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  for (const pid of pids.filter(isAlive)) signal(pid, 'SIGKILL');
  while (pids.some(isAlive)) await new Promise((r) => setTimeout(r, 20));
}
