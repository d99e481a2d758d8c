// 1,000,000+ hostile frames through answerFrame: random bytes, and valid requests mutated (bits flipped,
// bytes set, cut, extended, addresses swapped, checksums fixed up so mutations reach past the checksum).
// Properties: it never throws, never replies for an address not led, and every reply parses back as a
// valid reply from our MAC for a led address. The oracle for "led" is a string set, independent of
// LedAddresses.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { formatIP, ipFromBytes, parseIP } from '../../../common/ip-address.ts';
import { arpOperationReply, parseArp } from '../../../speaker/packets/arp.ts';
import { isMulticastMac, isZeroMac, parseEthernet } from '../../../speaker/packets/ethernet.ts';
import { buildNeighborSolicitationFrame, parseNeighborDiscovery } from '../../../speaker/packets/ndp.ts';
import { answerFrame, LedAddresses, type Verdict } from '../../../speaker/packets/responder.ts';
import { captured, hex, macA, macB } from './captured-frames.ts';
import { ipBytes, patched, rechecksum } from './frame-helpers.ts';

const ourMac = macB;
const ledTexts = ['192.0.2.11', '192.0.2.13', '2001:db8::b', 'fe80::ff:fe00:b', '2001:db8::1:b'];
const owned = new Set(ledTexts.map((text) => formatIP(parseIP(text)!)));
const led = new LedAddresses();
led.set(ledTexts.map((text) => parseIP(text)!));

/** Addresses to splice into frames: led ones and near misses. */
const spliceAddresses = [...ledTexts, '192.0.2.12', '0.0.0.0', '2001:db8::c', 'ff02::1:ff00:b', '::'].map(
  ipBytes,
);

const seeds: readonly Uint8Array[] = [
  captured.arpRequest,
  patched(captured.arpRequest, 0, ...macB),
  captured.arpProbe,
  patched(captured.arpRequest, 38, 192, 0, 2, 13),
  captured.arpGratuitousRequest,
  captured.arpGratuitousReply,
  captured.neighborSolicitation,
  patched(captured.dadSolicitation, 6, ...macA),
  buildNeighborSolicitationFrame(macB, macA, {
    source: ipBytes('2001:db8::a'),
    destination: ipBytes('2001:db8::1:b'),
    target: ipBytes('2001:db8::1:b'),
    sourceLinkLayer: undefined,
  }),
  captured.neighborAdvertisement,
  captured.routerSolicitation,
];

function ownedAddress(bytes: Uint8Array): boolean {
  const ip = ipFromBytes(bytes);
  return ip !== undefined && owned.has(formatIP(ip));
}

/** Checks a reply with the codecs and the string oracle; returns nothing, throws on any violation. */
function checkReply(request: Uint8Array, reply: Uint8Array): void {
  const ethernet = parseEthernet(reply);
  assert.ok(typeof ethernet === 'object');
  assert.deepEqual(ethernet.source, ourMac);
  assert.ok(!isZeroMac(ethernet.destination, 0));
  if (ethernet.etherType === 0x0806) {
    const arp = parseArp(reply, 14);
    assert.ok(typeof arp === 'object', String(arp));
    assert.equal(arp.operation, arpOperationReply);
    assert.deepEqual(arp.senderMac, ourMac);
    assert.ok(ownedAddress(arp.senderIp), 'ARP reply for an address not led');
    assert.deepEqual(ethernet.destination, arp.targetMac);
    assert.ok(!isMulticastMac(arp.targetMac, 0));
    const asked = parseArp(request, 14);
    assert.ok(typeof asked === 'object' && asked.operation === 1);
    assert.deepEqual(arp.senderIp, asked.targetIp);
    return;
  }
  assert.equal(ethernet.etherType, 0x86dd);
  const advertisement = parseNeighborDiscovery(reply, 14);
  assert.ok(typeof advertisement === 'object' && advertisement.type === 136, String(advertisement));
  assert.ok(ownedAddress(advertisement.target), 'NA for an address not led');
  assert.deepEqual(advertisement.source, advertisement.target);
  assert.deepEqual(advertisement.targetLinkLayer, ourMac);
  assert.equal(advertisement.override, true);
  assert.equal(advertisement.router, false);
  const toAllNodes = advertisement.destination[0] === 0xff;
  assert.equal(advertisement.solicited, !toAllNodes);
  if (toAllNodes) assert.deepEqual(ethernet.destination, hex('333300000001'));
  else assert.ok(!isMulticastMac(ethernet.destination, 0));
}

