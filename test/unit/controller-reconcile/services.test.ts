import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { V1Service } from '@kubernetes/client-node';
import { formatIP, parseIP } from '../../../common/ip-address.ts';
import { problemObject } from '../../../controller/config-objects.ts';
import { mayBeStatus, poolStatuses, showsStatus, statusJson } from '../../../controller/pool-status.ts';
import { keepsStrandedAddresses, rebuildEntries } from '../../../controller/services.ts';
import { poolsConfig } from '../allocator/helpers.ts';

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

test('pool status sums families, exact past 2^53, and stops at the int64 maximum', () => {
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
    availableIPv4: 5n,
    availableIPv6: 9223372036854775807n,
  });
  assert.deepEqual(statuses.get('empty'), {
    assignedIPv4: 0,
    assignedIPv6: 0,
    availableIPv4: 0n,
    availableIPv6: 0n,
  });
  assert.equal(statuses.has('legacy'), false);
});

test('a /70 pool counts one address taken exactly, and the rounded read-back still matches', () => {
  const size = 2n ** 58n;
  const status = poolStatuses(
    [{ pool: 'v6', family: 6, total: size, inUse: 1, available: size - 1n }],
    ['v6'],
  ).get('v6')!;
  const text = statusJson(status);
  assert.equal(
    text,
    '{"assignedIPv4":0,"assignedIPv6":1,"availableIPv4":0,"availableIPv6":288230376151711743}',
  );
  assert.equal(mayBeStatus(JSON.parse(text), status), true, 'JSON.parse rounds both sides alike');
  assert.equal(mayBeStatus({ ...JSON.parse(text), assignedIPv6: 2 }, status), false);
  assert.equal(mayBeStatus(undefined, status), false, 'a pool without a status yet');
});

test('showsStatus: counts below 2^53 are trusted from the object, bigger ones only with what was written', () => {
  const small = poolStatuses([{ pool: 'p', family: 4, total: 8n, inUse: 1, available: 7n }], ['p']).get('p')!;
  const read = JSON.parse(statusJson(small));
  assert.equal(
    showsStatus(read, undefined, small),
    true,
    'after a restart, an unchanged small pool is not rewritten',
  );
  assert.equal(showsStatus({ ...read, assignedIPv4: 2 }, undefined, small), false);
  const size = 2n ** 58n;
  const huge = poolStatuses(
    [{ pool: 'v6', family: 6, total: size, inUse: 1, available: size - 1n }],
    ['v6'],
  ).get('v6')!;
  const hugeRead = JSON.parse(statusJson(huge));
  assert.equal(showsStatus(hugeRead, undefined, huge), false, 'rounded: written once after a restart');
  assert.equal(showsStatus(hugeRead, huge, huge), true);
  const oneMore = { ...huge, assignedIPv6: 2, availableIPv6: size - 2n };
  assert.equal(
    showsStatus(JSON.parse(statusJson(oneMore)), huge, oneMore),
    false,
    'a change the rounding hides',
  );
});

test('keepsStrandedAddresses: only addresses in no pool, and only when the Service asks for nothing else', () => {
  const config = poolsConfig({ web: { addresses: ['192.0.2.0/28'] } });
  const request = (extra: { requestedPool?: string; requestedIPs?: string[] } = {}) => ({
    key: 'shop/web',
    requestedIPs: (extra.requestedIPs ?? []).map((t) => parseIP(t)!),
    ...(extra.requestedPool ? { requestedPool: extra.requestedPool } : {}),
  });
  assert.equal(keepsStrandedAddresses(request(), ['203.0.113.1'], config), true, 'its pool is gone');
  assert.equal(keepsStrandedAddresses(request(), ['192.0.2.3'], config), false, 'still in a pool');
  assert.equal(keepsStrandedAddresses(request(), [], config), false, 'nothing held');
  assert.equal(
    keepsStrandedAddresses(request({ requestedPool: 'web' }), ['203.0.113.1'], config),
    false,
    'asks for a pool that exists',
  );
  assert.equal(keepsStrandedAddresses(request({ requestedPool: 'gone' }), ['203.0.113.1'], config), true);
  assert.equal(
    keepsStrandedAddresses(request({ requestedIPs: ['192.0.2.4'] }), ['203.0.113.1'], config),
    false,
    'asks for another address',
  );
  assert.equal(
    keepsStrandedAddresses(request({ requestedIPs: ['203.0.113.1'] }), ['203.0.113.1'], config),
    true,
  );
});
