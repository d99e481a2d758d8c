import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { V1EndpointSlice, V1Pod, V1Service } from '@kubernetes/client-node';
import { formatIP } from '../../../common/ip-address.ts';
import {
  nodesWithReadySpeaker,
  SliceIndex,
  serviceView,
  speakerPeers,
} from '../../../speaker/cluster-view.ts';

function lbService(extra: { class?: string; type?: string; ips?: string[]; pool?: string } = {}): V1Service {
  return {
    metadata: {
      name: 'web',
      namespace: 'shop',
      ...(extra.pool ? { annotations: { 'metallb.io/ip-allocated-from-pool': extra.pool } } : {}),
    },
    spec: {
      type: extra.type ?? 'LoadBalancer',
      externalTrafficPolicy: 'Local',
      ...(extra.class ? { loadBalancerClass: extra.class } : {}),
    },
    status: { loadBalancer: { ingress: (extra.ips ?? ['192.0.2.241']).map((ip) => ({ ip })) } },
  };
}

describe('serviceView', () => {
  const slices = (key: string) => (key === 'shop/web' ? [{ endpoints: [{ nodeName: 'node-1' }] }] : []);
  const cases: { title: string; service: V1Service; lbClass?: string; included: boolean }[] = [
    { title: 'a LoadBalancer with an IP and no class', service: lbService(), included: true },
    { title: 'a ClusterIP Service', service: lbService({ type: 'ClusterIP' }), included: false },
    { title: 'no IP assigned yet', service: lbService({ ips: [] }), included: false },
    { title: 'a class while we have none', service: lbService({ class: 'x' }), included: false },
    { title: 'our class', service: lbService({ class: 'x' }), lbClass: 'x', included: true },
    { title: 'no class while we have one', service: lbService(), lbClass: 'x', included: false },
  ];
  for (const { title, service, lbClass, included } of cases) {
    test(title, () => assert.equal(serviceView(service, lbClass, slices) !== undefined, included));
  }

  test('carries key, IPs in status order without repeats, pool, policy and slices', () => {
    const view = serviceView(
      lbService({ ips: ['2001:db8::f1', '192.0.2.241', '2001:DB8::F1'], pool: 'default' }),
      undefined,
      slices,
    )!;
    assert.equal(view.key, 'shop/web');
    assert.deepEqual(view.ips.map(formatIP), ['2001:db8::f1', '192.0.2.241']);
    assert.equal(view.poolAnnotation, 'default');
    assert.equal(view.externalTrafficPolicy, 'Local');
    assert.equal(view.endpointSlices.length, 1);
  });
});

describe('SliceIndex', () => {
  const slice = (name: string, service?: string): V1EndpointSlice => ({
    addressType: 'IPv4',
    endpoints: [],
    metadata: {
      name,
      namespace: 'shop',
      ...(service ? { labels: { 'kubernetes.io/service-name': service } } : {}),
    },
  });

  test('files slices by the service-name label and skips unlabelled ones', () => {
    const index = new SliceIndex();
    assert.deepEqual(index.set(slice('a', 'web')), ['shop/web']);
    index.set(slice('b', 'web'));
    assert.deepEqual(index.set(slice('c')), []);
    assert.deepEqual(
      index.of('shop/web').map((s) => s.metadata?.name),
      ['a', 'b'],
    );
  });

  test('a slice relabelled to another Service touches both, and a delete touches its Service', () => {
    const index = new SliceIndex();
    index.set(slice('a', 'web'));
    assert.deepEqual(index.set(slice('a', 'api')).sort(), ['shop/api', 'shop/web']);
    assert.deepEqual(index.of('shop/web'), []);
    assert.deepEqual(index.delete(slice('a')), ['shop/api']);
    assert.deepEqual(index.of('shop/api'), []);
    assert.deepEqual(index.delete(slice('a')), []);
  });
});

describe('speaker Pods', () => {
  const pod = (
    node: string,
    extra: { ready?: boolean; ip?: string; phase?: string; app?: string } = {},
  ): V1Pod => ({
    metadata: { name: `speaker-${node}`, labels: { app: extra.app ?? 'baremetal-lb', component: 'speaker' } },
    spec: { nodeName: node, containers: [] },
    status: {
      phase: extra.phase ?? 'Running',
      ...(extra.ip === '' ? {} : { podIP: extra.ip ?? '192.0.2.11' }),
      conditions: [{ type: 'Ready', status: extra.ready === false ? 'False' : 'True' }],
    },
  });
  const pods = [
    pod('node-1'),
    pod('node-2', { ready: false, ip: '192.0.2.12' }),
    pod('node-3', { ip: '' }),
    pod('node-4', { phase: 'Pending' }),
    pod('node-5', { app: 'nginx' }),
  ];

  test('peers: running speaker Pods with an IP', () => {
    assert.deepEqual(
      [...speakerPeers(pods)],
      [
        ['node-1', '192.0.2.11'],
        ['node-2', '192.0.2.12'],
      ],
    );
  });

  test('without the failure detector: nodes whose speaker Pod is Ready', () => {
    assert.deepEqual([...nodesWithReadySpeaker(pods)], ['node-1', 'node-3', 'node-4']);
  });
});
