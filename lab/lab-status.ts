// `lab status`: a table a person reads (which process runs where, whether it is alive, and what each
// node announces), and the same facts as JSON for scripts. Liveness is checked against the recorded
// start time, so a speaker killed with `kill -9` shows as dead even if its PID was handed out again.
import type { V1Service } from '@kubernetes/client-node';
import { CoreV1Api, CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import { isNotFound } from '../common/kube/api-errors.ts';
import { ingressAddresses, serviceKey } from '../common/service-fields.ts';
import { type L2StatusObject, l2StatusResource } from '../speaker/l2-status.ts';
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

export interface LabAnnouncements {
  readonly services: readonly V1Service[];
  readonly l2Statuses: readonly L2StatusObject[];
}

/** namespace/name (addresses) of every announced Service, by the node its ServiceL2Status names. */
export function announcementsByNode({ services, l2Statuses }: LabAnnouncements): Map<string, string[]> {
  const addresses = new Map(services.map((s) => [serviceKey(s), ingressAddresses(s).join(', ')]));
  const byNode = new Map<string, string[]>();
  for (const { status } of l2Statuses) {
    if (!status?.node || !status.serviceName) continue;
    const key = `${status.serviceNamespace ?? 'default'}/${status.serviceName}`;
    const entry = `${key} (${addresses.get(key) ?? 'deleted'})`;
    byNode.set(status.node, [...(byNode.get(status.node) ?? []), entry].sort());
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

/**
 * The lab's Services and ServiceL2Statuses, read with its admin kubeconfig; a short error message
 * when the API is down.
 */
export async function listLabAnnouncements(
  kubeconfig: string,
): Promise<LabAnnouncements | { error: string }> {
  const config = new KubeConfig();
  config.loadFromFile(kubeconfig);
  try {
    const [services, l2Statuses] = await Promise.all([
      config.makeApiClient(CoreV1Api).listServiceForAllNamespaces({ timeoutSeconds: 5 }),
      config
        .makeApiClient(CustomObjectsApi)
        .listClusterCustomObject({ ...l2StatusResource, timeoutSeconds: 5 })
        .then((list: { items: L2StatusObject[] }) => list.items)
        .catch((error: unknown) => {
          if (isNotFound(error)) return []; // no ServiceL2Status CRD (a lab brought up by hand)
          throw error;
        }),
    ]);
    return { services: services.items, l2Statuses };
  } catch (error) {
    return { error: (error as Error).message.split('\n')[0] ?? 'unknown error' };
  }
}
