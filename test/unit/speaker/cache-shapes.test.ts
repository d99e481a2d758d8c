// The speaker's caches keep only what it reads: planning, the held-address check and the Events read
// the same from a shaped object as from the full one, and the fields it never reads are gone.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { V1EndpointSlice, V1Node, V1Service } from '@kubernetes/client-node';
import { formatIP } from '../../../common/ip-address.ts';
import { heldAddresses } from '../../../common/service-fields.ts';
import { nodeForPlanning, serviceForPlanning, sliceForPlanning } from '../../../speaker/cache-shapes.ts';
import { serviceView } from '../../../speaker/cluster-view.ts';
import { nodeEligibilityFacts } from '../../../speaker/election/eligibility.ts';

const service: V1Service = {
  metadata: {
    name: 'web',
    namespace: 'shop',
    uid: 'u-1',
    resourceVersion: '7',
    labels: { tier: 'front' },
    annotations: { 'metallb.io/ip-allocated-from-pool': 'default', 'metallb.io/allow-shared-ip': 'k' },
  },
  spec: {
    type: 'LoadBalancer',
    externalTrafficPolicy: 'Local',
    clusterIP: '10.96.0.10',
    ports: [{ port: 80, protocol: 'TCP', nodePort: 30080 }],
    selector: { app: 'web' },
  },
  status: { loadBalancer: { ingress: [{ ip: '192.0.2.241', ipMode: 'VIP' }, { ip: '2001:db8::f1' }] } },
};

const slice: V1EndpointSlice = {
  metadata: { name: 'web-abc', namespace: 'shop', labels: { 'kubernetes.io/service-name': 'web' } },
  addressType: 'IPv4',
  endpoints: [
    {
      addresses: ['198.51.100.7'],
      nodeName: 'node-1',
      conditions: { ready: true, serving: true },
      zone: 'a',
    },
    { addresses: ['198.51.100.8'], nodeName: 'node-2', conditions: { ready: false, terminating: true } },
  ],
  ports: [{ port: 8080, protocol: 'TCP' }],
};

const node: V1Node = {
  metadata: { name: 'node-1', labels: { zone: 'a' } },
  status: {
    conditions: [
      { type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'ok' },
      { type: 'NetworkUnavailable', status: 'False' },
    ],
    images: [{ names: ['registry.example/app:1'], sizeBytes: 123 }],
  },
};

const plain = (view: ReturnType<typeof serviceView>) =>
  view && {
    ...view,
    ips: view.ips.map(formatIP),
    // Of each endpoint, what EndpointLike declares planning reads: its node and conditions.
    endpointSlices: view.endpointSlices.map((s) =>
      s.endpoints?.map(({ nodeName, conditions }) => ({ nodeName, conditions })),
    ),
  };

test('a shaped Service and its shaped slices plan exactly as the full ones', () => {
  for (const lbClass of [undefined, 'other']) {
    const full = serviceView(service, lbClass, () => [slice]);
    const shaped = serviceView(serviceForPlanning(service), lbClass, () => [sliceForPlanning(slice)]);
    assert.deepEqual(plain(shaped), plain(full));
  }
  assert.deepEqual(
    heldAddresses([serviceForPlanning(service)], undefined),
    heldAddresses([service], undefined),
  );
  assert.equal(serviceForPlanning(service).metadata?.uid, 'u-1', 'Events name the Service by uid');
});

test('what the speaker never reads is not kept', () => {
  const shaped = serviceForPlanning(service);
  assert.equal(shaped.spec?.ports, undefined);
  assert.equal(shaped.spec?.clusterIP, undefined);
  assert.deepEqual(sliceForPlanning(slice).endpoints?.[0]?.addresses, []);
  assert.equal(nodeForPlanning(node).status?.images, undefined);
});

test('a shaped Node reads the same to eligibility', () => {
  assert.equal(nodeEligibilityFacts(nodeForPlanning(node)), nodeEligibilityFacts(node));
});
