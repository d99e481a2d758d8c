// Datagrams between speakers: a fixed header, an HMAC-SHA256 over header and body with the shared
// secret, and a JSON body. Anything that does not verify is dropped with a reason, never thrown:
// the port is reachable by anyone on the node network.
//
//   0  magic "BLBM"   4  version (1)   5  timestamp, ms since epoch (uint64 BE)   13  nonce (8 bytes)
//   21 HMAC-SHA256(secret, bytes 0..20 ‖ body)   53  body: JSON of the Message
//
// The timestamp bounds how long a captured datagram stays replayable (maxClockSkewMs, so speakers'
// clocks must agree that closely — NTP does); within that window each nonce is accepted once. The
// body names the node it is for (`to`, under the MAC), so a datagram captured between two nodes and
// sent to a third is refused there: the replay cache alone is per receiver. A body without `to` comes
// from a speaker of an earlier release and is still taken, for the length of a rolling upgrade.

import { randomBytes, randomFillSync, timingSafeEqual } from 'node:crypto';
import { HmacSha256 } from './hmac-sha256.ts';
import type { MemberState, Message, Update } from './messages.ts';

const magic = Buffer.from('BLBM');
const version = 1;
const macOffset = 21;
const bodyOffset = macOffset + 32;
const maxUpdates = 64;
const maxNameLength = 253;

export const minSecretBytes = 16;
export const defaultMaxClockSkewMs = 10_000;

export type DropReason =
  | 'too-short'
  | 'bad-magic'
  | 'bad-version'
  | 'bad-mac'
  | 'stale'
  | 'replayed'
  | 'misdirected'
  | 'malformed';

export const dropReasons: readonly DropReason[] = [
  'too-short',
  'bad-magic',
  'bad-version',
  'bad-mac',
  'stale',
  'replayed',
  'misdirected',
  'malformed',
];

export type DecodeResult = { ok: true; message: Message } | { ok: false; reason: DropReason };

export interface WireCodecOptions {
  /** This node's name: datagrams for another node are refused. */
  readonly self?: string;
  readonly maxClockSkewMs?: number;
  readonly randomBytes?: (size: number) => Uint8Array;
}

export class WireCodec {
  readonly #maxSkewMs: number;
  readonly #randomBytes: (size: number) => Uint8Array;
  readonly #hmac: HmacSha256;
  readonly #self: string | undefined;
  /** nonce (hex) → time after which its timestamp no longer passes anyway; insertion ordered. */
  readonly #seen = new Map<string, number>();

  constructor(secret: string | Uint8Array, options: WireCodecOptions = {}) {
    const bytes = Buffer.from(secret);
    if (bytes.length < minSecretBytes) {
      throw new Error(`membership secret must be at least ${minSecretBytes} bytes, got ${bytes.length}`);
    }
    this.#hmac = new HmacSha256(bytes);
    this.#maxSkewMs = options.maxClockSkewMs ?? defaultMaxClockSkewMs;
    this.#randomBytes = options.randomBytes ?? pooledRandomBytes();
    this.#self = options.self;
  }

