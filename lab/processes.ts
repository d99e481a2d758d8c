// Starting and ending the lab's long-running processes. They outlive `lab up`, so each is detached,
// logs to a file, and is found again by PID (from the state file) or, after a crash lost the
// state, by the lab directory that appears on its command line.
import { spawn } from 'node:child_process';
import { openSync, readFileSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
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
    env: { ...process.env, ...secrets },
  });
  child.unref();
  if (child.pid === undefined) throw new Error(`could not start ${spec.name} (${spec.command})`);
  return {
    name: spec.name,
    pid: child.pid,
    ...(spec.netns ? { netns: spec.netns } : {}),
    command: spec.command,
    args: [...spec.args],
    ...(spec.secretFiles ? { secretFiles: { ...spec.secretFiles } } : {}),
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

async function parentOf(pid: number): Promise<number | undefined> {
  try {
    // The command name in field 2 may hold spaces or parentheses; fields after its last ')' are fixed.
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    return ppid > 0 ? ppid : undefined;
  } catch {
    return undefined;
  }
}

/** This process and every process above it, e.g. `sudo … --dir X` or `timeout … --dir X`. */
async function ancestry(): Promise<Set<number>> {
  const chain = new Set<number>();
  for (
    let pid: number | undefined = process.pid;
    pid !== undefined && !chain.has(pid);
    pid = await parentOf(pid)
  ) {
    chain.add(pid);
  }
  return chain;
}

/**
 * PIDs whose command line mentions `marker` (the lab's absolute directory), except the caller and
 * its ancestors: `sudo lab down --dir X` names the directory too and must not end itself.
 */
export async function processesMentioning(marker: string): Promise<number[]> {
  const pids = (await readdir('/proc')).filter((e) => /^\d+$/.test(e)).map(Number);
  const spared = await ancestry();
  const found: number[] = [];
  for (const pid of pids) {
    if (spared.has(pid)) continue;
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
