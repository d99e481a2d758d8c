import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { V1Service } from '@kubernetes/client-node';
import { formatIP } from '../../../common/ip-address.ts';
import { problemObject } from '../../../controller/config-objects.ts';
import { poolStatuses } from '../../../controller/pool-status.ts';
import { rebuildEntries } from '../../../controller/services.ts';

const svc = (
  name: string,
  created: string,
  extra: Partial<V1Service['spec']> = {},
  ips: string[] = [],
): V1Service => ({
  metadata: { name, namespace: 'default', creationTimestamp: new Date(created) },
  spec: { type: 'LoadBalancer', ...extra },
  status: { loadBalancer: { ingress: ips.map((ip) => ({ ip })) } },
});

test('rebuild entries: managed LoadBalancers with addresses, oldest first', () => {
  const services = [
    svc('new', '2026-03-01', {}, ['192.0.2.2']),
    svc('old', '2026-01-01', {}, ['192.0.2.1']),
    svc('pending', '2025-01-01'),
    svc('classy', '2025-01-01', { loadBalancerClass: 'x' }, ['192.0.2.3']),
    svc('clusterip', '2025-01-01', { type: 'ClusterIP' }, ['192.0.2.4']),
    svc('bad-request', '2025-01-01', { loadBalancerIP: 'not-an-ip' }, ['192.0.2.5']),
  ];
  const entries = rebuildEntries(services, undefined, () => ({}));
  assert.deepEqual(
    entries.map((e) => `${e.request.key}=${e.ips.map(formatIP).join(',')}`),
    ['default/old=192.0.2.1', 'default/new=192.0.2.2'],
  );
});

test('config problems point back at their object', () => {
  assert.deepEqual(problemObject('IPAddressPool lb/prod'), {
    kind: 'IPAddressPool',
    namespace: 'lb',
    name: 'prod',
  });
  assert.deepEqual(problemObject('ConfigMap lb/config'), {
    kind: 'ConfigMap',
    namespace: 'lb',
    name: 'config',
  });
  assert.equal(problemObject('pools.yaml#2'), undefined);
});

test('pool status sums families and caps huge IPv6 counts', () => {
  const statuses = poolStatuses(
    [
      { pool: 'a', family: 4, total: 8n, inUse: 3, available: 5n },
      { pool: 'a', family: 6, total: 2n ** 64n, inUse: 1, available: 2n ** 64n - 1n },
      { pool: 'legacy', family: 4, total: 4n, inUse: 0, available: 4n },
    ],
    ['a', 'empty'],
  );
  assert.deepEqual(statuses.get('a'), {
    assignedIPv4: 3,
    assignedIPv6: 1,
    availableIPv4: 5,
    availableIPv6: Number.MAX_SAFE_INTEGER,
  });
  assert.deepEqual(statuses.get('empty'), {
    assignedIPv4: 0,
    assignedIPv6: 0,
    availableIPv4: 0,
    availableIPv6: 0,
  });
  assert.equal(statuses.has('legacy'), false);
});
