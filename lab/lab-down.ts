// Removes what a lab made, and only that: the processes its state file records (each checked to be
// the very process it started), the processes inside its network namespaces, those namespaces, and
// the files it wrote (labEntries and the node folders). A folder that holds files but no lab is
// refused untouched; a user's file beside a lab's is left, and so is the folder then.
import { readdir, rm, rmdir } from 'node:fs/promises';
import { join } from 'node:path';
import { type LabPaths, type LabState, labEntries, readState } from './lab-state.ts';
import { ip, listNetns } from './network/ip-command.ts';
import { removeSegment } from './network/segment.ts';
import { isAlive, isSameProcess, stopAll } from './processes.ts';

async function pidsInNetns(netns: string): Promise<number[]> {
  const out = await ip('netns', 'pids', netns).catch(() => '');
  return out.split('\n').filter(Boolean).map(Number);
}

async function entriesOf(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

/** The folder's entries that no lab writes: a lab never touches them, and never deletes their folder. */
export function foreignEntries(entries: readonly string[], state: LabState | undefined): string[] {
  const own = new Set<string>([...labEntries, ...(state?.nodes.map((n) => n.name) ?? [])]);
  return entries.filter((name) => !own.has(name));
}

/** Refuses a folder with files in it but no lab's state file: whatever it holds is not the lab's. */
export async function assertLabOrEmpty(paths: LabPaths): Promise<void> {
  const entries = await entriesOf(paths.dir);
  if (entries.length === 0 || entries.includes('state.json')) return;
  const shown = entries.slice(0, 5).join(', ') + (entries.length > 5 ? ', …' : '');
  throw new Error(
    `${paths.dir} holds files (${shown}) and no lab (no state.json): it is left untouched; give --dir a new or empty folder`,
  );
}

export interface LabDownResult {
  readonly processes: number;
  readonly namespaces: string[];
  /** Files in the folder the lab did not make, left where they are. */
  readonly keptFiles: string[];
}

export async function labDown(paths: LabPaths, prefix: string): Promise<LabDownResult> {
  await assertLabOrEmpty(paths);
  const state = await readState(paths).catch(() => undefined);
  const labPrefix = state?.prefix ?? prefix;
  const ourNetns = (await listNetns()).filter((n) => n.startsWith(`${labPrefix}-`));
  const pids = new Set<number>(state?.processes.filter(isSameProcess).map((p) => p.pid));
  for (const netns of ourNetns) for (const pid of await pidsInNetns(netns)) pids.add(pid);
  await stopAll([...pids].filter(isAlive));
  const namespaces = await removeSegment(labPrefix);
  const entries = await entriesOf(paths.dir);
  const keptFiles = foreignEntries(entries, state);
  for (const name of entries.filter((e) => !keptFiles.includes(e))) {
    await rm(join(paths.dir, name), { recursive: true, force: true });
  }
  if (entries.length > 0 && keptFiles.length === 0) await rmdir(paths.dir).catch(() => undefined);
  return { processes: pids.size, namespaces, keptFiles };
}
