// `lab status`: a table a person reads (which process runs where, whether it is alive, and what each
// node announces), and the same facts as JSON for scripts. Liveness is checked against the recorded
// start time, so a speaker killed with `kill -9` shows as dead even if its PID was handed out again.
import type { V1Service } from '@kubernetes/client-node';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { ingressAddresses, serviceKey } from '../common/service-fields.ts';
import { announcingNodeAnnotation } from '../speaker/announcement-status.ts';
import type { LabProcess, LabState } from './lab-state.ts';

export interface ProcessStatus {
  readonly name: string;
  /** The lab node whose network namespace it runs in, if any. */
  readonly node?: string;
  readonly pid: number;
  readonly alive: boolean;
  /** Services (with their addresses) this node announces: only for speakers. */
  readonly announces?: readonly string[];
}

/** namespace/name (addresses) of every Service, by the node its announcing-node annotation names. */
export function announcementsByNode(services: readonly V1Service[]): Map<string, string[]> {
  const byNode = new Map<string, string[]>();
  for (const service of services) {
    const node = service.metadata?.annotations?.[announcingNodeAnnotation];
    if (!node) continue;
    const entry = `${serviceKey(service)} (${ingressAddresses(service).join(', ')})`;
    byNode.set(node, [...(byNode.get(node) ?? []), entry]);
  }
  return byNode;
}

/**
 * One row per recorded process. `announcements` is undefined when the API could not be asked; the
 * speakers' rows then carry no `announces` at all rather than a misleading empty list.
 */
export function processStatuses(
  state: Pick<LabState, 'nodes' | 'processes'>,
  alive: (process: LabProcess) => boolean,
  announcements: ReadonlyMap<string, readonly string[]> | undefined,
): ProcessStatus[] {
  const nodeByNetns = new Map(state.nodes.map((n) => [n.netns, n.name]));
  return state.processes.map((process) => {
    const node = process.netns ? nodeByNetns.get(process.netns) : undefined;
    const isSpeaker = node !== undefined && process.name === `speaker-${node}`;
    return {
      name: process.name,
      ...(node ? { node } : {}),
      pid: process.pid,
      alive: alive(process),
      ...(isSpeaker && announcements ? { announces: [...(announcements.get(node) ?? [])] } : {}),
    };
  });
}

export function statusTable(rows: readonly ProcessStatus[], apiNote?: string): string {
  const cells = [
    ['COMPONENT', 'NODE', 'PID', 'ALIVE', 'ANNOUNCES'],
    ...rows.map((r) => [
      r.name,
      r.node ?? '-',
      String(r.pid),
      r.alive ? 'yes' : 'DEAD',
      r.announces === undefined ? '' : r.announces.length > 0 ? r.announces.join('; ') : '(nothing)',
    ]),
  ];
  const widths =
    cells[0]?.map((_, column) => Math.max(...cells.map((row) => row[column]?.length ?? 0))) ?? [];
  const lines = cells.map((row) =>
    row
      .map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column] ?? 0)))
      .join('  ')
      .trimEnd(),
  );
  return `${lines.join('\n')}\n${apiNote ? `\n${apiNote}\n` : ''}`;
}

/** The lab's Services, read with its admin kubeconfig; a short error message when the API is down. */
export async function listLabServices(kubeconfig: string): Promise<V1Service[] | { error: string }> {
  const config = new KubeConfig();
  config.loadFromFile(kubeconfig);
  try {
    return (await config.makeApiClient(CoreV1Api).listServiceForAllNamespaces({ timeoutSeconds: 5 })).items;
  } catch (error) {
    return { error: (error as Error).message.split('\n')[0] ?? 'unknown error' };
  }
}
