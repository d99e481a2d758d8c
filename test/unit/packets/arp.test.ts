import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import {
  type ArpPacket,
  arpReplyFrame,
  buildArpFrame,
  gratuitousArpFrames,
  parseArp,
} from '../../../speaker/packets/arp.ts';
import { etherTypeArp, parseEthernet } from '../../../speaker/packets/ethernet.ts';
import { captured, hex, macA, macB } from './captured-frames.ts';
import { ipBytes } from './frame-helpers.ts';
import { malformedArp } from './malformed-frames.ts';

test('parses a captured arping request', () => {
  const ethernet = parseEthernet(captured.arpRequest);
  assert.deepEqual(ethernet, { destination: hex('ffffffffffff'), source: macA, etherType: etherTypeArp });
  assert.deepEqual(parseArp(captured.arpRequest, 14), {
    operation: 1,
    senderMac: macA,
    senderIp: ipBytes('192.0.2.10'),
    targetMac: hex('ffffffffffff'),
    targetIp: ipBytes('192.0.2.11'),
  });
});

test('malformed ARP is dropped with a reason; padding to 60 bytes is fine', () => {
  for (const [name, frame, reason] of malformedArp) assert.equal(parseArp(frame, 14), reason, name);
  const padded = new Uint8Array(60);
  padded.set(captured.arpRequest);
  assert.deepEqual(parseArp(padded, 14), parseArp(captured.arpRequest, 14));
});

const macArb = fc.uint8Array({ minLength: 6, maxLength: 6 });
const ipv4Arb = fc.uint8Array({ minLength: 4, maxLength: 4 });

test('parse(build(x)) = x for any ARP packet', () => {
  fc.assert(
    fc.property(
      macArb,
      macArb,
      fc.record({
        operation: fc.integer({ min: 0, max: 0xffff }),
        senderMac: macArb,
        senderIp: ipv4Arb,
        targetMac: macArb,
        targetIp: ipv4Arb,
      }),
      (destination, source, packet: ArpPacket) => {
        const frame = buildArpFrame(destination, source, packet);
        assert.equal(frame.length, 42);
        assert.deepEqual(parseEthernet(frame), { destination, source, etherType: etherTypeArp });
        assert.deepEqual(parseArp(frame, 14), { ...packet });
      },
    ),
  );
});

test('replies and probe replies are byte-identical to the Linux kernel', () => {
  for (const [request, reply] of [
    [captured.arpRequest, captured.arpReply],
    [captured.arpProbe, captured.arpProbeReply],
  ] as const) {
    const parsed = parseArp(request, 14);
    assert.ok(typeof parsed === 'object');
    assert.deepEqual(arpReplyFrame(parsed, macB), reply);
  }
});

test('gratuitous ARP: a request with zero target MAC and a reply with target MAC = ours, both broadcast', () => {
  const [request, reply] = gratuitousArpFrames(ipBytes('192.0.2.10'), macA);
  assert.deepEqual(
    request,
    hex('ffffffffffff 02000000000a 0806 0001 0800 0604 0001 02000000000a c000020a 000000000000 c000020a'),
  );
  // What `arping -A` sends, which Linux's neighbour cache accepts within locktime.
  assert.deepEqual(reply, captured.arpGratuitousReply);
});
