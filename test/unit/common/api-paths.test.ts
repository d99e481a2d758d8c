// Where objects live: core and named groups, namespaced and cluster-scoped, collections, objects and
// subresources, as kube-apiserver serves them.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  events,
  leases,
  metallb,
  resourcePath,
  services,
  validatingWebhookConfigurations,
} from '../../../common/kube/api-paths.ts';

test('resource paths', () => {
  const rows: [string, string][] = [
    [resourcePath(events, { namespace: 'shop' }), '/api/v1/namespaces/shop/events'],
    [resourcePath(events, { namespace: 'shop', name: 'web.1' }), '/api/v1/namespaces/shop/events/web.1'],
    [resourcePath(services), '/api/v1/services'],
    [
      resourcePath(services, { namespace: 'shop', name: 'web', subresource: 'status' }),
      '/api/v1/namespaces/shop/services/web/status',
    ],
    [
      resourcePath(leases, { namespace: 'lb', name: 'speaker-n1' }),
      '/apis/coordination.k8s.io/v1/namespaces/lb/leases/speaker-n1',
    ],
    [
      resourcePath(metallb('ipaddresspools'), { namespace: 'lb', name: 'p', subresource: 'status' }),
      '/apis/metallb.io/v1beta1/namespaces/lb/ipaddresspools/p/status',
    ],
    [
      resourcePath(validatingWebhookConfigurations, { name: 'hook' }),
      '/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations/hook',
    ],
  ];
  for (const [path, expected] of rows) assert.equal(path, expected);
});
