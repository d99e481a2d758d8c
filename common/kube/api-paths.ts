// Where an object or a collection lives in the API: one rule for every resource the components
// write, so no module spells out /api versus /apis, namespaces and subresources on its own.

/** A resource type as the API serves it; the core group has no name. */
export interface ResourceType {
  readonly group?: string;
  readonly version: string;
  readonly plural: string;
}

export const events: ResourceType = { version: 'v1', plural: 'events' };
export const services: ResourceType = { version: 'v1', plural: 'services' };
export const secrets: ResourceType = { version: 'v1', plural: 'secrets' };
export const configMaps: ResourceType = { version: 'v1', plural: 'configmaps' };
export const leases: ResourceType = { group: 'coordination.k8s.io', version: 'v1', plural: 'leases' };
export const validatingWebhookConfigurations: ResourceType = {
  group: 'admissionregistration.k8s.io',
  version: 'v1',
  plural: 'validatingwebhookconfigurations',
};
const metallbGroup = { group: 'metallb.io', version: 'v1beta1' } as const;
/** The apiVersion MetalLB's objects carry. */
export const metallbApiVersion = `${metallbGroup.group}/${metallbGroup.version}`;
/** MetalLB's resources; the group always named, as client-node's custom-object calls want it. */
export const metallb = (plural: string): Required<ResourceType> => ({ ...metallbGroup, plural });

/** The collection (no name), one object, or one of its subresources; cluster-scoped without a namespace. */
export function resourcePath(
  type: ResourceType,
  where: { readonly namespace?: string; readonly name?: string; readonly subresource?: string } = {},
): string {
  const root = type.group ? `/apis/${type.group}/${type.version}` : `/api/${type.version}`;
  const scope = where.namespace === undefined ? '' : `/namespaces/${where.namespace}`;
  const name = where.name === undefined ? '' : `/${where.name}`;
  const subresource = where.subresource === undefined ? '' : `/${where.subresource}`;
  return `${root}${scope}/${type.plural}${name}${subresource}`;
}
