import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { electionKeyText, electionOrder, electLeader } from '../../../speaker/election/elect-leader.ts';

// Expected orders computed outside this code: printf '%s' "node-a#192.0.2.1" | sha256sum, sorted.
describe('electionOrder follows MetalLB (sha256 of node#ip, byte-wise ascending)', () => {
  const nodes = ['node-a', 'node-b', 'node-c', 'node-d'];
  const cases = [
    { ip: '192.0.2.1', order: ['node-c', 'node-a', 'node-d', 'node-b'] },
    { ip: '2001:db8::1', order: ['node-d', 'node-b', 'node-a', 'node-c'] },
    // Same address written differently hashes as Go's net.IP.String() would print it.
    { ip: '2001:DB8:0:0::1', order: ['node-d', 'node-b', 'node-a', 'node-c'] },
    { ip: '::ffff:192.0.2.1', order: ['node-c', 'node-a', 'node-d', 'node-b'] },
  ];
  for (const { ip, order } of cases) {
    test(ip, () => {
      assert.deepEqual(electionOrder(ip, nodes), order);
      assert.deepEqual(electionOrder(ip, [...nodes].reverse()), order);
      assert.equal(electLeader(ip, nodes), order[0]);
    });
  }
});

describe('electionKeyText', () => {
  for (const [input, expected] of [
    ['192.0.2.7', '192.0.2.7'],
    ['2001:0db8:0000:0000:0000:0000:0000:0001', '2001:db8::1'],
    ['::ffff:c000:0207', '192.0.2.7'],
    ['not-an-ip', 'not-an-ip'],
  ] as const) {
    test(`${input} → ${expected}`, () => assert.equal(electionKeyText(input), expected));
  }
});

test('no candidates elect nobody; duplicates count once', () => {
  assert.equal(electLeader('192.0.2.1', []), undefined);
  assert.deepEqual(electionOrder('192.0.2.1', ['node-a', 'node-a']), ['node-a']);
});

const nodeName = fc.stringMatching(/^[a-z][a-z0-9-]{0,12}$/);
const ipv4 = fc.ipV4();

describe('properties', () => {
  test('removing a non-leader never moves the IP', () => {
    fc.assert(
      fc.property(
        ipv4,
        fc.uniqueArray(nodeName, { minLength: 2, maxLength: 12 }),
        fc.nat(),
        (ip, nodes, pick) => {
          const leader = electLeader(ip, nodes)!;
          const others = nodes.filter((n) => n !== leader);
          const removed = others[pick % others.length]!;
          assert.equal(
            electLeader(
              ip,
              nodes.filter((n) => n !== removed),
            ),
            leader,
          );
        },
      ),
    );
  });

  test('adding a node moves the IP only to that node', () => {
    fc.assert(
      fc.property(
        ipv4,
        fc.uniqueArray(nodeName, { minLength: 1, maxLength: 12 }),
        nodeName,
        (ip, nodes, added) => {
          const before = electLeader(ip, nodes);
          const after = electLeader(ip, [...nodes, added]);
          assert.ok(after === before || after === added, `${before} → ${after} after adding ${added}`);
        },
      ),
    );
  });

  test('the leader does not depend on the order candidates are listed in', () => {
    fc.assert(
      fc.property(ipv4, fc.uniqueArray(nodeName, { minLength: 1, maxLength: 12 }), (ip, nodes) => {
        assert.equal(electLeader(ip, nodes), electLeader(ip, [...nodes].reverse()));
      }),
    );
  });

  test('IPs spread over nodes (no node takes everything)', () => {
    const nodes = ['node-a', 'node-b', 'node-c', 'node-d'];
    const counts = new Map<string, number>();
    for (let i = 1; i <= 200; i++) {
      const leader = electLeader(`198.51.100.${i}`, nodes)!;
      counts.set(leader, (counts.get(leader) ?? 0) + 1);
    }
    assert.equal(counts.size, 4);
    for (const [node, count] of counts) assert.ok(count > 20, `${node} leads only ${count} of 200`);
  });
});
