// Memory and CPU of a running process, from /proc: what the benchmarks report for controllers and
// speakers. The CLI wrapper execs node, so a lab process's PID is the program's own.
import { readFileSync } from 'node:fs';

function statusMb(pid: number | undefined, field: 'VmRSS' | 'VmHWM'): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1];
  if (!kb) throw new Error(`no ${field} in /proc/${pid}/status`);
  return Number(kb) / 1024;
}

/** Resident set size in MB (VmRSS). */
export const rssMb = (pid: number | undefined): number => statusMb(pid, 'VmRSS');

/** The largest resident set size the process has had, in MB (VmHWM). */
export const peakRssMb = (pid: number | undefined): number => statusMb(pid, 'VmHWM');

/** User plus system CPU seconds a process has used so far (/proc/PID/stat, 100 ticks a second). */
export function cpuSeconds(pid: number | undefined): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}
