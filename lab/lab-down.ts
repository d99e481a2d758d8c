// Removes everything a lab made — processes, namespaces, files — using the state file when there
// is one and, when a crash lost it, what can still be found: processes whose command line names
// the lab directory, processes inside the lab's namespaces, and namespaces with the lab's prefix.
import { rm } from 'node:fs/promises';
import { type LabPaths, readState } from './lab-state.ts';
import { ip, listNetns } from './network/ip-command.ts';
import { removeSegment } from './network/segment.ts';
import { isAlive, processesMentioning, stopAll } from './processes.ts';

async function pidsInNetns(netns: string): Promise<number[]> {
  const out = await ip('netns', 'pids', netns).catch(() => '');
  return out.split('\n').filter(Boolean).map(Number);
}

export async function labDown(
  paths: LabPaths,
  prefix: string,
): Promise<{ processes: number; namespaces: string[] }> {
  const state = await readState(paths).catch(() => undefined);
  const labPrefix = state?.prefix ?? prefix;
  const ourNetns = (await listNetns()).filter((n) => n.startsWith(`${labPrefix}-`));
  const pids = new Set<number>(state?.processes.map((p) => p.pid).filter(isAlive));
  for (const pid of await processesMentioning(paths.dir)) pids.add(pid);
  for (const netns of ourNetns) for (const pid of await pidsInNetns(netns)) pids.add(pid);
  await stopAll([...pids]);
  const namespaces = await removeSegment(labPrefix);
  await rm(paths.dir, { recursive: true, force: true });
  return { processes: pids.size, namespaces };
}
