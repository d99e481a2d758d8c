import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseIP } from '../../../common/ip-address.ts';
import { gratuitousArpFrames } from '../../../speaker/packets/arp.ts';
import {
  buildNeighborAdvertisementFrame,
  buildNeighborSolicitationFrame,
  unsolicitedAdvertisementFrame,
} from '../../../speaker/packets/ndp.ts';
import {
  answerFrame,
  dropReasons,
  gratuitousFrames,
  ignoreReasons,
  type LedAddresses,
  type Verdict,
} from '../../../speaker/packets/responder.ts';
import { captured, hex, macA, macB } from './captured-frames.ts';
import { ipBytes, ledOf, patched, patchedNdp, withIcmpv6 } from './frame-helpers.ts';
import { malformedArp, malformedNdp, ndFixedPart } from './malformed-frames.ts';

const macC = hex('02000000000c');
const arp = captured.arpRequest;
const ns = captured.neighborSolicitation;
const dad = captured.dadSolicitation;
/** B answers for its own addresses, as its kernel did in the capture. */
const ledB = ledOf('192.0.2.11', '2001:db8::b');

type Expected = { readonly reply: Uint8Array } | { readonly ignore: string } | { readonly drop: string };
type Row = readonly [
  name: string,
  frame: Uint8Array,
  ourMac: Uint8Array,
  led: LedAddresses,
  expected: Expected,
];

/** A unicast NUD probe the way BSD and Windows send it: to the target's MAC and address, no source LLA. */
const nudProbe = buildNeighborSolicitationFrame(macB, macA, {
  source: ipBytes('2001:db8::a'),
  destination: ipBytes('2001:db8::b'),
  target: ipBytes('2001:db8::b'),
  sourceLinkLayer: undefined,
});
const nudAnswer = buildNeighborAdvertisementFrame(macA, macB, {
  source: ipBytes('2001:db8::b'),
  destination: ipBytes('2001:db8::a'),
  target: ipBytes('2001:db8::b'),
  router: false,
  solicited: true,
  override: true,
  targetLinkLayer: macB,
});
/** Someone else (A) advertising 2001:db8::b, which we (C) lead. */
const foreignAdvertisement = unsolicitedAdvertisementFrame(ipBytes('2001:db8::b'), macA);

