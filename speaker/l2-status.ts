// Where a Service is announced from, as MetalLB ≥ 0.14 shows it: a metallb.io/v1beta1
// ServiceL2Status per announced Service in the speakers' namespace, labelled with the node and the
// Service, kept by the speaker that answers for it (MetalLB names them l2-<random>; ours are
// l2-<hash of node and Service>, see l2StatusName). Pure: what the objects should be, and what to
// do to the ones that exist.

import { createHash } from 'node:crypto';
import type { KubernetesObject } from '@kubernetes/client-node';
import { metallb, resourcePath } from '../common/kube/api-paths.ts';
import { splitKey } from '../common/service-fields.ts';
import type { ServicePlan } from './announcement-plan.ts';

export const l2StatusResource = metallb('servicel2statuses');
/** The collection of one namespace, or one object of it, or its status. */
export function l2StatusPath(namespace: string, name?: string, subresource?: 'status'): string {
  return resourcePath(l2StatusResource, { namespace, name, subresource });
}
export const nodeLabel = 'metallb.io/node';
export const serviceNameLabel = 'metallb.io/service-name';
export const serviceNamespaceLabel = 'metallb.io/service-namespace';

export interface L2StatusBody {
  readonly node: string;
  readonly serviceName: string;
  readonly serviceNamespace: string;
  readonly interfaces: readonly { readonly name: string }[];
}

export interface L2StatusObject extends KubernetesObject {
  status?: Partial<L2StatusBody>;
}

/**
 * The status this node should show for the Service: where it answers, when it leads and has an
 * interface to answer on; undefined otherwise (it does not answer, so no object of its may claim so).
 */
export function desiredL2Status(
  plan: Pick<ServicePlan, 'key' | 'leader' | 'interfaces'> | undefined,
  self: string,
): L2StatusBody | undefined {
  if (plan?.leader !== self || plan.interfaces.length === 0) return undefined;
  const { namespace, name } = splitKey(plan.key);
  return {
    node: self,
    serviceName: name,
    serviceNamespace: namespace,
    interfaces: [...plan.interfaces].sort().map((interfaceName) => ({ name: interfaceName })),
  };
}

/**
 * The name of a node's object for a Service: fixed by the two, so a node that takes a Service over
 * from a dead one can delete the dead one's object without looking for it, and a create that races
 * with an object it has not seen yet meets it (409) instead of making a second one.
 */
export function l2StatusName(node: string, serviceKey: string): string {
  return `l2-${createHash('sha256').update(`${node}\n${serviceKey}`).digest('hex').slice(0, 16)}`;
}

/** namespace/name of the Service an object speaks for, from its labels; undefined when it lacks them. */
export function serviceKeyOf(object: KubernetesObject): string | undefined {
  const labels = object.metadata?.labels;
  const name = labels?.[serviceNameLabel];
  const namespace = labels?.[serviceNamespaceLabel];
  return name && namespace ? `${namespace}/${name}` : undefined;
}

export function l2StatusLabels(body: Pick<L2StatusBody, 'node' | 'serviceName' | 'serviceNamespace'>) {
  return {
    [nodeLabel]: body.node,
    [serviceNameLabel]: body.serviceName,
    [serviceNamespaceLabel]: body.serviceNamespace,
  };
}

export interface OwnerReference {
  readonly apiVersion: string;
  readonly kind: string;
  readonly name: string;
  readonly uid: string;
}

export type L2StatusStep =
  | { readonly kind: 'create' }
  | { readonly kind: 'status'; readonly name: string }
  | { readonly kind: 'owner'; readonly name: string }
  | { readonly kind: 'delete'; readonly name: string };

/**
 * What to do so this node's objects for one Service match what it wants: none when it does not
 * announce the Service; else exactly one, with the wanted status, owned by this speaker's Pod (so
 * the garbage collector removes it with the Pod). Objects of this node left by another speaker (say
 * MetalLB's, after a switch in its namespace) are adopted or deleted like our own. A status is set after the object exists, because
 * the status subresource ignores status on create.
 */
export function l2StatusSteps(
  desired: L2StatusBody | undefined,
  existing: readonly L2StatusObject[],
  owner: OwnerReference | undefined,
): L2StatusStep[] {
  const names = existing.map((o) => o.metadata?.name ?? '').sort();
  if (!desired) return names.map((name) => ({ kind: 'delete', name }));
  if (names.length === 0) return [{ kind: 'create' }];
  // Keep the one named as this node names them (a successor can then delete it by name), else the first.
  const preferred = l2StatusName(desired.node, `${desired.serviceNamespace}/${desired.serviceName}`);
  if (names.includes(preferred)) names.unshift(...names.splice(names.indexOf(preferred), 1));
  const [kept, ...extra] = names;
  const keptObject = existing.find((o) => o.metadata?.name === kept)!;
  const steps: L2StatusStep[] = extra.map((name) => ({ kind: 'delete', name }));
  if (!sameStatus(keptObject.status, desired)) steps.push({ kind: 'status', name: kept! });
  if (owner && !keptObject.metadata?.ownerReferences?.some((o) => o.uid === owner.uid))
    steps.push({ kind: 'owner', name: kept! });
  return steps;
}

function sameStatus(actual: Partial<L2StatusBody> | undefined, desired: L2StatusBody): boolean {
  return (
    actual?.node === desired.node &&
    actual.serviceName === desired.serviceName &&
    actual.serviceNamespace === desired.serviceNamespace &&
    (actual.interfaces ?? []).map((i) => i.name).join(',') === desired.interfaces.map((i) => i.name).join(',')
  );
}
