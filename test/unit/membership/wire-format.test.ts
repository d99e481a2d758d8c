import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import type { Message } from '../../../speaker/membership/messages.ts';
import { type DropReason, WireCodec } from '../../../speaker/membership/wire-format.ts';

const secret = 'correct horse battery staple';
const now = 1_800_000_000_000;
const ping: Message = {
  kind: 'ping',
  from: 'node-a',
  incarnation: 1_700_000_000_123,
  seq: 42,
  target: 'node-b',
  updates: [{ node: 'node-c', state: 'suspect', incarnation: 3 }],
};

function reencode(message: unknown, key = secret): Buffer {
  return new WireCodec(key).encode(message as Message, now);
}

describe('WireCodec', () => {
  const messages: Message[] = [
    ping,
    { kind: 'ack', from: 'node-b', incarnation: 0, seq: 42, updates: [] },
    { kind: 'ping-req', from: 'node-a', incarnation: 2, seq: 7, target: 'node-c', updates: [] },
    {
      kind: 'gossip',
      from: 'node-a',
      incarnation: 2,
      updates: [{ node: 'node-a', state: 'left', incarnation: 2 }],
    },
  ];
  for (const message of messages) {
    test(`round trip: ${message.kind}`, () => {
      assert.deepEqual(new WireCodec(secret).decode(reencode(message), now), { ok: true, message });
    });
  }

  test('every datagram gets a nonce of its own, across refills of the nonce pool', () => {
    const codec = new WireCodec(secret);
    const receiver = new WireCodec(secret);
    const nonces = new Set<string>();
    for (let i = 0; i < 1000; i++) {
      const datagram = codec.encode(ping, now);
      nonces.add(datagram.subarray(13, 21).toString('hex'));
      assert.equal(receiver.decode(datagram, now).ok, true, `datagram ${i} is not taken for a replay`);
    }
    assert.equal(nonces.size, 1000);
  });

  test('extra fields are not passed through', () => {
    const decoded = new WireCodec(secret).decode(reencode({ ...ping, evil: true }), now);
    assert.deepEqual(decoded, { ok: true, message: ping });
  });

  const tampered = (f: (b: Buffer) => void) => {
    const b = reencode(ping);
    f(b);
    return b;
  };
  const drops: { name: string; datagram: Buffer; at?: number; reason: DropReason }[] = [
    { name: 'empty', datagram: Buffer.alloc(0), reason: 'too-short' },
    { name: 'header only', datagram: reencode(ping).subarray(0, 53), reason: 'too-short' },
    { name: 'other protocol', datagram: tampered((b) => b.write('HTTP', 0)), reason: 'bad-magic' },
    { name: 'future version', datagram: tampered((b) => b.writeUInt8(2, 4)), reason: 'bad-version' },
    { name: 'wrong secret', datagram: reencode(ping, 'another secret of enough length'), reason: 'bad-mac' },
    {
      name: 'flipped body bit',
      datagram: tampered((b) => {
        b[b.length - 3]! ^= 1;
      }),
      reason: 'bad-mac',
    },
    {
      name: 'moved timestamp',
      datagram: tampered((b) => b.writeBigUInt64BE(BigInt(now + 1), 5)),
      reason: 'bad-mac',
    },
    { name: 'captured 11 s ago', datagram: reencode(ping), at: now + 11_000, reason: 'stale' },
    { name: 'from 11 s in the future', datagram: reencode(ping), at: now - 11_000, reason: 'stale' },
    { name: 'not JSON', datagram: forge(Buffer.from('{nope')), reason: 'malformed' },
    { name: 'unknown kind', datagram: reencode({ ...ping, kind: 'shutdown' }), reason: 'malformed' },
    { name: 'negative incarnation', datagram: reencode({ ...ping, incarnation: -1 }), reason: 'malformed' },
    { name: 'ping without target', datagram: reencode({ ...ping, target: undefined }), reason: 'malformed' },
    {
      name: 'ack without seq',
      datagram: reencode({ kind: 'ack', from: 'x', incarnation: 0, updates: [] }),
      reason: 'malformed',
    },
    {
      name: 'bad update state',
      datagram: reencode({ ...ping, updates: [{ node: 'x', state: 'zombie', incarnation: 0 }] }),
      reason: 'malformed',
    },
    { name: 'updates not a list', datagram: reencode({ ...ping, updates: {} }), reason: 'malformed' },
    { name: 'empty sender', datagram: reencode({ ...ping, from: '' }), reason: 'malformed' },
  ];
  for (const d of drops) {
    test(`drops ${d.name} as ${d.reason}`, () => {
      assert.deepEqual(new WireCodec(secret).decode(d.datagram, d.at ?? now), {
        ok: false,
        reason: d.reason,
      });
    });
  }

  test('a replayed datagram is accepted once, then dropped until it is stale anyway', () => {
    const codec = new WireCodec(secret);
    const datagram = reencode(ping);
    assert.equal(codec.decode(datagram, now).ok, true);
    assert.deepEqual(codec.decode(datagram, now + 5_000), { ok: false, reason: 'replayed' });
    assert.deepEqual(codec.decode(datagram, now + 10_001), { ok: false, reason: 'stale' });
    assert.equal(codec.decode(reencode(ping), now + 1).ok, true, 'a fresh copy has a new nonce');
  });

  test('a short secret is refused with its length', () => {
    assert.throws(() => new WireCodec('short'), /at least 16 bytes, got 5/);
  });

  test('fuzz: random bytes and mutations never throw and never verify', () => {
    const codec = new WireCodec(secret);
    const valid = reencode(ping);
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 300 }), fc.nat(), (noise, at) => {
        const mutated = Buffer.from(valid);
        mutated[at % mutated.length]! ^= noise[0]! | 1;
        for (const datagram of [Buffer.from(noise), mutated])
          assert.equal(codec.decode(datagram, now).ok, false);
      }),
    );
  });
});

/** A datagram with a valid MAC around an arbitrary body: what an insider with the secret could send. */
function forge(body: Buffer): Buffer {
  const valid = reencode({ kind: 'gossip', from: 'x', incarnation: 0, updates: [] });
  const datagram = Buffer.concat([valid.subarray(0, 53), body]);
  createHmac('sha256', secret).update(datagram.subarray(0, 21)).update(body).digest().copy(datagram, 21);
  return datagram;
}

test('a datagram names the node it is for: another node refuses it, an older sender without the name passes', () => {
  const message: Message = { kind: 'gossip', from: 'node-a', incarnation: 1, updates: [] };
  const forB = new WireCodec(secret).encode(message, now, 'node-b');
  assert.deepEqual(new WireCodec(secret, { self: 'node-c' }).decode(forB, now), {
    ok: false,
    reason: 'misdirected',
  });
  assert.deepEqual(new WireCodec(secret, { self: 'node-b' }).decode(forB, now), { ok: true, message });
  const legacy = new WireCodec(secret).encode(message, now);
  assert.deepEqual(new WireCodec(secret, { self: 'node-c' }).decode(legacy, now), { ok: true, message });
});
