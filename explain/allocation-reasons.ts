// The controller's half of `explain`: which pool a Service's addresses came from and why, or why it
// has none. Pure, and built from the controller's own rules (serviceRequestFrom, autoAssignOrder),
// so what it says is what the allocator does.
import type { V1Service } from '@kubernetes/client-node';
import { formatIP, parseIP } from '../common/ip-address.ts';
import type { Pool } from '../common/pool-config/model.ts';
import { poolHolding } from '../common/pool-config/pool-lookup.ts';
import { ingressAddresses, poolAnnotation, serviceKey } from '../common/service-fields.ts';
import { autoAssignOrder } from '../controller/allocator/pool-order.ts';
import {
  annotations,
  type ServiceRequest,
  serviceRequestFrom,
} from '../controller/allocator/service-request.ts';

export interface AllocationExplanation {
  /** The pool the addresses came from, when the Service has any. */
  readonly pool?: string;
  /** Why that pool (or why none), one sentence each. */
  readonly why: readonly string[];
  /** The rules the Service's own fields bring in: requested addresses, sharing, families. */
  readonly rules: readonly string[];
}

export interface AllocationInput {
  readonly service: V1Service;
  readonly namespaceLabels: Readonly<Record<string, string>>;
  /** Empty when the cluster's config is invalid or absent. */
  readonly pools: readonly Pool[];
  /** Every Service in the cluster, for the ones sharing an address with this one. */
  readonly services: readonly V1Service[];
  /** The newest AllocationFailed Event's message, if any. */
  readonly lastFailure?: string;
}

/** The pool whose ranges hold the address written as `text`. */
export function poolOfAddress(text: string, pools: readonly Pool[]): Pool | undefined {
  const ip = parseIP(text);
  return ip ? poolHolding(pools, ip) : undefined;
}

function rulesOf(request: ServiceRequest): string[] {
  const families = request.ipFamilies.map((f) => `IPv${f}`).join(', ');
  const rules = [`ipFamilyPolicy ${request.ipFamilyPolicy}, ipFamilies ${families}`];
  if (request.requestedIPs.length > 0) {
    rules.push(
      `asks for ${request.requestedIPs.map(formatIP).join(', ')} (spec.loadBalancerIP or ${annotations.loadBalancerIPs})`,
    );
  }
  if (request.requestedPool)
    rules.push(`asks for pool "${request.requestedPool}" (${annotations.addressPool})`);
  if (request.sharingKey) {
    rules.push(
      `may share an address with Services whose ${annotations.allowSharedIP} is "${request.sharingKey}"`,
    );
  }
  rules.push(`externalTrafficPolicy ${request.externalTrafficPolicy}`);
  return rules;
}

function sharers(service: V1Service, services: readonly V1Service[]): string[] {
  const mine = new Set(ingressAddresses(service));
  const key = serviceKey(service);
  return services.flatMap((other) => {
    const shared = ingressAddresses(other).filter((ip) => mine.has(ip));
    return serviceKey(other) !== key && shared.length > 0
      ? [`shares ${shared.join(', ')} with ${serviceKey(other)}`]
      : [];
  });
}

function whyAssigned(input: AllocationInput, request: ServiceRequest, pool: string | undefined): string[] {
  const why: string[] = [];
  if (request.requestedPool) why.push(`the Service asks for pool "${request.requestedPool}"`);
  else if (request.requestedIPs.length > 0) why.push(`the requested addresses lie in pool "${pool ?? '?'}"`);
  else {
    const order = autoAssignOrder(input.pools, request).map((p) => p.name);
    why.push(
      order.length > 0
        ? `auto-assigned: the pools that admit it are tried in the order ${order.join(', ')}; "${pool ?? '?'}" had a free address`
        : `pool "${pool ?? '?'}", though no auto-assign pool admits the Service now (the config changed since)`,
    );
  }
  why.push(...sharers(input.service, input.services));
  return why;
}

function whyPending(input: AllocationInput, request: ServiceRequest): string[] {
  const why: string[] = [];
  if (input.lastFailure) why.push(`the controller's last word: ${input.lastFailure}`);
  if (input.pools.length === 0) why.push('there is no valid pool config in the cluster');
  else if (
    !request.requestedPool &&
    request.requestedIPs.length === 0 &&
    autoAssignOrder(input.pools, request).length === 0
  ) {
    why.push('no pool both auto-assigns and admits this Service (autoAssign, serviceAllocation)');
  }
  if (why.length === 0)
    why.push('no AllocationFailed Event: is the controller running, and is this its loadBalancerClass?');
  return why;
}

export function explainAllocation(input: AllocationInput): AllocationExplanation {
  const parsed = serviceRequestFrom(input.service, { ...input.namespaceLabels });
  if (!parsed.ok) return { why: [`the Service's fields are refused: ${parsed.reason}`], rules: [] };
  const addresses = ingressAddresses(input.service);
  const rules = rulesOf(parsed.request);
  if (addresses.length === 0) return { why: whyPending(input, parsed.request), rules };
  const pool =
    input.service.metadata?.annotations?.[poolAnnotation] ??
    poolOfAddress(addresses[0] ?? '', input.pools)?.name;
  return { ...(pool ? { pool } : {}), why: whyAssigned(input, parsed.request, pool), rules };
}
