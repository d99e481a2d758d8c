import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  announceFailedMessage,
  announcementAnnotations,
  announcingInterfaceAnnotation as iface,
  announcingNodeAnnotation as node,
  nodeAssignedMessage,
  nodeUnassignedMessage,
} from '../../../speaker/announcement-status.ts';

const cases: {
  title: string;
  plan: { leader?: string; reporter: string; interfaces: string[] };
  current: Record<string, string> | undefined;
  want: Record<string, string | null> | undefined;
}[] = [
  {
    title: 'the leader writes node and interfaces',
    plan: { leader: 'node-1', reporter: 'node-2', interfaces: ['eth0', 'eth1'] },
    current: undefined,
    want: { [node]: 'node-1', [iface]: 'eth0,eth1' },
  },
  {
    title: 'the leader writes only what changed',
    plan: { leader: 'node-1', reporter: 'node-1', interfaces: ['eth1'] },
    current: { [node]: 'node-1', [iface]: 'eth0' },
    want: { [iface]: 'eth1' },
  },
  {
    title: 'the leader writes nothing when the annotations are right',
    plan: { leader: 'node-1', reporter: 'node-1', interfaces: ['eth0'] },
    current: { [node]: 'node-1', [iface]: 'eth0', other: 'kept' },
    want: undefined,
  },
  {
    title: 'a follower never writes',
    plan: { leader: 'node-2', reporter: 'node-1', interfaces: [] },
    current: undefined,
    want: undefined,
  },
  {
    title: 'with no leader, the reporter clears them',
    plan: { reporter: 'node-1', interfaces: [] },
    current: { [node]: 'node-3', [iface]: 'eth0' },
    want: { [node]: null, [iface]: null },
  },
  {
    title: 'with no leader, nothing to clear',
    plan: { reporter: 'node-1', interfaces: [] },
    current: {},
    want: undefined,
  },
];

for (const { title, plan, current, want } of cases) {
  test(title, () => assert.deepEqual(announcementAnnotations(plan, 'node-1', current), want));
}

test('the nodeAssigned message reads as MetalLB’s', () => {
  assert.equal(nodeAssignedMessage('node-1'), 'announcing from node "node-1" with protocol "layer2"');
});

test('the Events that retract or qualify an announcement say why', () => {
  assert.equal(
    nodeUnassignedMessage('node-1', {
      selfExcluded: 'labelled node.kubernetes.io/exclude-from-external-load-balancers',
    }),
    'no longer announcing from node "node-1": labelled node.kubernetes.io/exclude-from-external-load-balancers',
  );
  assert.equal(
    nodeUnassignedMessage('node-1', { leader: 'node-2' }),
    'no longer announcing from node "node-1": node "node-2" announces it now',
  );
  assert.equal(
    nodeUnassignedMessage('node-1', { reason: 'the Service has no serving endpoints' }),
    'no longer announcing from node "node-1": the Service has no serving endpoints',
  );
  assert.match(
    announceFailedMessage('node-1', ['192.0.2.1']),
    /"192\.0\.2\.1" don't exist in assigned node "node-1"/,
  );
});
