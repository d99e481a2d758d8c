// What a request asks to do, in the terms RBAC rules are written in: the same classification as
// the real server's RequestInfo (verb from method, name and query; discovery paths are
// non-resource URLs).

import type { Route } from '../http-router.ts';

export interface ResourceAttributes {
  readonly resourceRequest: true;
  readonly verb: string;
  /** '' for the core group. */
  readonly apiGroup: string;
  readonly apiVersion: string;
  readonly resource: string;
  readonly subresource?: string;
  readonly namespace?: string;
  readonly name?: string;
  readonly path: string;
}

export interface NonResourceAttributes {
  readonly resourceRequest: false;
  readonly verb: string;
  readonly path: string;
}

export type RequestAttributes = ResourceAttributes | NonResourceAttributes;

const resourceVerbs: Record<string, string> = {
  GET: 'get',
  HEAD: 'get',
  POST: 'create',
  PUT: 'update',
  PATCH: 'patch',
  DELETE: 'delete',
};

export function requestAttributes(
  method: string,
  pathname: string,
  target: Route,
  query: URLSearchParams,
): RequestAttributes {
  if (target.kind !== 'resource')
    return { resourceRequest: false, verb: method.toLowerCase(), path: pathname };
  let verb = resourceVerbs[method] ?? method.toLowerCase();
  let name = target.name;
  if (target.legacyWatch && verb === 'get') verb = 'watch';
  // As the real server: a GET without a name is a list or a watch, and a field selector on one
  // name makes it about that name (so resourceNames rules can allow watching a single object).
  if (name === undefined && verb === 'get') {
    const watch = query.get('watch');
    verb = watch === 'true' || watch === '1' ? 'watch' : 'list';
    name = exactNameOf(query.get('fieldSelector'));
  }
  if (name === undefined && verb === 'delete') verb = 'deletecollection';
  // The namespace of a Namespace request is the Namespace itself.
  const namespace =
    target.namespace ?? (target.resource === 'namespaces' && target.group === '' ? target.name : undefined);
  return {
    resourceRequest: true,
    verb,
    apiGroup: target.group,
    apiVersion: target.version,
    resource: target.resource,
    ...(target.subresource !== undefined ? { subresource: target.subresource } : {}),
    ...(namespace !== undefined ? { namespace } : {}),
    ...(name !== undefined ? { name } : {}),
    path: pathname,
  };
}

function exactNameOf(fieldSelector: string | null): string | undefined {
  for (const term of fieldSelector?.split(',') ?? []) {
    const match = /^\s*metadata\.name\s*==?\s*([^,\s]+)\s*$/.exec(term);
    if (match && !match[1]!.includes('/')) return match[1];
  }
  return undefined;
}
