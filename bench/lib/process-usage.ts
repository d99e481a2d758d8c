// Memory and CPU of a running process, from /proc: what the benchmarks report for controllers and
// speakers. The CLI wrapper execs node, so a lab process's PID is the program's own.
import { readFileSync } from 'node:fs';

/** Resident set size in MB (VmRSS). */
export function rssMb(pid: number | undefined): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = /^VmRSS:\s+(\d+) kB/m.exec(status)?.[1];
  if (!kb) throw new Error(`no VmRSS in /proc/${pid}/status`);
  return Number(kb) / 1024;
}

/** User plus system CPU seconds a process has used so far (/proc/PID/stat, 100 ticks a second). */
export function cpuSeconds(pid: number | undefined): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}
