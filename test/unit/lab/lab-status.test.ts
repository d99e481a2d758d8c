// `lab status` as a table: rows from the state file, liveness from the caller, announcements from
// the ServiceL2Statuses; a speaker's row says "(nothing)" only when the API was asked.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { announcementsByNode, processStatuses, statusTable } from '../../../lab/lab-status.ts';

const state = {
  nodes: [
    { name: 'node-1', netns: 'lab-node-1', interface: 'eth0', ipv4: '', ipv6: '', mac: '', speakerPid: 11 },
  ],
  processes: [
    { name: 'controller', pid: 10 },
    { name: 'speaker-node-1', pid: 11, netns: 'lab-node-1' },
    { name: 'nginx-node-1', pid: 12, netns: 'lab-node-1' },
  ],
};

test('a dead process reads DEAD, and only speakers list announcements', () => {
  const announced = announcementsByNode({
    services: [
      {
        metadata: { name: 'web', namespace: 'shop' },
        status: { loadBalancer: { ingress: [{ ip: '192.0.2.1' }] } },
      },
    ],
    l2Statuses: [
      { status: { node: 'node-1', serviceName: 'web', serviceNamespace: 'shop', interfaces: [] } },
    ],
  });
  const rows = processStatuses(state, (p) => p.pid !== 11, announced);
  assert.deepEqual(
    rows.map((r) => [r.name, r.node ?? '-', r.alive, r.announces]),
    [
      ['controller', '-', true, undefined],
      ['speaker-node-1', 'node-1', false, ['shop/web (192.0.2.1)']],
      ['nginx-node-1', 'node-1', true, undefined],
    ],
  );
  const table = statusTable(rows);
  assert.match(table, /^speaker-node-1\s+node-1\s+11\s+DEAD\s+shop\/web \(192\.0\.2\.1\)$/m);
  assert.match(table, /^controller\s+-\s+10\s+yes$/m);
});

test('without an answer from the API, speakers show no announcements and the table says why', () => {
  const rows = processStatuses(state, () => true, undefined);
  assert.equal(rows[1]?.announces, undefined);
  assert.match(statusTable(rows, 'The API did not answer'), /The API did not answer/);
  assert.match(statusTable(processStatuses(state, () => true, new Map())), /\(nothing\)/);
});
