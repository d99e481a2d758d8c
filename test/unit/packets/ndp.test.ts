import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { formatIP, parseIP } from '../../../common/ip-address.ts';
import { etherTypeIPv6, parseEthernet } from '../../../speaker/packets/ethernet.ts';
import {
  buildNeighborAdvertisementFrame,
  buildNeighborSolicitationFrame,
  ipv6MulticastMac,
  type NeighborAdvertisement,
  type NeighborSolicitation,
  parseNeighborDiscovery,
  solicitedAdvertisementFrame,
  solicitedNodeMulticast,
  unsolicitedAdvertisementFrame,
} from '../../../speaker/packets/ndp.ts';
import { captured, hex, macA, macB } from './captured-frames.ts';
import { ipBytes, patched, withIcmpv6 } from './frame-helpers.ts';
import { malformedNdp, ndFixedPart, sourceLinkLayerOption } from './malformed-frames.ts';

const ns = captured.neighborSolicitation;
const dad = captured.dadSolicitation;
const na = captured.neighborAdvertisement;

test('parses captured NS, NA and DAD frames', () => {
  assert.deepEqual(parseNeighborDiscovery(ns, 14), {
    type: 135,
    source: ipBytes('fe80::ff:fe00:a'),
    destination: ipBytes('ff02::1:ff00:b'),
    target: ipBytes('2001:db8::b'),
    sourceLinkLayer: macA,
  });
  assert.deepEqual(parseNeighborDiscovery(na, 14), {
    type: 136,
    source: ipBytes('2001:db8::b'),
    destination: ipBytes('fe80::ff:fe00:a'),
    target: ipBytes('2001:db8::b'),
    router: false,
    solicited: true,
    override: true,
    targetLinkLayer: macB,
  });
  // The nonce option (type 14) is skipped; a DAD probe carries no source link-layer option.
  assert.deepEqual(parseNeighborDiscovery(dad, 14), {
    type: 135,
    source: ipBytes('::'),
    destination: ipBytes('ff02::1:ff00:b'),
    target: ipBytes('fe80::ff:fe00:b'),
    sourceLinkLayer: undefined,
  });
});

test('other IPv6 traffic is not neighbor discovery', () => {
  assert.equal(parseNeighborDiscovery(captured.routerSolicitation, 14), 'not neighbor discovery');
  assert.equal(parseNeighborDiscovery(patched(ns, 20, 17), 14), 'not neighbor discovery');
});

test('the answer to an NS is byte-identical to the Linux kernel', () => {
  const parsed = parseNeighborDiscovery(ns, 14);
  assert.ok(typeof parsed === 'object' && parsed.type === 135);
  assert.deepEqual(solicitedAdvertisementFrame(parsed, macA, macB), na);
});

test('a DAD probe is answered to all nodes with Solicited clear', () => {
  const parsed = parseNeighborDiscovery(dad, 14);
  assert.ok(typeof parsed === 'object' && parsed.type === 135);
  const answer = solicitedAdvertisementFrame(parsed, macB, macA);
  assert.deepEqual(parseEthernet(answer), {
    destination: hex('333300000001'),
    source: macA,
    etherType: etherTypeIPv6,
  });
  assert.deepEqual(parseNeighborDiscovery(answer, 14), {
    type: 136,
    source: ipBytes('fe80::ff:fe00:b'),
    destination: ipBytes('ff02::1'),
    target: ipBytes('fe80::ff:fe00:b'),
    router: false,
    solicited: false,
    override: true,
    targetLinkLayer: macA,
  });
});

test('an unsolicited NA goes to ff02::1 from the target, Override set and Solicited clear', () => {
  const frame = unsolicitedAdvertisementFrame(ipBytes('2001:db8::5'), macA);
  assert.deepEqual(parseEthernet(frame), {
    destination: hex('333300000001'),
    source: macA,
    etherType: etherTypeIPv6,
  });
  assert.equal(frame[21], 255);
  assert.deepEqual(parseNeighborDiscovery(frame, 14), {
    type: 136,
    source: ipBytes('2001:db8::5'),
    destination: ipBytes('ff02::1'),
    target: ipBytes('2001:db8::5'),
    router: false,
    solicited: false,
    override: true,
    targetLinkLayer: macA,
  });
});

const nonce = [14, 1, 1, 2, 3, 4, 5, 6];