const tally = { frames: 0, reply: 0, ignore: 0, drop: 0 };

function judge(frame: Uint8Array): Verdict {
  const verdict = answerFrame(frame, ourMac, led);
  tally.frames++;
  tally[verdict.kind]++;
  if (verdict.kind === 'reply') checkReply(frame, verdict.frame);
  return verdict;
}

/** xorshift32: a cheap deterministic stream for the bulk of the mutations. */
function random(seed: number): (bound: number) => number {
  let state = seed | 0 || 1;
  return (bound) => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) % bound;
  };
}

const interesting = [0, 1, 0x7f, 0x80, 0xfe, 0xff, 6, 4, 8, 58, 135, 136, 0x33];

function mutate(seed: Uint8Array, next: (bound: number) => number): Uint8Array {
  let frame = seed.slice();
  const count = 1 + next(4);
  for (let m = 0; m < count; m++) {
    const at = frame.length === 0 ? 0 : next(frame.length);
    switch (next(7)) {
      case 0:
        if (frame.length > 0) frame[at]! ^= 1 << next(8);
        break;
      case 1:
        if (frame.length > 0) frame[at] = next(256);
        break;
      case 2:
        if (frame.length > 0) frame[at] = interesting[next(interesting.length)]!;
        break;
      case 3:
        frame = frame.slice(0, next(frame.length + 1));
        break;
      case 4: {
        const longer = new Uint8Array(frame.length + 1 + next(24));
        longer.set(frame);
        for (let i = frame.length; i < longer.length; i++) longer[i] = next(256);
        frame = longer;
        break;
      }
      case 5: {
        const address = spliceAddresses[next(spliceAddresses.length)]!;
        // Where addresses live: ARP sender/target IP, IPv6 source/destination, NS/NA target.
        const places = address.length === 4 ? [28, 38] : [22, 38, 62];
        const place = places[next(places.length)]!;
        if (place + address.length <= frame.length) frame.set(address, place);
        break;
      }
      default: {
        const mac = [ourMac, macA, hex('ffffffffffff'), hex('333300000001'), hex('000000000000')][next(5)]!;
        const place = [0, 6, 22, 32, 80][next(5)]!;
        if (place + 6 <= frame.length) frame.set(mac, place);
      }
    }
  }
  // Half the IPv6 frames get a fixed-up checksum, so that mutations are judged by the later checks.
  if (frame.length >= 54 && frame[12] === 0x86 && frame[13] === 0xdd && next(2) === 0) rechecksum(frame);
  return frame;
}

const seededMutations = 700_000;
const structuredMutations = 150_000;
const randomFrames = 150_000;

test('seeded mutations of valid requests: no throw, no reply for an address not led', () => {
  const next = random(0x5eed);
  for (let i = 0; i < seededMutations; i++) judge(mutate(seeds[i % seeds.length]!, next));
});

test('fast-check mutations of valid requests', () => {
  fc.assert(
    fc.property(fc.nat(seeds.length - 1), fc.integer(), (index, seed) => {
      judge(mutate(seeds[index]!, random(seed)));
    }),
    { numRuns: structuredMutations },
  );
});

test('fast-check random frames, bare or behind a plausible Ethernet header', () => {
  const headers = [
    hex(''),
    hex('ffffffffffff 02000000000a 0806'),
    hex('3333ff00000b 02000000000a 86dd 6000000000203aff'),
  ];
  fc.assert(
    fc.property(fc.nat(headers.length - 1), fc.uint8Array({ maxLength: 100 }), (index, body) => {
      const header = headers[index]!;
      const frame = new Uint8Array(header.length + body.length);
      frame.set(header);
      frame.set(body, header.length);
      judge(frame);
    }),
    { numRuns: randomFrames },
  );
});

test('the fuzz covered a million frames and reached replies, ignores and drops', () => {
  assert.ok(tally.frames >= 1_000_000, `only ${tally.frames} frames`);
  assert.ok(tally.reply > 10_000, `only ${tally.reply} replies`);
  assert.ok(tally.ignore > 10_000, `only ${tally.ignore} ignored`);
  assert.ok(tally.drop > 10_000, `only ${tally.drop} dropped`);
});
