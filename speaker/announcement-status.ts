// Where a Service is announced from, made visible on the Service itself for tooling (kubectl, the
// lab): two annotations the leader writes, and the reporter clears when no node announces it.

import type { ServicePlan } from './announcement-plan.ts';

export const announcingNodeAnnotation = 'baremetal-lb.io/announcing-node';
export const announcingInterfaceAnnotation = 'baremetal-lb.io/announcing-interface';

export type AnnotationPatch = Record<string, string | null>;

/**
 * The merge-patch annotations this node should write for the Service, or undefined when it has nothing
 * to write: it is neither the leader nor (with no leader) the reporter, or the annotations are right.
 */
export function announcementAnnotations(
  plan: Pick<ServicePlan, 'leader' | 'reporter' | 'interfaces'>,
  self: string,
  current: Readonly<Record<string, string>> | undefined,
): AnnotationPatch | undefined {
  let wanted: Record<string, string | undefined>;
  if (plan.leader === self) {
    wanted = {
      [announcingNodeAnnotation]: self,
      [announcingInterfaceAnnotation]: plan.interfaces.join(','),
    };
  } else if (plan.leader === undefined && plan.reporter === self) {
    wanted = { [announcingNodeAnnotation]: undefined, [announcingInterfaceAnnotation]: undefined };
  } else {
    return undefined;
  }
  const patch: AnnotationPatch = {};
  for (const [key, value] of Object.entries(wanted)) {
    if (current?.[key] !== value) patch[key] = value ?? null;
  }
  return Object.keys(patch).length > 0 ? patch : undefined;
}

/** MetalLB's Event text, so tooling that greps for it keeps working. */
export function nodeAssignedMessage(node: string): string {
  return `announcing from node ${JSON.stringify(node)} with protocol "layer2"`;
}

/** MetalLB's reason and words when the elected node cannot announce on any interface. */
export function announceFailedMessage(node: string, ips: readonly string[]): string {
  return `the interfaces specified by LB IP ${JSON.stringify(ips.join(','))} don't exist in assigned node ${JSON.stringify(node)} with protocol "layer2": no interface of the node matches the L2Advertisements' interfaces, so nothing answers ARP/NDP for it`;
}

/** Why this node stopped announcing a Service, for the Event that retracts its nodeAssigned. */
export function nodeUnassignedMessage(
  node: string,
  plan: Pick<ServicePlan, 'leader' | 'reason' | 'selfExcluded'>,
): string {
  const why =
    plan.selfExcluded ??
    (plan.leader
      ? `node ${JSON.stringify(plan.leader)} announces it now`
      : (plan.reason ?? 'no node can announce it'));
  return `no longer announcing from node ${JSON.stringify(node)}: ${why}`;
}
