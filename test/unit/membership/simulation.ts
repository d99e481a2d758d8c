// A deterministic world for the failure detector: a fake clock in whole milliseconds, nodes that
// tick when their detector is due (as the UDP transport does; each node starts at its own phase),
// and a network with seeded loss, delay and partitions. Everything random comes from one seed, so a failing run can be replayed exactly.

import { FailureDetector } from '../../../speaker/membership/failure-detector.ts';
import type { MemberChange, Message, PeerAddress } from '../../../speaker/membership/messages.ts';
import type { Timing } from '../../../speaker/membership/timing.ts';

export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface SimulationOptions {
  readonly nodes: number;
  readonly seed: number;
  /** Probability that any one datagram is lost. */
  readonly loss?: number;
  readonly minDelayMs?: number;
  readonly maxDelayMs?: number;
  readonly timing?: Partial<Timing>;
}

export interface ObservedChange extends MemberChange {
  readonly at: number;
  readonly observer: string;
}

interface SimNode {
  readonly name: string;
  detector: FailureDetector;
  up: boolean;
}

export class Simulation {
  now = 0;
  readonly changes: ObservedChange[] = [];
  readonly nodes = new Map<string, SimNode>();
  datagrams = 0;
  /** tick() calls, every node together: the transport's timer wake-ups. */
  ticks = 0;
  readonly #random: () => number;
  readonly #options: SimulationOptions;
  readonly #inFlight = new Map<number, { to: string; from: string; message: Message }[]>();
  readonly #blocked = new Set<string>();
  /**
   * Datagrams held at a cut link, as a kernel holds them while it cannot resolve the peer's MAC (up
   * to its unres_qlen, about 200 KB): they arrive, stale, once the partition heals; the last 100 per link.
   */
  readonly #held = new Map<string, { to: string; from: string; message: Message }[]>();
  readonly #peers: Map<string, PeerAddress>;
  readonly #byAddress: Map<string, string>;
  /** The announcing nodes every speaker's plans agree on; undefined: never said (all critical). */
  #failoverCritical: ReadonlySet<string> | undefined;

  constructor(options: SimulationOptions) {
    this.#options = options;
    this.#random = seededRandom(options.seed);
    const names = Array.from({ length: options.nodes }, (_, i) => `node-${i}`);
    this.#peers = new Map(names.map((name, i) => [name, { address: `192.0.2.${i + 1}`, port: 7946 }]));
    this.#byAddress = new Map([...this.#peers].map(([name, peer]) => [peer.address, name]));
    for (const name of names) this.start(name);
  }

  get names(): string[] {
    return [...this.nodes.keys()];
  }

