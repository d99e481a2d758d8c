// Just enough OpenAPI v3 for kubectl: each PATCH operation is tagged with its group-version-kind
// and lists the fieldValidation query parameter, so kubectl leaves validation to the server instead
// of downloading schemas. No request bodies are described: kubectl then builds strategic merge
// patches from its compiled-in types, as it does against servers without schemas.

import { createHash } from 'node:crypto';
import type { ResourceRegistry, ResourceType } from './resource-registry.ts';

const gvPath = (group: string, version: string): string =>
  group ? `apis/${group}/${version}` : `api/${version}`;

function paths(type: ResourceType): Record<string, unknown> {
  const patch = {
    'x-kubernetes-group-version-kind': { group: type.group, version: type.version, kind: type.kind },
    parameters: [{ name: 'fieldValidation', in: 'query', schema: { type: 'string', uniqueItems: true } }],
    responses: { '200': { description: 'OK' } },
  };
  const base = `/${gvPath(type.group, type.version)}${type.namespaced ? '/namespaces/{namespace}' : ''}/${type.resource}/{name}`;
  const out: Record<string, unknown> = { [base]: { patch } };
  if (type.statusSubresource) out[`${base}/status`] = { patch };
  return out;
}

export function groupVersionDocument(
  registry: ResourceRegistry,
  group: string,
  version: string,
): Record<string, unknown> | undefined {
  const types = registry.all().filter((t) => t.group === group && t.version === version);
  if (types.length === 0) return undefined;
  return {
    openapi: '3.0.0',
    info: { title: 'Kubernetes', version: 'v1.32.0' },
    paths: Object.assign({}, ...types.map(paths)),
    components: { schemas: {} },
  };
}

export function rootDocument(registry: ResourceRegistry): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [group, versions] of registry.groups()) {
    for (const version of versions) {
      const doc = groupVersionDocument(registry, group, version);
      const hash = createHash('sha256').update(JSON.stringify(doc)).digest('hex').slice(0, 32).toUpperCase();
      out[gvPath(group, version)] = {
        serverRelativeURL: `/openapi/v3/${gvPath(group, version)}?hash=${hash}`,
      };
    }
  }
  return { paths: out };
}
