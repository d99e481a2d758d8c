// What to write for one Service, given what the allocator decided and what the Service shows now.
// Pure: the reconciler carries out the plan (status, annotation, Events) in that order.

import type { V1LoadBalancerIngress, V1Service } from '@kubernetes/client-node';
import { formatIP } from '../common/ip-address.ts';
import type { EventType } from '../common/kube/event-aggregation.ts';
import { ingressAddresses, poolAnnotation, serviceKey } from '../common/service-fields.ts';
import type { AssignedIP } from './allocator/allocator.ts';
import { sameAddressList } from './services.ts';

export type Outcome =
  | { readonly kind: 'assigned'; readonly ips: readonly AssignedIP[] }
  | { readonly kind: 'failed'; readonly reason: string }
  /**
   * Not (or no longer) a LoadBalancer Service: whatever it holds goes. `ips` are the addresses the
   * allocator held for it: kube-apiserver empties the status itself when the type changes, so the
   * status alone would not say what was taken away.
   */
  | { readonly kind: 'released'; readonly reason: string; readonly ips: readonly string[] };

export interface PlannedEvent {
  readonly type: EventType;
  readonly reason: string;
  readonly message: string;
}

export interface ServicePlan {
  /** The new status.loadBalancer.ingress; undefined leaves the status alone. */
  readonly ingress?: V1LoadBalancerIngress[];
  /** The new pool annotation; null removes it; undefined leaves it alone. */
  readonly pool?: string | null;
  readonly events: PlannedEvent[];
}

/**
 * @param clearReason why the addresses in the status were taken away (a rebuild conflict or a
 *   config change), for the ClearAssignment Event; a generic reason is used when absent.
 */
export function planService(service: V1Service, outcome: Outcome, clearReason?: string): ServicePlan {
  const current = ingressAddresses(service);
  const currentPool = service.metadata?.annotations?.[poolAnnotation];
  const events: PlannedEvent[] = [];
  // IPv4 first, as MetalLB lists them: the first address also keys the layer-2 election.
  const wanted =
    outcome.kind === 'assigned'
      ? [...outcome.ips].sort((a, b) => a.ip.family - b.ip.family).map((a) => formatIP(a.ip))
      : [];
  const changed = !sameAddressList(current, wanted);
  const cleared = current.length > 0 || outcome.kind !== 'released' ? current : outcome.ips;
  if ((changed || cleared !== current) && cleared.length > 0) {
    const why =
      clearReason ?? (outcome.kind === 'assigned' ? 'the Service asks for other addresses' : outcome.reason);
    events.push({
      type: 'Normal',
      reason: 'ClearAssignment',
      message: `Cleared IP ${JSON.stringify(cleared)} of "${serviceKey(service)}": ${why}`,
    });
  }
  if (outcome.kind === 'failed') {
    events.push({
      type: 'Warning',
      reason: 'AllocationFailed',
      message: `Failed to allocate IP for "${serviceKey(service)}": ${outcome.reason}`,
    });
  }
  if (changed && wanted.length > 0) {
    events.push({ type: 'Normal', reason: 'IPAllocated', message: `Assigned IP ${JSON.stringify(wanted)}` });
  }
  const pool = outcome.kind === 'assigned' ? (outcome.ips[0]?.pool ?? null) : null;
  return {
    ...(changed ? { ingress: wanted.map((ip) => ({ ip })) } : {}),
    ...(pool !== (currentPool ?? null) ? { pool } : {}),
    events,
  };
}
