// Starting and ending the lab's long-running processes. They outlive `lab up`, so each is detached,
// logs to a file, and is found again by PID (from the state file) or, after a crash lost the
// state, by the lab directory that appears on its command line.
import { spawn } from 'node:child_process';
import { openSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { LabProcess } from './lab-state.ts';

export interface ProcessSpec {
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  readonly netns?: string;
  readonly env?: Record<string, string>;
}

export function startDetached(spec: ProcessSpec, logDir: string): LabProcess {
  const log = openSync(join(logDir, `${spec.name}.log`), 'a');
  // `ip netns exec` execs the command after entering the namespace, so the PID is the command's own.
  const [command, args] = spec.netns
    ? ['ip', ['netns', 'exec', spec.netns, spec.command, ...spec.args]]
    : [spec.command, [...spec.args]];
  const child = spawn(command, args as string[], {
    detached: true,
    stdio: ['ignore', log, log],
    env: { ...process.env, ...spec.env },
  });
  child.unref();
  if (child.pid === undefined) throw new Error(`could not start ${spec.name} (${spec.command})`);
  return {
    name: spec.name,
    pid: child.pid,
    ...(spec.netns ? { netns: spec.netns } : {}),
    ...(spec.env ? {} : { command: spec.command, args: [...spec.args] }),
  };
}

export async function commandLine(pid: number): Promise<string | undefined> {
  try {
    return (await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0').join(' ');
  } catch {
    return undefined;
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** PIDs whose command line mentions `marker` (the lab's absolute directory). */
export async function processesMentioning(marker: string): Promise<number[]> {
  const pids = (await readdir('/proc')).filter((e) => /^\d+$/.test(e)).map(Number);
  const found: number[] = [];
  for (const pid of pids) {
    if (pid === process.pid) continue;
    if ((await commandLine(pid))?.includes(marker)) found.push(pid);
  }
  return found;
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
