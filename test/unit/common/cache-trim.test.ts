import assert from 'node:assert/strict';
import { test } from 'node:test';
import { trimForCache } from '../../../common/kube/cache-trim.ts';

test('an informer cache keeps neither managedFields nor the last-applied copy, and the rest as it is', () => {
  const trimmed = trimForCache({
    metadata: {
      name: 'web',
      managedFields: [{ manager: 'kubectl', operation: 'Apply' }],
      annotations: {
        'kubectl.kubernetes.io/last-applied-configuration': '{"big":true}',
        'metallb.io/address-pool': 'a',
      },
    },
    spec: { type: 'LoadBalancer' },
  } as never) as { metadata: object; spec: object };
  assert.deepEqual(trimmed, {
    metadata: { name: 'web', annotations: { 'metallb.io/address-pool': 'a' } },
    spec: { type: 'LoadBalancer' },
  });
  assert.deepEqual(trimForCache({ kind: 'Status' } as never), { kind: 'Status' });
});
