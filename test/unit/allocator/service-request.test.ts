import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatIP } from '../../../common/ip-address.ts';
import {
  backendKey,
  type ServiceObject,
  serviceRequestFrom,
} from '../../../controller/allocator/service-request.ts';

function service(annotations: Record<string, string>, spec: ServiceObject['spec'] = {}): ServiceObject {
  return { metadata: { name: 'web', namespace: 'shop', labels: { app: 'web' }, annotations }, spec };
}

test('Service fields and annotations become a request', () => {
  const parsed = serviceRequestFrom(
    service(
      {
        'metallb.io/loadBalancerIPs': '192.0.2.5, 2001:db8::5',
        'metallb.io/address-pool': 'prod',
        'metallb.io/allow-shared-ip': 'web',
      },
      {
        ipFamilies: ['IPv6', 'IPv4'],
        ipFamilyPolicy: 'RequireDualStack',
        externalTrafficPolicy: 'Local',
        selector: { b: '2', a: '1' },
        ports: [{ port: 80 }, { protocol: 'UDP', port: 53 }],
      },
    ),
    { team: 'x' },
  );
  assert.ok(parsed.ok);
  const r = parsed.request;
  assert.equal(r.key, 'shop/web');
  assert.deepEqual(r.requestedIPs.map(formatIP), ['192.0.2.5', '2001:db8::5']);
  assert.equal(r.requestedPool, 'prod');
  assert.equal(r.sharingKey, 'web');
  assert.deepEqual(r.ipFamilies, [6, 4]);
  assert.equal(r.ipFamilyPolicy, 'RequireDualStack');
  assert.deepEqual(r.ports, [
    { protocol: 'TCP', port: 80 },
    { protocol: 'UDP', port: 53 },
  ]);
  assert.deepEqual(r.namespaceLabels, { team: 'x' });
  assert.equal(backendKey(r), 'a=1,b=2');
  assert.deepEqual(parsed.deprecated, []);
});

test('defaults: SingleStack, Cluster, the family of the requested IP', () => {
  const parsed = serviceRequestFrom({ metadata: { name: 'a' }, spec: { loadBalancerIP: '2001:db8::1' } });
  assert.ok(parsed.ok);
  assert.equal(parsed.request.key, 'default/a');
  assert.deepEqual(parsed.request.ipFamilies, [6]);
  assert.equal(parsed.request.ipFamilyPolicy, 'SingleStack');
  assert.equal(parsed.request.externalTrafficPolicy, 'Cluster');
  assert.equal(backendKey(parsed.request), '');
});

test('deprecated metallb.universe.tf annotations still work and are reported', () => {
  const parsed = serviceRequestFrom(
    service({ 'metallb.universe.tf/address-pool': 'old', 'metallb.universe.tf/allow-shared-ip': 'k' }),
  );
  assert.ok(parsed.ok);
  assert.equal(parsed.request.requestedPool, 'old');
  assert.equal(parsed.request.sharingKey, 'k');
  assert.deepEqual(parsed.deprecated, [
    { annotation: 'metallb.universe.tf/address-pool', replacement: 'metallb.io/address-pool' },
    { annotation: 'metallb.universe.tf/allow-shared-ip', replacement: 'metallb.io/allow-shared-ip' },
  ]);
});

test('invalid requests are refused with the reason', () => {
  const cases: [ServiceObject, RegExp][] = [
    [service({ 'metallb.io/loadBalancerIPs': '192.0.2.1' }, { loadBalancerIP: '192.0.2.1' }), /both set/],
    [
      service({ 'metallb.universe.tf/loadBalancerIPs': '192.0.2.1' }, { loadBalancerIP: '192.0.2.2' }),
      /both set/,
    ],
    [service({ 'metallb.io/loadBalancerIPs': '192.0.2.1,192.0.2.2' }), /more than one IPv4 address/],
    [service({ 'metallb.io/loadBalancerIPs': '192.0.2.x' }), /"192.0.2.x" is not an IP address/],
    [service({}, { loadBalancerIP: 'nope' }), /spec.loadBalancerIP: "nope"/],
    [service({}, { ipFamilies: ['IPv5'] }), /"IPv5" is not IPv4 or IPv6/],
    [service({}, { ipFamilyPolicy: 'Both' }), /"Both" is not SingleStack/],
  ];
  for (const [object, reason] of cases) {
    const parsed = serviceRequestFrom(object);
    assert.ok(!parsed.ok, JSON.stringify(object));
    assert.match(parsed.reason, reason);
  }
});
