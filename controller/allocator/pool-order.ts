// Which pools a Service may take addresses from, in the order they are tried. MetalLB iterates a
// Go map here (random order); we fix the order so the same inputs always give the same addresses:
//   1. auto-assign pools whose serviceAllocation admits the Service: those with a priority (> 0)
//      first, lower number first, then those without; ties by pool name;
//   2. then auto-assign pools without serviceAllocation, by name.
// A pool whose serviceAllocation does not admit the Service is never used for it.

import { matchesLabels } from '../../common/label-selector.ts';
import type { Pool } from '../../common/pool-config/model.ts';
import type { ServiceRequest } from './service-request.ts';

/** True unless the pool's serviceAllocation leaves the Service out. */
export function poolAdmits(pool: Pool, request: ServiceRequest): boolean {
  const allocation = pool.serviceAllocation;
  if (allocation === undefined) return true;
  const anyNamespace = allocation.namespaces.length === 0 && allocation.namespaceSelectors.length === 0;
  const namespaceOK =
    anyNamespace ||
    allocation.namespaces.includes(request.namespace) ||
    allocation.namespaceSelectors.some((s) => matchesLabels(s, request.namespaceLabels));
  const serviceOK =
    allocation.serviceSelectors.length === 0 ||
    allocation.serviceSelectors.some((s) => matchesLabels(s, request.labels));
  return namespaceOK && serviceOK;
}

/** MetalLB cannot tell priority 0 from no priority (Go zero value), so 0 means "none" here too. */
function priorityOf(pool: Pool): number | undefined {
  return pool.serviceAllocation?.priority || undefined;
}

function compareAllocated(a: Pool, b: Pool): number {
  const pa = priorityOf(a);
  const pb = priorityOf(b);
  if (pa !== pb) {
    if (pa === undefined) return 1;
    if (pb === undefined) return -1;
    return pa - pb;
  }
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

/** pools must be sorted by name (PoolConfig.pools is). */
export function autoAssignOrder(pools: readonly Pool[], request: ServiceRequest): Pool[] {
  const eligible = pools.filter((p) => p.autoAssign && poolAdmits(p, request));
  const targeted = eligible.filter((p) => p.serviceAllocation !== undefined).sort(compareAllocated);
  return [...targeted, ...eligible.filter((p) => p.serviceAllocation === undefined)];
}
