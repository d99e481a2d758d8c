// The pure half of `explain`: tables of cluster snapshots and the answer each must give.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { V1Lease, V1Node, V1Pod, V1Service } from '@kubernetes/client-node';
import { presenceByNode, presenceLease } from '../../../common/kube/speaker-presence.ts';
import { loadPoolConfig } from '../../../common/pool-config/load-config.ts';
import {
  type ClusterSnapshot,
  explainService,
  poolForAddress,
  servicesWithAddress,
} from '../../../explain/explain-service.ts';
import { renderExplanation } from '../../../explain/render.ts';
import { speakerLiveness } from '../../../explain/speaker-liveness.ts';

const now = Date.parse('2026-12-02T12:00:00Z');
const ns = 'baremetal-lb-system';

function node(name: string, labels: Record<string, string> = {}, ready = 'True'): V1Node {
  return { metadata: { name, labels }, status: { conditions: [{ type: 'Ready', status: ready }] } };
}

function lease(name: string, secondsAgo: number): V1Lease {
  return presenceLease(name, ns, new Date(now - secondsAgo * 1000), 15);
}

const config = loadPoolConfig({
  objects: [
    {
      object: {
        apiVersion: 'metallb.io/v1beta1',
        kind: 'IPAddressPool',
        metadata: { name: 'web', namespace: ns },
        spec: { addresses: ['192.0.2.0/28'] },
      },
    },
    {
      object: {
        apiVersion: 'metallb.io/v1beta1',
        kind: 'IPAddressPool',
        metadata: { name: 'quiet', namespace: ns },
        spec: { addresses: ['198.51.100.0/29'], autoAssign: false },
      },
    },
    {
      object: {
        apiVersion: 'metallb.io/v1beta1',
        kind: 'L2Advertisement',
        metadata: { name: 'web', namespace: ns },
        spec: { ipAddressPools: ['web'], nodeSelectors: [{ matchLabels: { edge: 'yes' } }] },
      },
    },
  ],
});

function service(
  ip: string | undefined,
  extra: Partial<V1Service['spec']> = {},
  annotations: Record<string, string> = {},
): V1Service {
  return {
    metadata: { name: 'shop', namespace: 'prod', uid: 'u1', annotations },
    spec: { type: 'LoadBalancer', ports: [{ port: 80, protocol: 'TCP' }], ...extra },
    status: { loadBalancer: { ingress: ip ? [{ ip }] : [] } },
  };
}

function snapshot(overrides: Partial<ClusterSnapshot> = {}): ClusterSnapshot {
  return {
    config,
    nodes: [
      node('a', { edge: 'yes' }),
      node('b', { edge: 'yes' }),
      node('c'),
      node('d', { edge: 'yes' }, 'False'),
    ],
    speakerPods: [],
    presenceLeases: ['a', 'b', 'c', 'd'].map((n) => lease(n, 1)),
    services: [],
    nowMs: now,
    ...overrides,
  };
}

const slices = (nodes: string[]) => [
  { endpoints: nodes.map((nodeName) => ({ nodeName, conditions: { ready: true } })) },
];
const l2Status = (node: string, interfaces: string[]) => ({
  metadata: { name: `l2-${node}`, labels: { 'metallb.io/node': node } },
  status: {
    node,
    serviceName: 'shop',
    serviceNamespace: 'prod',
    interfaces: interfaces.map((name) => ({ name })),
  },
});
const details = (endpointNodes: string[], l2Statuses: ReturnType<typeof l2Status>[] = []) => ({
  namespaceLabels: {},
  endpointSlices: slices(endpointNodes),
  events: [],
  l2Statuses,
});

test('every node gets the reason the speakers act on', () => {
  const x = explainService(service('192.0.2.3'), snapshot(), details(['a', 'b', 'c', 'd']));
  assert.equal(x.allocation.pool, 'web');
  const reasons = Object.fromEntries(x.announcement.nodes.map((n) => [n.node, n.reason]));
  assert.equal(reasons.c, 'not selected by the nodeSelectors of web');
  assert.equal(reasons.d, 'NotReady (Ready=False)');
  const eligible = ['a', 'b'].filter((n) => reasons[n]?.startsWith('eligible'));
  assert.deepEqual(eligible, ['a', 'b']);
  assert.ok(x.announcement.expectedNode === 'a' || x.announcement.expectedNode === 'b');
  assert.match(reasons[x.announcement.expectedNode!]!, /first in the election order/);
});