  /** (Re)starts a node with a fresh detector, as a restarted speaker would, knowing `peers` (default: all). */
  start(name: string, peers: Iterable<string> = this.#peers.keys()): void {
    const random = seededRandom(Math.floor(this.#random() * 2 ** 32));
    // Speakers never start in the same millisecond: a first tick up to 10 ms later spreads them.
    const phase = Math.floor(this.#random() * 10);
    const detector = new FailureDetector({
      self: name,
      nowMs: this.now + phase,
      timing: this.#options.timing,
      random,
      onChange: (change) => this.changes.push({ ...change, at: this.now, observer: name }),
    });
    this.nodes.set(name, { name, detector, up: true });
    this.setPeers(name, peers);
    if (this.#failoverCritical) detector.setFailoverCritical(this.#failoverCritical, this.now);
  }

  /** Every node learns which nodes announce, as each speaker's plans tell its detector. */
  setFailoverCritical(nodes: Iterable<string>): void {
    this.#failoverCritical = new Set(nodes);
    for (const node of this.nodes.values())
      node.detector.setFailoverCritical(this.#failoverCritical, this.now);
  }

  setPeers(name: string, peers: Iterable<string>): void {
    const known = new Set(peers);
    this.nodes.get(name)!.detector.setPeers(new Map([...this.#peers].filter(([peer]) => known.has(peer))));
  }

  kill(name: string): void {
    this.nodes.get(name)!.up = false;
  }

  leave(name: string): void {
    const node = this.nodes.get(name)!;
    this.#transmit(name, node.detector.leave());
    node.up = false;
  }

  /** Cuts every link between the two groups, both ways. */
  partition(groupA: string[], groupB: string[]): void {
    for (const a of groupA) for (const b of groupB) this.#blocked.add(`${a}|${b}`).add(`${b}|${a}`);
  }

  heal(): void {
    this.#blocked.clear();
    for (const datagrams of this.#held.values()) {
      for (const d of datagrams) this.#deliverAt(this.now + 1, d);
    }
    this.#held.clear();
  }

  run(durationMs: number): void {
    const end = this.now + durationMs;
    while (this.now < end) {
      this.now++;
      const due = this.#inFlight.get(this.now) ?? [];
      this.#inFlight.delete(this.now);
      for (const d of due) {
        const node = this.nodes.get(d.to);
        if (node?.up)
          this.#transmit(d.to, node.detector.receive(d.message, this.now, this.#peers.get(d.from)));
      }
      for (const node of this.nodes.values()) {
        if (node.up && this.now >= node.detector.dueAt) {
          this.ticks++;
          this.#transmit(node.name, node.detector.tick(this.now));
        }
      }
    }
  }

  /** Runs until every up node's alive() equals the up nodes, or the limit; returns the time taken or undefined. */
  runUntilAgreed(limitMs: number, expected = this.upNodes()): number | undefined {
    const start = this.now;
    while (this.now - start < limitMs) {
      if (this.agree(expected, this.upNodes())) return this.now - start;
      this.run(1);
    }
    return this.agree(expected, this.upNodes()) ? this.now - start : undefined;
  }

  upNodes(): Set<string> {
    return new Set([...this.nodes.values()].filter((n) => n.up).map((n) => n.name));
  }

  /** Every up node among `observers` holds exactly `expected` alive. */
  agree(expected: Set<string>, observers: Iterable<string> = expected): boolean {
    const watching = new Set(observers);
    return [...this.nodes.values()]
      .filter((n) => n.up && watching.has(n.name))
      .every((n) => {
        const alive = n.detector.alive();
        return alive.size === expected.size && [...expected].every((x) => alive.has(x));
      });
  }

  /** Declarations of death (or suspicion) about nodes that were up at the time, by up observers. */
  falseAlarms(state: 'dead' | 'suspect' = 'dead'): ObservedChange[] {
    return this.changes.filter((c) => c.to === state && this.nodes.get(c.node)?.up);
  }

  #transmit(from: string, outgoing: ReturnType<FailureDetector['tick']>): void {
    const { loss = 0, minDelayMs = 1, maxDelayMs = 2 } = this.#options;
    for (const o of outgoing) {
      this.datagrams++;
      const to = this.#byAddress.get(o.peer.address) ?? o.to;
      const link = `${from}|${to}`;
      if (this.#blocked.has(link)) {
        this.#held.set(link, [...(this.#held.get(link) ?? []), { to, from, message: o.message }].slice(-100));
        continue;
      }
      if (this.#random() < loss) continue;
      const at = this.now + minDelayMs + Math.floor(this.#random() * (maxDelayMs - minDelayMs + 1));
      this.#deliverAt(at, { to, from, message: o.message });
    }
  }

  #deliverAt(at: number, datagram: { to: string; from: string; message: Message }): void {
    const bucket = this.#inFlight.get(at);
    if (bucket) bucket.push(datagram);
    else this.#inFlight.set(at, [datagram]);
  }
}

/** Time from `since` until every other up node had dropped `node` from alive(), or undefined. */
export function agreementTime(sim: Simulation, node: string, since: number): number | undefined {
  let latest = since;
  for (const observer of sim.upNodes()) {
    const dropped = sim.changes.find(
      (c) =>
        c.observer === observer && c.node === node && c.at >= since && (c.to === 'dead' || c.to === 'left'),
    );
    if (!dropped) return undefined;
    latest = Math.max(latest, dropped.at);
  }
  return latest - since;
}
