// Requests classified as the real server's RequestInfo does: verb from method, name and query;
// discovery and health paths as non-resource URLs.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { route } from '../../../lab/apiserver/http-router.ts';
import { requestAttributes } from '../../../lab/apiserver/rbac/request-attributes.ts';

const attrs = (method: string, url: string) => {
  const u = new URL(url, 'http://x');
  return requestAttributes(method, u.pathname, route(u.pathname), u.searchParams);
};

const cases: [string, string, Record<string, unknown>][] = [
  [
    'GET',
    '/api/v1/namespaces/a/services/web',
    { verb: 'get', resource: 'services', namespace: 'a', name: 'web' },
  ],
  [
    'GET',
    '/api/v1/services',
    { verb: 'list', resource: 'services', apiGroup: '', namespace: undefined, name: undefined },
  ],
  ['GET', '/api/v1/services?watch=true', { verb: 'watch', resource: 'services' }],
  ['GET', '/api/v1/watch/namespaces/a/services', { verb: 'watch', namespace: 'a' }],
  [
    'GET',
    '/api/v1/namespaces/a/pods?watch=1&fieldSelector=metadata.name%3Dp1',
    { verb: 'watch', name: 'p1' },
  ],
  [
    'GET',
    '/api/v1/namespaces/a/pods?fieldSelector=metadata.name%3D%3Dp1,spec.nodeName%3Dn',
    { verb: 'list', name: 'p1' },
  ],
  [
    'POST',
    '/apis/coordination.k8s.io/v1/namespaces/lb/leases',
    { verb: 'create', apiGroup: 'coordination.k8s.io', resource: 'leases' },
  ],
  ['PUT', '/api/v1/namespaces/a/services/web/status', { verb: 'update', subresource: 'status', name: 'web' }],
  [
    'PATCH',
    '/apis/metallb.io/v1beta1/namespaces/lb/ipaddresspools/p/status',
    { verb: 'patch', subresource: 'status' },
  ],
  ['DELETE', '/api/v1/namespaces/a/configmaps/c', { verb: 'delete', name: 'c' }],
  ['DELETE', '/api/v1/namespaces/a/configmaps', { verb: 'deletecollection' }],
  [
    'POST',
    '/api/v1/namespaces/lb/serviceaccounts/controller/token',
    { verb: 'create', subresource: 'token', name: 'controller' },
  ],
  ['GET', '/api/v1/namespaces/lb', { verb: 'get', resource: 'namespaces', namespace: 'lb', name: 'lb' }],
  ['GET', '/api/v1/namespaces', { verb: 'list', resource: 'namespaces', namespace: undefined }],
];

for (const [method, url, expected] of cases) {
  test(`${method} ${url}`, () => {
    const a = attrs(method, url);
    assert.equal(a.resourceRequest, true);
    for (const [key, value] of Object.entries(expected))
      assert.equal((a as unknown as Record<string, unknown>)[key], value, key);
  });
}

for (const path of [
  '/api',
  '/apis',
  '/apis/apps',
  '/apis/apps/v1',
  '/api/v1',
  '/version',
  '/healthz',
  '/openapi/v3',
  '/foo',
]) {
  test(`non-resource ${path}`, () => {
    assert.deepEqual(attrs('GET', path), { resourceRequest: false, verb: 'get', path });
  });
}
