// Restarts one lab process with the command line it was started with, as an operator would restart
// a pod; the end-to-end tests use it to show that a restart changes no assigned IP.
import { type LabPaths, type LabProcess, readState, writeState } from './lab-state.ts';
import { restartDetached } from './processes.ts';

export async function restartComponent(paths: LabPaths, name: string): Promise<LabProcess> {
  const state = await readState(paths);
  if (!state) throw new Error(`no lab in ${paths.dir}`);
  const old = state.processes.find((p) => p.name === name);
  if (!old) {
    const names = state.processes.map((p) => p.name).join(', ');
    throw new Error(`the lab has no process named "${name}" (it has ${names})`);
  }
  const started = await restartDetached(old, paths.logs);
  await writeState(paths, {
    ...state,
    processes: state.processes.map((p) => (p.name === name ? started : p)),
    nodes: state.nodes.map((n) => (`speaker-${n.name}` === name ? { ...n, speakerPid: started.pid } : n)),
  });
  return started;
}
