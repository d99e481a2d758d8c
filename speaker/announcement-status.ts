// What the speaker's Events about a Service say: MetalLB's reasons and words where it has them.

import type { ServicePlan } from './announcement-plan.ts';

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
