// Reads the Accept header the way kubectl and client-go use it: plain JSON, or a server-side
// Table (kubectl get). Protobuf is never produced; JSON is always an acceptable fallback for them.

import type { KObject } from './object-model.ts';
import type { ResourceType } from './resource-registry.ts';
import { buildTable } from './tables/build-table.ts';

export type IncludeObject = 'None' | 'Metadata' | 'Object';

export function wantsTable(accept: string | undefined): boolean {
  return (accept ?? '').split(',').some((part) => /;\s*as=Table/.test(part));
}

export function includeObjectOf(query: URLSearchParams): IncludeObject {
  const value = query.get('includeObject');
  return value === 'None' || value === 'Object' ? value : 'Metadata';
}

export function tableOf(
  type: ResourceType,
  objects: readonly KObject[],
  query: URLSearchParams,
  resourceVersion: string,
  now: Date,
): unknown {
  return buildTable({
    kind: type.kind,
    ...(type.custom ? { printerColumns: [...type.custom.printerColumns] } : {}),
    objects,
    includeObject: includeObjectOf(query),
    resourceVersion,
    now,
  });
}
