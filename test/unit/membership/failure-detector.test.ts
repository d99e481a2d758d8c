import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { FailureDetector, supersedes } from '../../../speaker/membership/failure-detector.ts';
import type { MemberChange, Message, Outgoing, Update } from '../../../speaker/membership/messages.ts';
import { defaultTiming } from '../../../speaker/membership/timing.ts';

const peers = new Map(['a', 'b', 'c', 'd'].map((n, i) => [n, { address: `192.0.2.${i + 1}`, port: 7946 }]));
const { ackTimeoutMs, probeTimeoutMs, suspicionTimeoutMs, probeIntervalMs } = defaultTiming;

function gossip(from: string, incarnation = 0, updates: Update[] = []): Message {
  return { kind: 'gossip', from, incarnation, updates };
}

/** Detector "a" with b, c, d heard from (alive at incarnation 0) at time 0. */
function detectorA() {
  const changes: MemberChange[] = [];
  const fd = new FailureDetector({ self: 'a', nowMs: 0, random: () => 0, onChange: (c) => changes.push(c) });
  fd.setPeers(peers);
  for (const n of ['b', 'c', 'd']) fd.receive(gossip(n), 0);
  changes.length = 0;
  return { fd, changes };
}

/**
 * Ticks every 10 ms from `from` to `to`, acking pings from everyone not in `silent`; returns what
 * was sent, stamped. `extra` sees every datagram too (e.g. to play a helper).
 */
function drive(
  fd: FailureDetector,
  from: number,
  to: number,
  silent: Set<string>,
  extra: (o: Outgoing, t: number) => void = () => {},
): (Outgoing & { at: number })[] {
  const sent: (Outgoing & { at: number })[] = [];
  for (let t = from; t <= to; t += 10) {
    for (const o of fd.tick(t)) {
      sent.push({ ...o, at: t });
      extra(o, t);
      if (o.message.kind === 'ping' && !silent.has(o.to)) {
        fd.receive({ kind: 'ack', seq: o.message.seq, from: o.to, incarnation: 0, updates: [] }, t + 1);
      }
    }
  }
  return sent;
}

const kinds = (out: Outgoing[]) => out.map((o) => `${o.message.kind}→${o.to}`);
const stateOf = (fd: FailureDetector, node: string) => fd.members().find((m) => m.node === node)?.state;

describe('supersedes (SWIM precedence)', () => {
  const cases: [Update['state'], number, 'pending' | Update['state'], number, boolean][] = [
    ['alive', 0, 'pending', 0, true],
    ['dead', 3, 'pending', 0, true],
    ['alive', 1, 'alive', 0, true],
    ['alive', 0, 'alive', 0, false],
    ['alive', 0, 'suspect', 0, false],
    ['alive', 1, 'suspect', 0, true],
    ['suspect', 0, 'alive', 0, true],
    ['suspect', 0, 'alive', 1, false],
    ['dead', 0, 'suspect', 0, true],
    ['suspect', 0, 'dead', 0, false],
    ['alive', 1, 'dead', 0, true],
    ['left', 0, 'dead', 0, true],
    ['dead', 0, 'left', 0, false],
    ['alive', 1, 'left', 0, true],
  ];
  for (const [state, inc, currentState, currentInc, expected] of cases) {
    test(`${state}@${inc} over ${currentState}@${currentInc} → ${expected}`, () => {
      assert.equal(
        supersedes({ node: 'x', state, incarnation: inc }, { state: currentState, incarnation: currentInc }),
        expected,
      );
    });
  }
});