const rows: readonly Row[] = [
  // Answers, byte for byte what Linux sends.
  ['broadcast ARP request', arp, macB, ledB, { reply: captured.arpReply }],
  ['ARP request unicast to our MAC', patched(arp, 0, ...macB), macB, ledB, { reply: captured.arpReply }],
  [
    'ARP request padded to 60 bytes',
    Uint8Array.from([...arp, ...new Uint8Array(18)]),
    macB,
    ledB,
    { reply: captured.arpReply },
  ],
  ['RFC 5227 probe', captured.arpProbe, macB, ledB, { reply: captured.arpProbeReply }],
  ['NS to the solicited-node group', ns, macB, ledB, { reply: captured.neighborAdvertisement }],
  ['NS unicast to our MAC', patched(ns, 0, ...macB), macB, ledB, { reply: captured.neighborAdvertisement }],
  ['unicast NS without source LLA', nudProbe, macB, ledB, { reply: nudAnswer }],
  [
    'DAD probe for an address we lead',
    dad,
    macC,
    ledOf('fe80::ff:fe00:b'),
    { reply: unsolicitedAdvertisementFrame(ipBytes('fe80::ff:fe00:b'), macC) },
  ],

  // Well-formed, not ours to answer.
  ['IPv4 frame', patched(arp, 12, 0x08, 0x00), macB, ledB, { ignore: 'other ethertype' }],
  ['our own request looped back', arp, macA, ledOf('192.0.2.11'), { ignore: 'sent by us' }],
  [
    'ARP request unicast to another MAC',
    patched(arp, 0, ...macC),
    macB,
    ledB,
    { ignore: 'not addressed to us' },
  ],
  [
    'ARP request to a multicast MAC',
    patched(arp, 0, 0x01, 0, 0x5e, 0, 0, 1),
    macB,
    ledB,
    { ignore: 'not addressed to us' },
  ],
  [
    'NS to another group MAC',
    patched(ns, 0, 0x33, 0x33, 0xff, 0, 0, 0x0c),
    macB,
    ledB,
    { ignore: 'not addressed to us' },
  ],
  [
    'NS to broadcast',
    patched(ns, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff),
    macB,
    ledB,
    { ignore: 'not addressed to us' },
  ],
  ['NS unicast to another MAC', patched(ns, 0, ...macC), macB, ledB, { ignore: 'not addressed to us' }],
  ['ARP reply', captured.arpReply, macA, ledOf('192.0.2.10'), { ignore: 'not a request' }],
  ['ARP operation 8 (InARP)', patched(arp, 20, 0, 8), macB, ledB, { ignore: 'not a request' }],
  ['NA', captured.neighborAdvertisement, macA, ledOf('2001:db8::a'), { ignore: 'not a request' }],
  ['router solicitation', captured.routerSolicitation, macB, ledB, { ignore: 'not neighbor discovery' }],
  [
    'gratuitous ARP request of another host',
    captured.arpGratuitousRequest,
    macB,
    ledB,
    { ignore: 'gratuitous' },
  ],
  ['gratuitous ARP reply of another host', captured.arpGratuitousReply, macB, ledB, { ignore: 'gratuitous' }],
  [
    'gratuitous ARP for our address',
    captured.arpGratuitousRequest,
    macB,
    ledOf('192.0.2.10'),
    { ignore: 'address conflict' },
  ],
  [
    'gratuitous ARP reply for our address',
    captured.arpGratuitousReply,
    macB,
    ledOf('192.0.2.10'),
    { ignore: 'address conflict' },
  ],
  ['ARP request from our address', arp, macB, ledOf('192.0.2.10'), { ignore: 'address conflict' }],
  ['NS from our address', ns, macB, ledOf('fe80::ff:fe00:a'), { ignore: 'address conflict' }],
  [
    'NS from and for our address',
    patchedNdp(ns, 22, ...ipBytes('2001:db8::b')),
    macB,
    ledB,
    { ignore: 'address conflict' },
  ],
  ['NA for our address from another MAC', foreignAdvertisement, macC, ledB, { ignore: 'address conflict' }],
  ['ARP request for an address we do not lead', arp, macB, ledOf('192.0.2.12'), { ignore: 'not led' }],
  [
    'ARP probe for an address we do not lead',
    captured.arpProbe,
    macB,
    ledOf('2001:db8::b'),
    { ignore: 'not led' },
  ],
  ['NS for an address we do not lead', ns, macB, ledOf('2001:db8::c', '192.0.2.11'), { ignore: 'not led' }],
  ['DAD for an address we do not lead', dad, macC, ledB, { ignore: 'not led' }],

  // Malformed or hostile.
  ['13 bytes', arp.subarray(0, 13), macB, ledB, { drop: 'ethernet truncated' }],
  ['empty frame', new Uint8Array(0), macB, ledB, { drop: 'ethernet truncated' }],
  [
    'multicast source MAC',
    patched(arp, 6, 0x01, 0, 0x5e, 0, 0, 1),
    macB,
    ledB,
    { drop: 'source mac multicast' },
  ],
  [
    'broadcast source MAC',
    patched(arp, 6, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff),
    macB,
    ledB,
    { drop: 'source mac multicast' },
  ],
  ['zero source MAC', patched(arp, 6, 0, 0, 0, 0, 0, 0), macB, ledB, { drop: 'source mac zero' }],
  [
    'ARP sender MAC broadcast',
    patched(arp, 22, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff),
    macB,
    ledB,
    { drop: 'arp sender mac invalid' },
  ],
  ['ARP sender MAC zero', patched(arp, 22, 0, 0, 0, 0, 0, 0), macB, ledB, { drop: 'arp sender mac invalid' }],
  ['ARP sender IP loopback', patched(arp, 28, 127, 0, 0, 1), macB, ledB, { drop: 'arp sender ip martian' }],
  ['ARP sender IP multicast', patched(arp, 28, 224, 0, 0, 1), macB, ledB, { drop: 'arp sender ip martian' }],
  [
    'ARP sender IP broadcast',
    patched(arp, 28, 255, 255, 255, 255),
    macB,
    ledB,
    { drop: 'arp sender ip martian' },
  ],
  ['ARP sender IP in 0/8', patched(arp, 28, 0, 1, 2, 3), macB, ledB, { drop: 'arp sender ip martian' }],
  [
    'NS with a multicast source LLA',
    patchedNdp(ns, 80, 0x33, 0x33, 0, 0, 0, 1),
    macB,
    ledB,
    { drop: 'ndp link-layer address invalid' },
  ],
  [
    'NS with a zero source LLA',
    patchedNdp(ns, 80, 0, 0, 0, 0, 0, 0),
    macB,
    ledB,
    { drop: 'ndp link-layer address invalid' },
  ],
  [
    'multicast NS without source LLA',
    withIcmpv6(ns, Uint8Array.from(ndFixedPart(135, '2001:db8::b'))),
    macB,
    ledB,
    { drop: 'multicast solicitation without source link-layer option' },
  ],
  ...malformedArp.map(([name, frame, reason]): Row => [name, frame, macC, ledB, { drop: reason }]),
  ...malformedNdp.map(([name, frame, reason]): Row => [name, frame, macC, ledB, { drop: reason }]),
];

