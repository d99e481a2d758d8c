// Turns a request path into what it addresses, following the real server's rules (including the
// namespaces/NAME/status ambiguity), without knowing which resources exist.

export type Route =
  | { kind: 'version' }
  | { kind: 'health' }
  | { kind: 'apiVersions' }
  | { kind: 'groupList' }
  | { kind: 'group'; group: string }
  | { kind: 'resourceList'; group: string; version: string }
  | { kind: 'openapiRoot' }
  | { kind: 'openapiGroupVersion'; group: string; version: string }
  | {
      kind: 'resource';
      group: string;
      version: string;
      resource: string;
      namespace?: string;
      name?: string;
      subresource?: string;
      legacyWatch: boolean;
    }
  | { kind: 'unknown' };

const namespaceSubresources = new Set(['status', 'finalize']);

export function route(pathname: string): Route {
  const parts = pathname
    .split('/')
    .filter((p) => p !== '')
    .map(decodeURIComponent);
  const [root] = parts;
  if (parts.length === 1 && root === 'version') return { kind: 'version' };
  if (parts.length === 1 && (root === 'healthz' || root === 'readyz' || root === 'livez'))
    return { kind: 'health' };
  if (root === 'openapi' && parts[1] === 'v3') {
    if (parts.length === 2) return { kind: 'openapiRoot' };
    if (parts[2] === 'api' && parts.length === 4)
      return { kind: 'openapiGroupVersion', group: '', version: parts[3]! };
    if (parts[2] === 'apis' && parts.length === 5)
      return { kind: 'openapiGroupVersion', group: parts[3]!, version: parts[4]! };
    return { kind: 'unknown' };
  }
  let group: string;
  let version: string;
  let rest: string[];
  if (root === 'api') {
    if (parts.length === 1) return { kind: 'apiVersions' };
    group = '';
    version = parts[1]!;
    rest = parts.slice(2);
  } else if (root === 'apis') {
    if (parts.length === 1) return { kind: 'groupList' };
    if (parts.length === 2) return { kind: 'group', group: parts[1]! };
    group = parts[1]!;
    version = parts[2]!;
    rest = parts.slice(3);
  } else {
    return { kind: 'unknown' };
  }
  if (rest.length === 0) return { kind: 'resourceList', group, version };
  const legacyWatch = rest[0] === 'watch';
  if (legacyWatch) rest = rest.slice(1);
  let namespace: string | undefined;
  if (rest[0] === 'namespaces' && rest.length > 1) {
    namespace = rest[1];
    if (rest.length > 2 && !namespaceSubresources.has(rest[2]!)) rest = rest.slice(2);
    else namespace = undefined; // the namespace object itself (or its status)
  }
  if (rest.length === 0 || rest.length > 3) return { kind: 'unknown' };
  return {
    kind: 'resource',
    group,
    version,
    resource: rest[0]!,
    ...(namespace !== undefined ? { namespace } : {}),
    ...(rest[1] !== undefined ? { name: rest[1] } : {}),
    ...(rest[2] !== undefined ? { subresource: rest[2] } : {}),
    legacyWatch,
  };
}