describe('FailureDetector transitions', () => {
  test('peers start pending, become alive when heard from; settled once all answered', () => {
    const changes: MemberChange[] = [];
    const fd = new FailureDetector({ self: 'a', nowMs: 0, onChange: (c) => changes.push(c) });
    fd.setPeers(peers);
    assert.deepEqual([...fd.alive()], ['a']);
    assert.equal(fd.settled(0), false);
    assert.deepEqual(kinds(fd.tick(0)).sort(), ['ping→b', 'ping→c', 'ping→d']);
    fd.receive(gossip('b', 5), 1);
    fd.receive({ kind: 'ack', seq: 99, from: 'c', incarnation: 0, updates: [] }, 1);
    assert.deepEqual([...fd.alive()].sort(), ['a', 'b', 'c']);
    assert.deepEqual(changes[0], { node: 'b', from: 'pending', to: 'alive', incarnation: 5 });
    assert.equal(fd.settled(2), false);
    assert.equal(fd.settled(defaultTiming.settleTimeoutMs), true);
    fd.receive(gossip('d'), 3);
    assert.equal(fd.settled(3), true);
  });

  test('answered pings raise no suspicion', () => {
    const { fd, changes } = detectorA();
    drive(fd, 0, 2000, new Set());
    assert.deepEqual(changes, []);
  });

  test('silence: second ping and ping-req at ackTimeout, suspect at probeTimeout, dead after suspicion', () => {
    const { fd, changes } = detectorA();
    const target = fd.tick(0).find((o) => o.message.kind === 'ping')!.to;
    const helpers = ['b', 'c', 'd'].filter((n) => n !== target);
    const sent = drive(fd, 10, probeTimeoutMs + suspicionTimeoutMs + 50, new Set([target]));
    const indirect = sent.filter(
      (s) => s.at === ackTimeoutMs && (s.message.kind === 'ping-req' || s.to === target),
    );
    assert.deepEqual(
      kinds(indirect).sort(),
      [`ping→${target}`, ...helpers.map((h) => `ping-req→${h}`)].sort(),
    );
    const suspected = changes.find((c) => c.to === 'suspect');
    assert.deepEqual(suspected && { ...suspected }, {
      node: target,
      from: 'alive',
      to: 'suspect',
      incarnation: 0,
    });
    // The suspicion goes straight to everyone, the suspect included, so it can refute.
    const told = sent.filter(
      (s) =>
        s.at === probeTimeoutMs && s.message.updates.some((u) => u.node === target && u.state === 'suspect'),
    );
    assert.deepEqual([...new Set(told.map((o) => o.to))].sort(), ['b', 'c', 'd']);
    assert.equal(stateOf(fd, target), 'dead');
    assert.deepEqual(
      changes.map((c) => `${c.node}:${c.to}`),
      [`${target}:suspect`, `${target}:dead`],
    );
    const deadAt = sent.find((s) =>
      s.message.updates.some((u) => u.node === target && u.state === 'dead'),
    )?.at;
    assert.equal(deadAt, probeTimeoutMs + suspicionTimeoutMs);
    assert.ok(!fd.alive().has(target));
  });

  test('an ack relayed through a helper clears the probe', () => {
    const { fd, changes } = detectorA();
    const first = fd.tick(0).find((o) => o.message.kind === 'ping')!;
    const relayed = (o: Outgoing, t: number) => {
      if (o.message.kind === 'ping-req' && o.message.target === first.to) {
        fd.receive({ kind: 'ack', seq: o.message.seq, from: o.to, incarnation: 0, updates: [] }, t);
      }
    };
    // The target only answers through helpers (a one-way link problem between a and it).
    drive(fd, 10, 1000, new Set([first.to]), relayed);
    assert.equal(stateOf(fd, first.to), 'alive');
    assert.deepEqual(changes, []);
  });

  test('a helper pings the target for the requester and relays its ack', () => {
    const { fd } = detectorA();
    const out = fd.receive(
      { kind: 'ping-req', seq: 7, target: 'c', from: 'b', incarnation: 0, updates: [] },
      0,
    );
    assert.equal(out.length, 1);
    const ping = out[0]!;
    if (ping.message.kind !== 'ping') assert.fail('expected a ping');
    assert.equal(ping.to, 'c');
    const relayed = fd.receive(
      { kind: 'ack', seq: ping.message.seq, from: 'c', incarnation: 0, updates: [] },
      1,
    );
    assert.deepEqual(
      relayed.map((o) => [o.to, o.message.kind, o.message.kind === 'ack' && o.message.seq]),
      [['b', 'ack', 7]],
    );
  });

  test('pings are acked; a ping meant for another node is counted and ignored', () => {
    const { fd } = detectorA();
    const acked = fd.receive(
      { kind: 'ping', seq: 3, target: 'a', from: 'b', incarnation: 0, updates: [] },
      0,
    );
    assert.deepEqual(kinds(acked), ['ack→b']);
    assert.deepEqual(
      fd.receive({ kind: 'ping', seq: 4, target: 'z', from: 'b', incarnation: 0, updates: [] }, 0),
      [],
    );
    assert.equal(fd.counters.misdirectedPing, 1);
  });

  test('a suspicion about ourselves is refuted with a higher incarnation, told to everyone', () => {
    const { fd } = detectorA();
    const out = fd.receive(gossip('b', 0, [{ node: 'a', state: 'suspect', incarnation: 0 }]), 0);
    assert.equal(fd.incarnation, 1);
    assert.deepEqual(kinds(out).sort(), ['gossip→b', 'gossip→c', 'gossip→d']);
    assert.ok(out.every((o) => o.message.incarnation === 1));
    // Old news about an incarnation already refuted changes nothing.
    assert.deepEqual(fd.receive(gossip('c', 0, [{ node: 'a', state: 'dead', incarnation: 0 }]), 1), []);
    assert.equal(fd.incarnation, 1);
  });

  test('only a higher incarnation from the suspect clears a suspicion', () => {
    const { fd, changes } = detectorA();
    fd.receive(gossip('b', 0, [{ node: 'c', state: 'suspect', incarnation: 0 }]), 0);
    assert.equal(stateOf(fd, 'c'), 'suspect');
    assert.ok(fd.alive().has('c'), 'a suspect still counts as alive');
    fd.receive(gossip('c', 0), 10);
    assert.equal(stateOf(fd, 'c'), 'suspect');
    fd.receive(gossip('c', 1), 20);
    assert.equal(stateOf(fd, 'c'), 'alive');
    assert.deepEqual(
      changes.map((c) => `${c.node}:${c.from}→${c.to}@${c.incarnation}`),
      ['c:alive→suspect@0', 'c:suspect→alive@1'],
    );
  });

  test('a dead node that refutes comes back', () => {
    const { fd } = detectorA();
    // Last heard from c at 0: a verdict arriving after the suspicion timeout is taken as it is.
    const at = defaultTiming.suspicionTimeoutMs;
    fd.receive(gossip('b', 0, [{ node: 'c', state: 'dead', incarnation: 0 }]), at);
    assert.ok(!fd.alive().has('c'));
    // Dead peers keep being pinged, with the verdict, so a cut-off node learns it and refutes.
    const reconnect = fd.tick(at + defaultTiming.reconnectIntervalMs).filter((o) => o.to === 'c');
    assert.ok(reconnect.some((o) => o.message.updates.some((u) => u.node === 'c' && u.state === 'dead')));
    fd.receive(gossip('c', 1), at + 300);
    assert.ok(fd.alive().has('c'));
  });

  test('a "dead" verdict about a node heard from just now is taken as a suspicion', () => {
    const { fd, changes } = detectorA();
    fd.receive(gossip('b', 0, [{ node: 'c', state: 'dead', incarnation: 0 }]), 10);
    assert.equal(stateOf(fd, 'c'), 'suspect');
    assert.ok(fd.alive().has('c'), 'a suspect still counts as alive: nothing moves');
    assert.deepEqual(
      changes.map((c) => `${c.node} ${c.from}→${c.to}`),
      ['c alive→suspect'],
    );
  });

  test('leave: farewell to everyone; receivers drop the leaver at once; then silence', () => {
    const { fd } = detectorA();
    const out = fd.leave();
    assert.deepEqual(kinds(out).sort(), [
      'gossip→b',
      'gossip→b',
      'gossip→c',
      'gossip→c',
      'gossip→d',
      'gossip→d',
    ]);
    assert.deepEqual(fd.tick(1000), []);
    const peer = new FailureDetector({ self: 'b', nowMs: 0 });
    peer.setPeers(peers);
    peer.receive(gossip('a'), 0);
    assert.ok(peer.alive().has('a'));
    peer.receive(out[0]!.message, 1);
    assert.ok(!peer.alive().has('a'));
    assert.equal(stateOf(peer, 'a'), 'left');
  });

  test('messages from unknown senders are counted; only their pings are answered, to the source', () => {
    const { fd } = detectorA();
    const source = { address: '192.0.2.50', port: 7946 };
    const ping: Message = {
      kind: 'ping',
      seq: 9,
      target: 'a',
      from: 'stranger',
      incarnation: 0,
      updates: [],
    };
    assert.deepEqual(fd.receive(ping, 0), []);
    const out = fd.receive({ ...ping, updates: [{ node: 'b', state: 'dead', incarnation: 5 }] }, 0, source);
    assert.deepEqual(
      out.map((o) => [o.to, o.peer, o.message.kind]),
      [['stranger', source, 'ack']],
    );
    assert.deepEqual(fd.receive(gossip('stranger'), 0, source), []);
    assert.equal(fd.counters.unknownSender, 3);
    assert.equal(stateOf(fd, 'b'), 'alive', 'updates from strangers are not believed');
    assert.ok(!fd.alive().has('stranger'));
  });

  test('a pause of our own process is not blamed on peers', () => {
    const { fd, changes } = detectorA();
    const first = fd.tick(0).find((o) => o.message.kind === 'ping')!;
    if (first.message.kind !== 'ping') assert.fail('expected a ping');
    // No tick for 2 s (GC, blocked event loop); timers run before I/O, so the ack waiting in the
    // socket buffer is read only after the late tick.
    fd.tick(2000);
    fd.receive({ kind: 'ack', seq: first.message.seq, from: first.to, incarnation: 0, updates: [] }, 2001);
    drive(fd, 2010, 3000, new Set());
    assert.deepEqual(changes, []);
    assert.equal(fd.counters.ownStalls, 1, 'the pause is counted once, the ticks after it are on time');
  });

  test('setPeers drops members no longer listed and updates addresses', () => {
    const { fd, changes } = detectorA();
    fd.setPeers(
      new Map([
        ['b', { address: '192.0.2.99', port: 7000 }],
        ['c', peers.get('c')!],
      ]),
    );
    assert.deepEqual([...fd.alive()].sort(), ['a', 'b', 'c']);
    assert.deepEqual(changes, [{ node: 'd', from: 'alive', to: 'removed', incarnation: 0 }]);
    const toB = fd.receive({ kind: 'ping', seq: 1, target: 'a', from: 'b', incarnation: 0, updates: [] }, 0);
    assert.deepEqual(toB[0]?.peer, { address: '192.0.2.99', port: 7000 });
  });

  test('piggybacked updates spread news and stay within maxPiggyback', () => {
    const { fd } = detectorA();
    fd.receive(gossip('b', 0, [{ node: 'c', state: 'suspect', incarnation: 0 }]), 0);
    const ack = fd.receive({ kind: 'ping', seq: 1, target: 'a', from: 'd', incarnation: 0, updates: [] }, 1);
    assert.ok(ack[0]!.message.updates.some((u) => u.node === 'c' && u.state === 'suspect'));
    for (const o of fd.tick(probeIntervalMs))
      assert.ok(o.message.updates.length <= defaultTiming.maxPiggyback);
  });
});