  /** `to`: the node the datagram is for, bound into what the MAC covers. */
  encode(message: Message, nowMs: number, to?: string): Buffer {
    const body = JSON.stringify(to === undefined ? message : { ...message, to });
    const datagram = Buffer.allocUnsafe(bodyOffset + Buffer.byteLength(body));
    magic.copy(datagram, 0);
    datagram.writeUInt8(version, 4);
    datagram.writeBigUInt64BE(BigInt(Math.max(0, Math.floor(nowMs))), 5);
    datagram.set(this.#randomBytes(8).subarray(0, 8), 13);
    datagram.write(body, bodyOffset);
    this.#mac(datagram).copy(datagram, macOffset);
    return datagram;
  }

  decode(bytes: Uint8Array, nowMs: number): DecodeResult {
    const datagram = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (datagram.length < bodyOffset + 2) return { ok: false, reason: 'too-short' };
    if (!datagram.subarray(0, 4).equals(magic)) return { ok: false, reason: 'bad-magic' };
    if (datagram.readUInt8(4) !== version) return { ok: false, reason: 'bad-version' };
    if (!timingSafeEqual(this.#mac(datagram), datagram.subarray(macOffset, bodyOffset))) {
      return { ok: false, reason: 'bad-mac' };
    }
    const sentAt = Number(datagram.readBigUInt64BE(5));
    if (Math.abs(nowMs - sentAt) > this.#maxSkewMs) return { ok: false, reason: 'stale' };
    this.#forgetExpired(nowMs);
    const nonce = datagram.subarray(13, macOffset).toString('hex');
    if (this.#seen.has(nonce)) return { ok: false, reason: 'replayed' };
    let parsed: unknown;
    try {
      parsed = JSON.parse(datagram.subarray(bodyOffset).toString('utf8'));
    } catch {
      return { ok: false, reason: 'malformed' };
    }
    const to = (parsed as { to?: unknown } | null)?.to;
    if (to !== undefined && this.#self !== undefined && to !== this.#self)
      return { ok: false, reason: 'misdirected' };
    const message = toMessage(parsed);
    if (!message) return { ok: false, reason: 'malformed' };
    this.#seen.set(nonce, sentAt + this.#maxSkewMs);
    return { ok: true, message };
  }

  #mac(datagram: Buffer): Buffer {
    return this.#hmac.digest(datagram.subarray(0, macOffset), datagram.subarray(bodyOffset));
  }

  #forgetExpired(nowMs: number): void {
    for (const [nonce, expiresAt] of this.#seen) {
      if (expiresAt >= nowMs) break;
      this.#seen.delete(nonce);
    }
  }
}

/**
 * Nonces from a pool the CSPRNG fills 256 at a time: a native call for each datagram's 8 bytes was
 * a noticeable share of an idle speaker's CPU. Each nonce is still handed out once.
 */
function pooledRandomBytes(poolSize = 2048): (size: number) => Uint8Array {
  const pool = Buffer.alloc(poolSize);
  let used = poolSize;
  return (size) => {
    if (size > poolSize) return randomBytes(size);
    if (used + size > poolSize) {
      randomFillSync(pool);
      used = 0;
    }
    used += size;
    return pool.subarray(used - size, used);
  };
}

const states = new Set<MemberState>(['alive', 'suspect', 'dead', 'left']);

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const isName = (v: unknown): v is string =>
  typeof v === 'string' && v.length > 0 && v.length <= maxNameLength;
const isIncarnation = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

function toUpdate(value: unknown): Update | undefined {
  if (!isRecord(value) || !isName(value.node) || !isIncarnation(value.incarnation)) return undefined;
  if (typeof value.state !== 'string' || !states.has(value.state as MemberState)) return undefined;
  return { node: value.node, state: value.state as MemberState, incarnation: value.incarnation };
}

/** A Message with exactly the known fields, or undefined when anything is off. */
function toMessage(value: unknown): Message | undefined {
  if (!isRecord(value) || !isName(value.from) || !isIncarnation(value.incarnation)) return undefined;
  if (!Array.isArray(value.updates) || value.updates.length > maxUpdates) return undefined;
  const updates: Update[] = [];
  for (const u of value.updates) {
    const update = toUpdate(u);
    if (!update) return undefined;
    updates.push(update);
  }
  const header = { from: value.from, incarnation: value.incarnation, updates };
  const seq = value.seq;
  const hasSeq = isIncarnation(seq);
  switch (value.kind) {
    case 'gossip':
      return { kind: 'gossip', ...header };
    case 'ack':
      return hasSeq ? { kind: 'ack', seq, ...header } : undefined;
    case 'ping':
    case 'ping-req':
      return hasSeq && isName(value.target)
        ? { kind: value.kind, seq, target: value.target, ...header }
        : undefined;
    default:
      return undefined;
  }
}