test('a dead speaker and a missing local endpoint are named; the announcer is never one of them', () => {
  const snap = snapshot({ presenceLeases: [lease('a', 40), lease('b', 1), lease('c', 1), lease('d', 1)] });
  const x = explainService(
    service('192.0.2.3', { externalTrafficPolicy: 'Local' }),
    snap,
    details(['a', 'c']),
  );
  const reasons = Object.fromEntries(x.announcement.nodes.map((n) => [n.node, n.reason]));
  assert.match(reasons.a!, /^speaker dead: its presence Lease has not been renewed for 40\.0 s/);
  assert.equal(reasons.b, 'no serving endpoint on the node (externalTrafficPolicy Local)');
  assert.equal(x.announcement.expectedNode, undefined);
  assert.match(x.announcement.problems.join(' '), /no node can announce/);
});

test('a node claiming the announcement against the rules is a problem', () => {
  const x = explainService(service('192.0.2.3'), snapshot(), details(['a', 'b'], [l2Status('c', ['eth1'])]));
  assert.equal(x.announcement.announcingNode, 'c');
  assert.deepEqual(x.announcement.interfaces, ['eth1']);
  assert.match(x.announcement.problems.join('\n'), /c says it announces, but the rules pick [ab]/);
});

test("the elected node's ServiceL2Status wins, and one left by another node is named", () => {
  const expected = explainService(service('192.0.2.3'), snapshot(), details(['a', 'b'])).announcement
    .expectedNode!;
  const x = explainService(
    service('192.0.2.3'),
    snapshot(),
    details(['a', 'b'], [l2Status('c', ['eth0']), l2Status(expected, ['eth0', 'eth1'])]),
  );
  assert.equal(x.announcement.announcingNode, expected);
  assert.deepEqual(x.announcement.interfaces, ['eth0', 'eth1']);
  assert.deepEqual(x.announcement.problems, [
    'ServiceL2Status objects also name c: left by a speaker that stopped without removing them; they go when its Pod is deleted',
  ]);
  assert.match(renderExplanation(x, now), new RegExp(`announced from ${expected} on eth0, eth1`));
});

test("a pending Service shows the controller's last word and the pools that could serve it", () => {
  const pending = explainService(service(undefined), snapshot(), {
    ...details([]),
    events: [
      {
        type: 'Warning',
        reason: 'AllocationFailed',
        message: 'no available IPs',
        count: 3,
        lastSeen: new Date(now).toISOString(),
        from: 'c1',
      },
    ],
  });
  assert.equal(pending.allocation.pool, undefined);
  assert.match(pending.allocation.why[0]!, /the controller's last word: no available IPs/);
  assert.match(renderExplanation(pending, now), /<pending>[\s\S]*Warning AllocationFailed \(x3\)/);
});

test('Services the product leaves alone say why, and nothing more', () => {
  const x = explainService(service('192.0.2.3', { type: 'ClusterIP' }), snapshot(), details([]));
  assert.equal(x.ignored, 'type ClusterIP, not LoadBalancer');
  assert.match(renderExplanation(x, now), /not handled by baremetal-lb/);
});

test('addresses are found whatever their spelling; a free one names its pool', () => {
  const v6 = service('2001:db8::1');
  assert.equal(servicesWithAddress([v6], '2001:0db8:0:0::1').length, 1);
  assert.equal(poolForAddress(snapshot(), '198.51.100.4'), 'quiet');
  assert.equal(poolForAddress(snapshot(), '203.0.113.1'), undefined);
});

test('liveness: presence Leases decide once any speaker keeps one; Pod readiness before that', () => {
  const pod = (nodeName: string, ready: string): V1Pod => ({
    metadata: { name: `speaker-${nodeName}`, labels: { app: 'baremetal-lb', component: 'speaker' } },
    spec: { nodeName, containers: [] },
    status: { conditions: [{ type: 'Ready', status: ready }] },
  });
  const pods = [pod('a', 'True'), pod('b', 'True')];
  assert.equal(speakerLiveness([], pods, now).get('a')?.alive, true);
  const withLeases = speakerLiveness([lease('a', 1)], pods, now);
  assert.equal(withLeases.get('a')?.alive, true);
  assert.equal(withLeases.get('b')?.alive, false, 'a speaker that deleted its Lease has stopped');
  assert.equal(presenceByNode([lease('a', 16)], now).get('a')?.alive, false);
  assert.equal(presenceByNode([lease('a', 15)], now).get('a')?.alive, true);
});
