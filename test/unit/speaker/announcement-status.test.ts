import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  announceFailedMessage,
  nodeAssignedMessage,
  nodeUnassignedMessage,
} from '../../../speaker/announcement-status.ts';

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