function describe(verdict: Verdict): Expected {
  if (verdict.kind === 'reply') return { reply: verdict.frame };
  return verdict.kind === 'ignore' ? { ignore: verdict.reason } : { drop: verdict.reason };
}

test('answers, ignores and drops frames as the table says', () => {
  for (const [name, frame, ourMac, led, expected] of rows) {
    assert.deepEqual(describe(answerFrame(frame, ourMac, led)), expected, name);
  }
});

test('the table exercises every ignore and drop reason', () => {
  const seen = new Set(
    rows.map(([, , , , expected]) =>
      'ignore' in expected ? expected.ignore : 'drop' in expected ? expected.drop : 'reply',
    ),
  );
  for (const reason of [...ignoreReasons, ...dropReasons]) assert.ok(seen.has(reason), reason);
});

test('the source LLA, not the Ethernet source, receives the NA', () => {
  const viaBridge = patched(ns, 6, ...macC); // e.g. a proxy relaying A's solicitation
  const verdict = answerFrame(viaBridge, macB, ledB);
  assert.deepEqual(describe(verdict), { reply: captured.neighborAdvertisement });
});

test('a reply never names an address that is not led', () => {
  // The same request, answered exactly when the led set holds its target.
  for (const led of [ledOf(), ledOf('192.0.2.12'), ledOf('2001:db8::b'), ledOf('192.0.2.11')]) {
    const verdict = answerFrame(arp, macB, led);
    assert.equal(verdict.kind === 'reply', led.has(ipBytes('192.0.2.11'), 0, 4));
  }
});

test('a reply says which led IP it answers for: its position in the led list', () => {
  const led = ledOf('192.0.2.99', '2001:db8::b', '192.0.2.11');
  const arpReply = answerFrame(arp, macB, led);
  const ndpReply = answerFrame(ns, macB, led);
  assert.equal(arpReply.kind === 'reply' && arpReply.ledIndex, 2);
  assert.equal(ndpReply.kind === 'reply' && ndpReply.ledIndex, 1);
});

test('gratuitous frames: both ARP forms for IPv4, an unsolicited NA for IPv6', () => {
  assert.deepEqual(
    gratuitousFrames(parseIP('192.0.2.10')!, macA),
    gratuitousArpFrames(ipBytes('192.0.2.10'), macA),
  );
  assert.deepEqual(gratuitousFrames(parseIP('192.0.2.10')!, macA)[1], captured.arpGratuitousReply);
  assert.deepEqual(gratuitousFrames(parseIP('2001:db8::5')!, macA), [
    unsolicitedAdvertisementFrame(ipBytes('2001:db8::5'), macA),
  ]);
});

test('ignore and drop verdicts are shared constants', () => {
  assert.equal(answerFrame(new Uint8Array(0), macB, ledB), answerFrame(new Uint8Array(3), macB, ledB));
  assert.ok(Object.isFrozen(answerFrame(new Uint8Array(0), macB, ledB)));
});

test('frames may be views into a larger receive buffer', () => {
  const slots = new Uint8Array(3 * 1536);
  slots.set(captured.arpRequest, 1536);
  slots.set(ns, 2 * 1536);
  const arpVerdict = answerFrame(slots.subarray(1536, 1536 + arp.length), macB, ledB);
  const nsVerdict = answerFrame(slots.subarray(2 * 1536, 2 * 1536 + ns.length), macB, ledB);
  assert.deepEqual(describe(arpVerdict), { reply: captured.arpReply });
  assert.deepEqual(describe(nsVerdict), { reply: captured.neighborAdvertisement });
});
