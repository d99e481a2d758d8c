import assert from 'node:assert/strict';
import { test } from 'node:test';
import { route } from '../../../lab/apiserver/http-router.ts';

const cases: [string, ReturnType<typeof route>][] = [
  ['/version', { kind: 'version' }],
  ['/api', { kind: 'apiVersions' }],
  ['/api/v1', { kind: 'resourceList', group: '', version: 'v1' }],
  ['/apis', { kind: 'groupList' }],
  ['/apis/apps', { kind: 'group', group: 'apps' }],
  ['/apis/apps/v1', { kind: 'resourceList', group: 'apps', version: 'v1' }],
  ['/openapi/v3', { kind: 'openapiRoot' }],
  ['/openapi/v3/apis/apps/v1', { kind: 'openapiGroupVersion', group: 'apps', version: 'v1' }],
  [
    '/api/v1/namespaces',
    { kind: 'resource', group: '', version: 'v1', resource: 'namespaces', legacyWatch: false },
  ],
  [
    '/api/v1/namespaces/x',
    { kind: 'resource', group: '', version: 'v1', resource: 'namespaces', name: 'x', legacyWatch: false },
  ],
  [
    '/api/v1/namespaces/x/status',
    {
      kind: 'resource',
      group: '',
      version: 'v1',
      resource: 'namespaces',
      name: 'x',
      subresource: 'status',
      legacyWatch: false,
    },
  ],
  [
    '/api/v1/namespaces/x/services',
    { kind: 'resource', group: '', version: 'v1', resource: 'services', namespace: 'x', legacyWatch: false },
  ],
  [
    '/api/v1/namespaces/x/services/web/status',
    {
      kind: 'resource',
      group: '',
      version: 'v1',
      resource: 'services',
      namespace: 'x',
      name: 'web',
      subresource: 'status',
      legacyWatch: false,
    },
  ],
  [
    '/apis/apps/v1/deployments',
    { kind: 'resource', group: 'apps', version: 'v1', resource: 'deployments', legacyWatch: false },
  ],
  [
    '/api/v1/watch/namespaces/x/pods',
    { kind: 'resource', group: '', version: 'v1', resource: 'pods', namespace: 'x', legacyWatch: true },
  ],
  ['/api/v1/namespaces/x/services/web/status/extra', { kind: 'unknown' }],
  ['/metrics', { kind: 'unknown' }],
];

for (const [path, expected] of cases) {
  test(`route ${path}`, () => assert.deepEqual(route(path), expected));
}
