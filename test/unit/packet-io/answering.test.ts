// The answering logic on fake sockets, without root: which requests it answers, with what,
// the counters, the solicited-node groups it joins, and the fence.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type IP, parseIP } from '../../../common/ip-address.ts';
import { Answering } from '../../../speaker/packet-io/answering.ts';
import { macToBytes } from '../../../speaker/packet-io/interfaces.ts';
import { MainThreadFence } from '../../../speaker/packet-io/main-thread-fence.ts';
import type { PacketSocket, PacketSocketKind } from '../../../speaker/packet-io/packet-socket.ts';
import { arpRequest } from '../../../speaker/packets/neighbor-requests.ts';

class FakeSocket implements PacketSocket {
  readonly sent: Uint8Array[] = [];
  readonly groups = new Set<string>();
  #deliver: ((frame: Uint8Array) => void) | undefined;
  closed = false;

  readonly kind: PacketSocketKind;

  constructor(kind: PacketSocketKind) {
    this.kind = kind;
  }

  addMembership(mac: Uint8Array): void {
    this.groups.add(Buffer.from(mac).toString('hex'));
  }
  dropMembership(mac: Uint8Array): void {
    this.groups.delete(Buffer.from(mac).toString('hex'));
  }
  send(frame: Uint8Array): number {
    this.sent.push(Uint8Array.from(frame));
    return 0;
  }
  sendBatch(buffer: Uint8Array, slotSize: number, lengths: Uint32Array, count: number): number {
    for (let i = 0; i < count; i++) this.sent.push(buffer.slice(i * slotSize, i * slotSize + lengths[i]!));
    return count;
  }
  onFrames(buffer: Uint8Array, lengths: Uint32Array, onBatch: (count: number) => void): void {
    this.#deliver = (frame) => {
      buffer.set(frame, 0);
      lengths[0] = frame.length;
      onBatch(1);
    };
  }
  close(): void {
    this.closed = true;
  }
  /** A frame arriving from the wire. */
  receive(frame: Uint8Array): void {
    this.#deliver?.(frame);
  }
}

const ourMac = '02:00:00:00:00:01';
const clientMac = macToBytes('02:00:00:00:00:99');
const ip = (text: string) => parseIP(text) as IP;
const vip = ip('192.0.2.10');

function setup() {
  const sockets = new Map<string, FakeSocket>();
  let nowMs = 0;
  let fencedEvents = 0;
  const fence = new MainThreadFence(300, () => BigInt(nowMs) * 1_000_000n);
  const thread = new Answering({
    openSocket: (ifname, kind) => {
      const socket = new FakeSocket(kind);
      sockets.set(`${ifname}/${kind}`, socket);
      return socket;
    },
    fence,
    onFenced: () => fencedEvents++,
  });
  thread.setInterfaces([{ name: 'eth0', mac: ourMac }]);
  const arp = sockets.get('eth0/arp')!;
  return {
    thread,
    arp,
    ndp: sockets.get('eth0/ndp')!,
    advance: (ms: number) => {
      nowMs += ms;
    },
    beat: () => fence.beat(),
    resume: () => fence.resume(),
    fencedEvents: () => fencedEvents,
    ask: (target: IP) => arp.receive(arpRequest(clientMac, ip('192.0.2.99'), target)),
  };
}

test('answers ARP for a led IP with its own MAC, counts it, and ignores other IPs', () => {
  const { thread, arp, ask } = setup();
  thread.setLed([vip], new Map());
  ask(vip);
  assert.equal(arp.sent.length, 1);
  const reply = arp.sent[0]!;
  assert.equal(Buffer.from(reply.subarray(22, 28)).toString('hex'), '020000000001', 'sender MAC is ours');
  assert.deepEqual([...reply.subarray(28, 32)], [192, 0, 2, 10], 'sender IP is the VIP');
  ask(ip('192.0.2.11'));
  assert.equal(arp.sent.length, 1, 'an IP not led gets no answer');
  assert.deepEqual(thread.stats().byIp['192.0.2.10'], {
    requestsReceived: 1,
    responsesSent: 1,
    gratuitousSent: 0,
  });
});

test('an IP restricted to another interface is not answered here', () => {
  const { thread, arp, ask } = setup();
  thread.setLed([vip], new Map([['192.0.2.10', ['eth1']]]));
  ask(vip);
  assert.equal(arp.sent.length, 0);
});

test('IPv6 addresses join their solicited-node group, and leave it when no longer led', () => {
  const { thread, ndp } = setup();
  thread.setLed([ip('2001:db8::10')], new Map());
  assert.deepEqual([...ndp.groups], ['3333ff000010']);
  thread.setLed([], new Map());
  assert.deepEqual([...ndp.groups], []);
});

test('announce sends gratuitous frames at once, counted', () => {
  const { thread, arp } = setup();
  thread.setLed([vip], new Map());
  thread.announce(vip);
  assert.ok(arp.sent.length >= 1);
  assert.equal(thread.stats().byIp['192.0.2.10']?.gratuitousSent, arp.sent.length);
  thread.close();
  assert.equal(arp.closed, true);
});

test('no beat for longer than fenceAfterMs: silent until resumed after the beat is back', () => {
  const { thread, arp, ask, advance, beat, resume, fencedEvents } = setup();
  thread.setLed([vip], new Map());
  beat();
  ask(vip);
  assert.equal(arp.sent.length, 1);
  advance(301);
  ask(vip);
  assert.equal(arp.sent.length, 1, 'fenced: no answer');
  assert.equal(fencedEvents(), 1);
  assert.equal(thread.stats().ignored['main thread stalled'], 1);
  assert.equal(resume(), false, 'a resume while the beat is still missing is refused');
  beat();
  ask(vip); // the beat is seen, but the fence stays until the speaker resumes it
  assert.equal(arp.sent.length, 1);
  assert.equal(fencedEvents(), 1, 'the beat after the stall does not report the fence again');
  assert.equal(resume(), true);
  ask(vip);
  assert.equal(arp.sent.length, 2);
});

test('solicit asks the segment for each peer of the same family, from our address, unless fenced', () => {
  const { thread, arp, ndp, advance } = setup();
  thread.solicit(ip('192.0.2.1'), [ip('192.0.2.2'), ip('2001:db8::2')]);
  assert.equal(arp.sent.length, 1, 'one ARP request: the IPv6 peer is not asked over IPv4');
  assert.equal(ndp.sent.length, 0);
  const request = arp.sent[0]!;
  assert.equal(Buffer.from(request.subarray(0, 6)).toString('hex'), 'ffffffffffff', 'broadcast');
  assert.deepEqual([...request.subarray(28, 32)], [192, 0, 2, 1], 'sender IP is ours');
  assert.deepEqual([...request.subarray(38, 42)], [192, 0, 2, 2], 'target IP is the peer');
  thread.solicit(ip('2001:db8::1'), [ip('2001:db8::2')]);
  assert.equal(ndp.sent.length, 1, 'a neighbour solicitation for the IPv6 peer');
  advance(301);
  thread.solicit(ip('192.0.2.1'), [ip('192.0.2.2')]);
  assert.equal(arp.sent.length, 1, 'fenced: nothing sent');
});
