import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { V1Service } from '@kubernetes/client-node';
import {
  classMatches,
  ingressAddresses,
  isLoadBalancer,
  serviceKey,
  splitKey,
} from '../../../common/service-fields.ts';

const svc = (spec: V1Service['spec'], ingress: { ip?: string; hostname?: string }[] = []): V1Service => ({
  metadata: { name: 'web', namespace: 'shop' },
  spec,
  status: { loadBalancer: { ingress } },
});

test('loadBalancerClass: with --lb-class only that class, without it only Services with no class', () => {
  const cases: [string | undefined, string | undefined, boolean][] = [
    [undefined, undefined, true],
    ['', undefined, true],
    ['example.com/lb', undefined, false],
    [undefined, 'example.com/lb', false],
    ['example.com/lb', 'example.com/lb', true],
    ['example.com/lb', 'other', false],
  ];
  for (const [own, flag, want] of cases) {
    const service = svc({ type: 'LoadBalancer', ...(own === undefined ? {} : { loadBalancerClass: own }) });
    assert.equal(classMatches(service, flag), want, `class ${own} with --lb-class ${flag}`);
  }
});

test('keys are namespace/name and split at the first slash', () => {
  assert.equal(serviceKey(svc({})), 'shop/web');
  assert.equal(serviceKey({ metadata: { name: 'bare' } }), 'default/bare');
  assert.deepEqual(splitKey('ns/name'), { namespace: 'ns', name: 'name' });
  assert.deepEqual(splitKey(serviceKey(svc({}))), { namespace: 'shop', name: 'web' });
});

test('only type LoadBalancer counts, and ingress hostnames are skipped', () => {
  assert.equal(isLoadBalancer(svc({ type: 'LoadBalancer' })), true);
  assert.equal(isLoadBalancer(svc({ type: 'ClusterIP' })), false);
  assert.deepEqual(
    ingressAddresses(svc({}, [{ ip: '192.0.2.1' }, { hostname: 'lb.example' }, { ip: '2001:db8::1' }])),
    ['192.0.2.1', '2001:db8::1'],
  );
  assert.deepEqual(ingressAddresses({}), []);
});
