import assert from 'node:assert/strict';
import { test } from 'node:test';
import { planTopology } from '../../../lab/network/topology.ts';
import { planVipChanges, vipPrefix } from '../../../lab/network/vip-binding.ts';
import { parseEndpoint } from '../../../lab/socket-relay.ts';

test('topology addresses are predictable and unique', () => {
  const t = planTopology('lab', 3);
  assert.equal(t.client.ipv4, '192.0.2.10');
  assert.deepEqual(
    t.nodes.map((n) => [n.name, n.netns, n.ipv4, n.ipv6, n.mac]),
    [
      ['node-1', 'lab-node-1', '192.0.2.11', '2001:db8::b', '02:00:c0:00:02:0b'],
      ['node-2', 'lab-node-2', '192.0.2.12', '2001:db8::c', '02:00:c0:00:02:0c'],
      ['node-3', 'lab-node-3', '192.0.2.13', '2001:db8::d', '02:00:c0:00:02:0d'],
    ],
  );
  const big = planTopology('lab', 50);
  assert.equal(new Set(big.nodes.map((n) => n.mac)).size, 50);
  assert.equal(new Set(big.nodes.map((n) => n.switchPort)).size, 50);
});

test('topology rejects bad input with the value named', () => {
  assert.throws(() => planTopology('Lab', 1), /prefix "Lab"/);
  assert.throws(() => planTopology('lab', 0), /node count 0/);
  assert.throws(() => planTopology('lab', 51), /node count 51/);
});

test('VIP binding plans only the difference', () => {
  assert.deepEqual(planVipChanges(['192.0.2.240', '192.0.2.241'], ['192.0.2.241', '2001:db8::f0']), {
    add: ['2001:db8::f0'],
    remove: ['192.0.2.240'],
  });
  assert.equal(vipPrefix('192.0.2.1'), '192.0.2.1/32');
  assert.equal(vipPrefix('2001:db8::1'), '2001:db8::1/128');
});

test('relay endpoints parse unix paths and host:port, and name a bad one', () => {
  assert.deepEqual(parseEndpoint('unix:/tmp/a.sock'), { path: '/tmp/a.sock' });
  assert.deepEqual(parseEndpoint('127.0.0.1:6443'), { host: '127.0.0.1', port: 6443 });
  assert.deepEqual(parseEndpoint('[::1]:80'), { host: '::1', port: 80 });
  assert.throws(() => parseEndpoint('localhost'), /"localhost"/);
  assert.throws(() => parseEndpoint('h:99999'), /"h:99999"/);
});