describe('acks count only from the node probed or a helper asked to reach it', () => {
  test("an ack with the probe's sequence number from a bystander does not clear the probe", () => {
    const { fd, changes } = detectorA();
    const ping = fd.tick(0).find((o) => o.message.kind === 'ping')!;
    const seq = (ping.message as { seq: number }).seq;
    const bystander = ['b', 'c', 'd'].find((n) => n !== ping.to)!;
    // Only the bystander answers, with the probe's number, before any helper is asked.
    fd.receive({ kind: 'ack', seq, from: bystander, incarnation: 0, updates: [] }, 5);
    drive(fd, 10, probeTimeoutMs + 20, new Set([ping.to]));
    assert.ok(
      changes.some((c) => c.node === ping.to && c.to === 'suspect'),
      'the silent target is suspected all the same',
    );
    assert.equal(fd.counters.foreignAck, 1);
  });

  test('a helper asked by ping-req may ack the probe for the target', () => {
    const { fd, changes } = detectorA();
    const ping = fd.tick(0).find((o) => o.message.kind === 'ping')!;
    const sent = drive(fd, 10, ackTimeoutMs, new Set([ping.to]));
    const request = sent.find((o) => o.message.kind === 'ping-req')!;
    const seq = (request.message as { seq: number }).seq;
    fd.receive({ kind: 'ack', seq, from: request.to, incarnation: 0, updates: [] }, ackTimeoutMs + 5);
    drive(fd, ackTimeoutMs + 10, probeTimeoutMs + 20, new Set([ping.to]));
    assert.deepEqual(
      changes.filter((c) => c.node === ping.to),
      [],
      'the relayed ack counted',
    );
    assert.equal(fd.counters.foreignAck, 0);
  });

  test('a helper relays only the ack of the node it pinged', () => {
    const changes: MemberChange[] = [];
    const helper = new FailureDetector({
      self: 'a',
      nowMs: 0,
      random: () => 0,
      onChange: (c) => changes.push(c),
    });
    helper.setPeers(peers);
    for (const n of ['b', 'c', 'd']) helper.receive(gossip(n), 0);
    const [relayPing] = helper.receive(
      { kind: 'ping-req', seq: 7, target: 'c', from: 'b', incarnation: 0, updates: [] },
      1,
    );
    const seq = (relayPing!.message as { seq: number }).seq;
    assert.deepEqual(
      helper
        .receive({ kind: 'ack', seq, from: 'd', incarnation: 0, updates: [] }, 2)
        .map((o) => o.message.kind),
      [],
    );
    const relayed = helper.receive({ kind: 'ack', seq, from: 'c', incarnation: 0, updates: [] }, 3);
    assert.deepEqual(
      relayed.map((o) => `${o.message.kind}→${o.to}`),
      ['ack→b'],
    );
  });
});
