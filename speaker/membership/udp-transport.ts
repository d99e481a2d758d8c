// The failure detector on a real UDP socket: decodes and authenticates datagrams, feeds them and
// ticks to the state machine (each when the machine says it next has work), and sends what it returns. The detector runs on the
// monotonic clock; datagram timestamps use the wall clock, which is what peers can compare.

import { createSocket, type Socket } from 'node:dgram';
import { isIPv6 } from 'node:net';
import { performance } from 'node:perf_hooks';
import { FailureDetector } from './failure-detector.ts';
import type { MemberChange, Outgoing, PeerAddress } from './messages.ts';
import type { Timing } from './timing.ts';
import { type DropReason, dropReasons, WireCodec } from './wire-format.ts';

export interface UdpTransportOptions {
  /** This node's name, as peers know it. */
  readonly self: string;
  readonly bind: PeerAddress;
  /** Shared by all speakers; at least 16 bytes. */
  readonly secret: string | Uint8Array;
  readonly timing?: Partial<Timing>;
  readonly maxClockSkewMs?: number;
  readonly onChange?: (change: MemberChange) => void;
  /** Peers pinged from the cut-off side of a partition (Outgoing.rejoin), once per such round. */
  readonly onRejoinPings?: (peers: readonly PeerAddress[]) => void;
  /** Each tick, at least every beat interval: a sign of life other timers can ride on. */
  readonly onTick?: () => void;
}

export class UdpTransport {
  readonly detector: FailureDetector;
  /** Datagrams dropped before reaching the detector, by reason (plus send failures). */
  readonly dropped: Record<DropReason | 'send-failed', number>;
  readonly #socket: Socket;
  readonly #codec: WireCodec;
  readonly #onRejoinPings: UdpTransportOptions['onRejoinPings'];
  readonly #onTick: UdpTransportOptions['onTick'];
  #timer: NodeJS.Timeout | undefined;
  #timerAt: number | undefined;
  #closed = false;

  private constructor(socket: Socket, options: UdpTransportOptions) {
    this.#socket = socket;
    this.#onRejoinPings = options.onRejoinPings;
    this.#onTick = options.onTick;
    this.#codec = new WireCodec(options.secret, {
      self: options.self,
      maxClockSkewMs: options.maxClockSkewMs,
    });
    this.dropped = Object.fromEntries(
      [...dropReasons, 'send-failed'].map((r) => [r, 0]),
    ) as UdpTransport['dropped'];
    this.detector = new FailureDetector({
      self: options.self,
      nowMs: performance.now(),
      // Wall-clock ms: a restarted speaker outranks whatever its previous run was declared.
      incarnation: Date.now(),
      timing: options.timing,
      onChange: options.onChange,
    });
  }

  /** Binds the socket and starts ticking. Rejects with the bind error (e.g. EADDRINUSE). */
  static async start(options: UdpTransportOptions): Promise<UdpTransport> {
    const family = isIPv6(options.bind.address) ? 6 : 4;
    const socket = createSocket({ type: `udp${family}`, lookup: literalAddress(family) });
    const transport = new UdpTransport(socket, options);
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(options.bind.port, options.bind.address, () => {
        socket.off('error', reject);
        resolve();
      });
    });
    // After binding, socket errors (ICMP unreachable surfacing on some platforms) must not crash the
    // speaker. Sends without a callback report their failures here too.
    socket.on('error', () => transport.dropped['send-failed']++);
    socket.on('message', (datagram, from) =>
      transport.#receive(datagram, { address: from.address, port: from.port }),
    );
    transport.#tick();
    return transport;
  }

  address(): PeerAddress {
    const { address, port } = this.#socket.address();
    return { address, port };
  }

  setPeers(peers: ReadonlyMap<string, PeerAddress>): void {
    this.detector.setPeers(peers);
  }

  /** The nodes announcing some address (FailureDetector.setFailoverCritical). */
  setFailoverCritical(nodes: ReadonlySet<string>): void {
    this.detector.setFailoverCritical(nodes, performance.now());
    this.#wakeAtDue();
  }

  /** Graceful stop: tells every peer we are leaving, then closes once the datagrams are out. */
  async leave(): Promise<void> {
    if (this.#closed) return;
    const farewells = this.detector
      .leave()
      .map((o) => new Promise<void>((resolve) => this.#sendOne(o, () => resolve())));
    await Promise.all(farewells);
    this.close();
  }

  /** Abrupt stop, as a crash would look to peers. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#socket.close();
  }

  #receive(datagram: Buffer, source: PeerAddress): void {
    const decoded = this.#codec.decode(datagram, Date.now());
    if (!decoded.ok) {
      this.dropped[decoded.reason]++;
      return;
    }
    this.#send(this.detector.receive(decoded.message, performance.now(), source));
    this.#wakeAtDue();
  }

  #tick(): void {
    this.#timerAt = undefined;
    this.#onTick?.();
    this.#send(this.detector.tick(performance.now()));
    this.#wakeAtDue();
  }

  /** One timer, set to when the detector next has work (failure-detector.ts dueAt). */
  #wakeAtDue(): void {
    const due = this.detector.dueAt;
    if (this.#closed || this.#timerAt === due) return;
    clearTimeout(this.#timer);
    this.#timerAt = due;
    // Whole milliseconds, rounded up: libuv's timers are in whole ms, so Node would wake at the
    // truncated time, find the tick a fraction of a ms early, and wake once more 1 ms later.
    this.#timer = setTimeout(() => this.#tick(), Math.max(0, Math.ceil(due - performance.now())));
  }

  #send(outgoing: Outgoing[]): void {
    for (const o of outgoing) this.#sendOne(o);
    const rejoining = outgoing.filter((o) => o.rejoin).map((o) => o.peer);
    if (rejoining.length > 0) this.#onRejoinPings?.(rejoining);
  }

  /** `done`: only a farewell waits for its datagram to be out; other sends cost no callback. */
  #sendOne(o: Outgoing, done?: () => void): void {
    if (this.#closed) {
      done?.();
      return;
    }
    const datagram = this.#codec.encode(o.message, Date.now(), o.to);
    if (!done) {
      this.#socket.send(datagram, o.peer.port, o.peer.address);
      return;
    }
    this.#socket.send(datagram, o.peer.port, o.peer.address, (error) => {
      if (error) this.dropped['send-failed']++;
      done();
    });
  }
}

/**
 * Peers are addressed by IP (their Pod IPs), never by name: dgram's default dns.lookup would only
 * defer each send to the next tick to hand the address back unchanged. A udp4 socket reaches only
 * IPv4 peers and a udp6 one IPv6 peers, so the family is the socket's, not a regex match per send.
 */
function literalAddress(family: 4 | 6) {
  return (
    address: string,
    _options: unknown,
    callback: (error: Error | null, address: string, family: number) => void,
  ): void => callback(null, address, family);
}
