import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { inNetns, listNetns } from '../../../lab/network/ip-command.ts';
import { createSegment, plug, removeSegment, unplug } from '../../../lab/network/segment.ts';
import { planTopology } from '../../../lab/network/topology.ts';

const topology = planTopology(`blbt${process.pid}`, 2);

before(async () => {
  await removeSegment(topology.prefix);
  await createSegment(topology);
});
after(async () => {
  await removeSegment(topology.prefix);
});

test('the client reaches every node over IPv4 and IPv6, and the kernel answers ARP for node addresses', async () => {
  const [node] = topology.nodes;
  const arping = await inNetns(
    topology.client.netns,
    'arping',
    '-c',
    '1',
    '-w',
    '3',
    '-I',
    'eth0',
    node!.ipv4,
  );
  assert.match(arping, new RegExp(node!.mac.replaceAll(':', ':'), 'i'));
  for (const n of topology.nodes) {
    await inNetns(topology.client.netns, 'ping', '-c', '1', '-W', '2', n.ipv4);
    await inNetns(topology.client.netns, 'ping', '-6', '-c', '1', '-W', '2', n.ipv6);
  }
});

test('an unplugged node is unreachable until plugged back', async () => {
  const node = topology.nodes[1]!;
  await unplug(topology, node);
  await assert.rejects(inNetns(topology.client.netns, 'ping', '-c', '1', '-W', '1', node.ipv4));
  await plug(topology, node);
  await inNetns(topology.client.netns, 'ping', '-c', '1', '-W', '2', node.ipv4);
});

test('removal leaves no namespace with the prefix', async () => {
  const removed = await removeSegment(topology.prefix);
  assert.equal(removed.length, 1 + 1 + topology.nodes.length);
  assert.deepEqual(
    (await listNetns()).filter((n) => n.startsWith(`${topology.prefix}-`)),
    [],
  );
});