test('malformed NDP is dropped with a reason', () => {
  for (const [name, frame, reason] of malformedNdp)
    assert.equal(parseNeighborDiscovery(frame, 14), reason, name);
});

test('unknown options are skipped, the first link-layer option counts, padding is ignored', () => {
  const withNonceFirst = withIcmpv6(
    ns,
    Uint8Array.from([...ndFixedPart(135, '2001:db8::b'), ...nonce, ...sourceLinkLayerOption(macA)]),
  );
  const twice = withIcmpv6(
    ns,
    Uint8Array.from([
      ...ndFixedPart(135, '2001:db8::b'),
      ...sourceLinkLayerOption(macA),
      ...sourceLinkLayerOption(macB),
    ]),
  );
  const targetOptionInNs = withIcmpv6(
    ns,
    Uint8Array.from([...ndFixedPart(135, '2001:db8::b'), 2, 1, ...macB]),
  );
  for (const frame of [withNonceFirst, twice]) {
    const parsed = parseNeighborDiscovery(frame, 14);
    assert.ok(typeof parsed === 'object' && parsed.type === 135);
    assert.deepEqual(parsed.sourceLinkLayer, macA);
  }
  const parsed = parseNeighborDiscovery(targetOptionInNs, 14);
  assert.ok(typeof parsed === 'object' && parsed.type === 135);
  assert.equal(parsed.sourceLinkLayer, undefined);
  const padded = new Uint8Array(ns.length + 10);
  padded.set(ns);
  assert.deepEqual(parseNeighborDiscovery(padded, 14), parseNeighborDiscovery(ns, 14));
});

// Addresses that are neither multicast nor (for sources) unspecified, as RFC 4861 §7.1 requires.
const unicastArb = fc
  .uint8Array({ minLength: 16, maxLength: 16 })
  .filter((b) => b[0] !== 0xff && b.some((x) => x !== 0));
const macArb = fc.uint8Array({ minLength: 6, maxLength: 6 });

test('parse(build(x)) = x for any valid NS', () => {
  fc.assert(
    fc.property(
      macArb,
      macArb,
      unicastArb,
      unicastArb,
      unicastArb,
      macArb,
      (ethDst, ethSrc, source, destination, target, lla) => {
        const solicitation: NeighborSolicitation = {
          type: 135,
          source,
          destination,
          target,
          sourceLinkLayer: lla,
        };
        const frame = buildNeighborSolicitationFrame(ethDst, ethSrc, solicitation);
        assert.deepEqual(parseEthernet(frame), {
          destination: ethDst,
          source: ethSrc,
          etherType: etherTypeIPv6,
        });
        assert.deepEqual(parseNeighborDiscovery(frame, 14), solicitation);
      },
    ),
  );
});

test('parse(build(x)) = x for any valid NA', () => {
  fc.assert(
    fc.property(
      unicastArb,
      unicastArb,
      unicastArb,
      fc.boolean(),
      fc.boolean(),
      fc.boolean(),
      fc.option(macArb, { nil: undefined }),
      (source, destination, target, router, solicited, override, targetLinkLayer) => {
        const advertisement: NeighborAdvertisement = {
          type: 136,
          source,
          destination,
          target,
          router,
          solicited,
          override,
          targetLinkLayer,
        };
        const frame = buildNeighborAdvertisementFrame(macA, macB, advertisement);
        assert.equal(frame.length, targetLinkLayer === undefined ? 78 : 86);
        assert.deepEqual(parseNeighborDiscovery(frame, 14), advertisement);
      },
    ),
  );
});

test('solicited-node multicast groups and their MACs', () => {
  const cases: [string, string, string][] = [
    ['2001:db8::b', 'ff02::1:ff00:b', '3333ff00000b'],
    ['2001:db8::1:2345:6789', 'ff02::1:ff45:6789', '3333ff456789'],
    ['fe80::ff:fe00:a', 'ff02::1:ff00:a', '3333ff00000a'],
  ];
  for (const [address, group, mac] of cases) {
    const solicited = solicitedNodeMulticast(parseIP(address)!);
    assert.equal(formatIP(solicited), group);
    assert.deepEqual(ipv6MulticastMac(solicited), hex(mac));
  }
  assert.throws(() => solicitedNodeMulticast(parseIP('192.0.2.1')!), /192\.0\.2\.1 is not an IPv6 address/);
});
