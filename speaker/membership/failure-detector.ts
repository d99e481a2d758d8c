// SWIM-style failure detector among speakers, as a pure state machine: no sockets, no clock. The
// transport feeds it datagrams and ticks with the current time and sends what it returns.
//
// Protocol (SWIM, Das et al. 2002, with memberlist's refinements):
// - every probeInterval, ping the next member of a shuffled round-robin; no ack by ackTimeout →
//   ping again and ask `indirectProbes` others to ping it for us; no ack by probeTimeout → suspect.
// - suspicion is broadcast at once and runs on every member's own clock; the suspect refutes by
//   raising its incarnation; unrefuted after suspicionTimeout → dead.
// - every message carries the sender's incarnation and piggybacks recent updates (gossip); every
//   message to a member also tells it what we hold against it, so it can refute at once.
// - dead and not-yet-heard-from peers keep being pinged, so a healed partition (or a restarted
//   speaker) learns it was declared dead, refutes, and is alive again everywhere within a round trip.
// - a speaker that stops says "left" to everyone; peers drop it immediately.

import type { MemberChange, MemberState, Message, Outgoing, PeerAddress, Update } from './messages.ts';
import { defaultTiming, type Timing } from './timing.ts';

type LocalState = MemberState | 'pending';

interface Member {
  readonly name: string;
  peer: PeerAddress;
  state: LocalState;
  incarnation: number;
  /** Local time the current suspicion started (suspect only). */
  suspectSince: number;
  /** We raised the suspicion, so we announce the verdict to everyone. */
  suspectedByUs: boolean;
  /** Local time of the last datagram from it. */
  heardAt: number;
  /** Rounds this member still sits out while calm (failover-critical: see setFailoverCritical). */
  calmRoundsLeft: number;
}

interface Probe {
  readonly target: string;
  readonly incarnation: number;
  sentAt: number;
  indirect: boolean;
  /** The members asked to ping the target for us: only they (and the target) may ack this probe. */
  readonly helpers: Set<string>;
}

interface Relay {
  readonly requester: string;
  readonly requesterSeq: number;
  /** The node pinged for the requester: only its ack is relayed. */
  readonly target: string;
  expiresAt: number;
}

export interface FailureDetectorOptions {
  readonly self: string;
  readonly nowMs: number;
  /** Start above any incarnation a previous run of this node may have used (the transport passes wall-clock ms). */
  readonly incarnation?: number;
  readonly timing?: Partial<Timing>;
  /** Uniform in [0, 1); seeded in simulations. */
  readonly random?: () => number;
  readonly onChange?: (change: MemberChange) => void;
}

export interface DetectorCounters {
  suspicions: number;
  deaths: number;
  refutations: number;
  unknownSender: number;
  misdirectedPing: number;
  /** Acks from a node that was neither the probed one nor a helper asked to reach it. */
  foreignAck: number;
  /** Ticks later than stallThresholdMs: this process itself was paused (GC, CPU starvation). */
  ownStalls: number;
}

const stateRank: Record<LocalState, number> = { pending: -1, alive: 0, suspect: 1, dead: 2, left: 3 };

/** SWIM precedence: a higher incarnation wins; at equal incarnation the graver state wins. */
export function supersedes(update: Update, current: { state: LocalState; incarnation: number }): boolean {
  if (current.state === 'pending') return true;
  if (update.incarnation !== current.incarnation) return update.incarnation > current.incarnation;
  return stateRank[update.state] > stateRank[current.state];
}

export class FailureDetector {
  readonly self: string;
  readonly timing: Timing;
  readonly counters: DetectorCounters = {
    suspicions: 0,
    deaths: 0,
    refutations: 0,
    unknownSender: 0,
    misdirectedPing: 0,
    foreignAck: 0,
    ownStalls: 0,
  };
  #incarnation: number;
  readonly #random: () => number;
  readonly #onChange: (change: MemberChange) => void;
  readonly #members = new Map<string, Member>();
  readonly #probes = new Map<number, Probe>();
  readonly #relays = new Map<number, Relay>();
  /** Newest update per node still to be piggybacked, with how many more times. */
  readonly #broadcasts = new Map<string, { update: Update; remaining: number }>();
  /** This round's probe slots, last first; null is a calm member's turn sat out. */
  #roundRobin: (string | null)[] = [];
  /** Members whose failure moves addresses; undefined: every member. */
  #failoverCritical: ReadonlySet<string> | undefined;
  #seq = 0;
  readonly #startedAt: number;
  /** When the next tick() is due: the earliest deadline as of the last tick() or receive(). */
  #dueAt: number;
  #nextProbeAt: number;
  #lastSlotAt: number;
  #lastTickAt: number;
  #nextReconnectAt: number;
  #left = false;

  constructor(options: FailureDetectorOptions) {
    this.self = options.self;
    this.timing = { ...defaultTiming, ...options.timing };
    this.#incarnation = options.incarnation ?? 0;
    this.#random = options.random ?? Math.random;
    this.#onChange = options.onChange ?? (() => {});
    this.#startedAt = options.nowMs;
    this.#dueAt = options.nowMs;
    this.#nextProbeAt = options.nowMs;
    this.#lastSlotAt = options.nowMs;
    this.#lastTickAt = options.nowMs;
    this.#nextReconnectAt = options.nowMs;
  }

  get incarnation(): number {
    return this.#incarnation;
  }

  /** Nodes whose speaker is up as far as we know: self, alive and suspect members. */
  alive(): Set<string> {
    const result = new Set(this.#left ? [] : [this.self]);
    for (const m of this.#members.values())
      if (m.state === 'alive' || m.state === 'suspect') result.add(m.name);
    return result;
  }

  /** Every listed peer's state, for metrics and debugging. */
  members(): { node: string; state: LocalState; incarnation: number }[] {
    return [...this.#members.values()].map((m) => ({
      node: m.name,
      state: m.state,
      incarnation: m.incarnation,
    }));
  }

  /**
   * True once every peer has answered or been given up on, or settleTimeout after start. Until then
   * alive() undercounts, so a caller should not yet take over IPs on its strength.
   */
  settled(nowMs: number): boolean {
    if (nowMs - this.#startedAt >= this.timing.settleTimeoutMs) return true;
    return [...this.#members.values()].every((m) => m.state !== 'pending');
  }

  /** The speaker Pods now known (node name → address), self included or not. */
  setPeers(peers: ReadonlyMap<string, PeerAddress>): void {
    for (const [name, peer] of peers) {
      if (name === this.self) continue;
      const member = this.#members.get(name);
      if (member) member.peer = peer;
      else {
        this.#members.set(name, {
          name,
          peer,
          state: 'pending',
          incarnation: 0,
          suspectSince: 0,
          suspectedByUs: false,
          heardAt: Number.NEGATIVE_INFINITY,
          calmRoundsLeft: 0,
        });
      }
    }
    for (const member of [...this.#members.values()]) {
      if (peers.has(member.name)) continue;
      this.#members.delete(member.name);
      this.#broadcasts.delete(member.name);
      this.#onChange({
        node: member.name,
        from: member.state,
        to: 'removed',
        incarnation: member.incarnation,
      });
    }
  }

  /**
   * The members whose failure would move addresses: the nodes announcing some address. They are
   * probed every round, the other live members every calmProbeRounds rounds, so that an idle
   * cluster sends a fraction of the datagrams while an announcer's crash is detected as fast as
   * before. Until the first call every member counts as critical.
   */
  setFailoverCritical(nodes: ReadonlySet<string>, nowMs: number): void {
    const current = this.#failoverCritical;
    if (current && current.size === nodes.size && [...nodes].every((n) => current.has(n))) return;
    this.#failoverCritical = new Set(nodes);
    // This round was drawn for the old set: a member now critical must not wait out its calm turns.
    // Calm ones start at a random turn: were every prober's turns in step, a calm member would be
    // probed by all of them in one round and by none in the next calmProbeRounds - 1.
    this.#roundRobin = [];
    for (const m of this.#members.values()) {
      m.calmRoundsLeft = nodes.has(m.name) ? 0 : Math.floor(this.#random() * this.timing.calmProbeRounds);
    }
    this.#resumeSlots(nowMs);
    this.#dueAt = Math.min(this.#dueAt, this.#nextProbeAt);
  }

  /**
   * When tick() next has work: the next probe, a probe's ack or probe deadline, a suspicion's end,
   * the next reconnect ping. The transport sleeps until then instead of waking every few
   * milliseconds (an idle speaker's CPU goes mostly to waking up).
   */
  get dueAt(): number {
    return this.#dueAt;
  }

  #nextDeadline(): number {
    let next = Math.min(this.#nextProbeAt, this.#lastTickAt + this.timing.beatIntervalMs);
    for (const m of this.#members.values()) {
      if (m.state === 'suspect') next = Math.min(next, m.suspectSince + this.timing.suspicionTimeoutMs);
      if (m.state === 'pending' || m.state === 'dead') next = Math.min(next, this.#nextReconnectAt);
    }
    for (const probe of this.#probes.values()) {
      const at = probe.indirect ? this.timing.probeTimeoutMs : this.timing.ackTimeoutMs;
      next = Math.min(next, probe.sentAt + at);
    }
    return next;
  }

  tick(nowMs: number): Outgoing[] {
    if (this.#left) return [];
    const out: Outgoing[] = [];
    this.#forgiveOwnStall(nowMs);
    this.#lastTickAt = nowMs;
    this.#advanceProbes(nowMs, out);
    this.#expireSuspicions(nowMs, out);
    for (const [seq, relay] of this.#relays) if (nowMs >= relay.expiresAt) this.#relays.delete(seq);
    if (nowMs >= this.#nextProbeAt) {
      this.#lastSlotAt = nowMs;
      this.#nextProbeAt = Math.max(this.#nextProbeAt + this.timing.probeIntervalMs, nowMs);
      this.#startProbe(nowMs, out);
      this.#skipEmptySlots();
    }
    if (nowMs >= this.#nextReconnectAt) {
      const outnumbered = this.#outnumbered();
      const interval = outnumbered ? this.timing.outnumberedReconnectMs : this.timing.reconnectIntervalMs;
      this.#nextReconnectAt = Math.max(this.#nextReconnectAt + interval, nowMs);
      for (const m of this.#members.values()) {
        if (m.state !== 'pending' && m.state !== 'dead') continue;
        const ping = this.#ping(m, nowMs, false);
        out.push(outnumbered ? { ...ping, rejoin: true } : ping);
      }
    }
    this.#dueAt = this.#nextDeadline();
    return out;
  }

  /**
   * `source` is where the datagram came from: a ping from a speaker we do not list yet (our peer
   * list lags behind its) is still answered there, so it does not suspect us meanwhile.
   */
  receive(message: Message, nowMs: number, source?: PeerAddress): Outgoing[] {
    if (this.#left) return [];
    const sender = this.#members.get(message.from);
    if (!sender) {
      this.counters.unknownSender++;
      if (message.kind !== 'ping' || message.target !== this.self || !source) return [];
      const ack: Message = {
        kind: 'ack',
        seq: message.seq,
        from: this.self,
        incarnation: this.#incarnation,
        updates: [],
      };
      return [{ to: message.from, peer: source, message: ack }];
    }
    const out: Outgoing[] = [];
    sender.heardAt = nowMs;
    // Any datagram is the sender's own word that it is alive at its incarnation.
    this.#apply({ node: sender.name, state: 'alive', incarnation: message.incarnation }, nowMs, out);
    for (const update of message.updates) this.#apply(this.#weighed(update, nowMs), nowMs, out);
    switch (message.kind) {
      case 'ping':
        if (message.target !== this.self) this.counters.misdirectedPing++;
        else out.push(this.#send(sender, { kind: 'ack', seq: message.seq }));
        break;
      case 'ack':
        this.#takeAck(message.seq, sender.name, out);
        break;
      case 'ping-req': {
        const target = this.#members.get(message.target);
        if (!target) break;
        const ping = this.#ping(target, nowMs, false);
        if (ping.message.kind === 'ping') {
          this.#relays.set(ping.message.seq, {
            requester: sender.name,
            requesterSeq: message.seq,
            target: target.name,
            expiresAt: nowMs + this.timing.probeTimeoutMs,
          });
        }
        out.push(ping);
        break;
      }
      case 'gossip':
        break;
    }
    // A datagram can add a deadline (a suspicion heard) or remove one (the ack we waited for). When
    // the tick is already overdue, it stays so: that tick must see how late it is.
    if (nowMs <= this.#dueAt) this.#dueAt = this.#nextDeadline();
    return out;
  }

  /**
   * An ack answers our probe only from the probed node or a helper we asked, and a relay only from
   * the node the helper pinged: a sequence number alone is guessable, and an ack from anyone else
   * must not clear a probe of a node that may be dead.
   */
  #takeAck(seq: number, from: string, out: Outgoing[]): void {
    const probe = this.#probes.get(seq);
    const relay = this.#relays.get(seq);
    const answersProbe = probe !== undefined && (from === probe.target || probe.helpers.has(from));
    const answersRelay = relay !== undefined && from === relay.target;
    if (!answersProbe && !answersRelay) {
      if (probe || relay) this.counters.foreignAck++;
      return;
    }
    if (answersProbe) this.#probes.delete(seq);
    if (!answersRelay) return;
    this.#relays.delete(seq);
    const requester = this.#members.get(relay.requester);
    if (requester) out.push(this.#send(requester, { kind: 'ack', seq: relay.requesterSeq }));
  }

  /** Say goodbye to everyone (twice, against loss) and stop taking part. */
  leave(): Outgoing[] {
    if (this.#left) return [];
    const farewell: Update = { node: this.self, state: 'left', incarnation: this.#incarnation };
    const out = [...this.#tellEveryone([farewell]), ...this.#tellEveryone([farewell])];
    this.#left = true;
    return out;
  }

  /**
   * A tick much later than it was due means this process was paused: acks may be waiting unread,
   * and suspects may have refuted. Push every deadline back by the pause.
   */
  #forgiveOwnStall(nowMs: number): void {
    const late = nowMs - this.#dueAt;
    if (late <= this.timing.stallThresholdMs) return;
    this.counters.ownStalls++;
    for (const probe of this.#probes.values()) probe.sentAt += late;
    for (const relay of this.#relays.values()) relay.expiresAt += late;
    for (const m of this.#members.values()) if (m.state === 'suspect') m.suspectSince += late;
  }

  #advanceProbes(nowMs: number, out: Outgoing[]): void {
    for (const [seq, probe] of this.#probes) {
      const target = this.#members.get(probe.target);
      if (!target || target.state === 'dead' || target.state === 'left') {
        this.#probes.delete(seq);
        continue;
      }
      if (!probe.indirect && nowMs >= probe.sentAt + this.timing.ackTimeoutMs) {
        probe.indirect = true;
        out.push(this.#send(target, { kind: 'ping', seq, target: target.name }));
        const helpers = [...this.#members.values()].filter((m) => m.state === 'alive' && m !== target);
        for (const helper of this.#pick(helpers, this.timing.indirectProbes)) {
          probe.helpers.add(helper.name);
          out.push(this.#send(helper, { kind: 'ping-req', seq, target: target.name }));
        }
      }
      if (nowMs >= probe.sentAt + this.timing.probeTimeoutMs) {
        this.#probes.delete(seq);
        // A refutation since the probe was sent already answers it.
        if (target.state !== 'alive' || target.incarnation !== probe.incarnation) continue;
        this.counters.suspicions++;
        this.#apply({ node: target.name, state: 'suspect', incarnation: target.incarnation }, nowMs, out);
        target.suspectedByUs = true;
        out.push(...this.#tellEveryone([this.#stateOf(target)]));
      }
    }
  }

  #expireSuspicions(nowMs: number, out: Outgoing[]): void {
    for (const m of this.#members.values()) {
      if (m.state !== 'suspect' || nowMs - m.suspectSince < this.timing.suspicionTimeoutMs) continue;
      this.counters.deaths++;
      this.#apply({ node: m.name, state: 'dead', incarnation: m.incarnation }, nowMs, out);
      if (m.suspectedByUs) out.push(...this.#tellEveryone([this.#stateOf(m)]));
    }
  }

  #startProbe(nowMs: number, out: Outgoing[]): void {
    const target = this.#nextTarget();
    if (target) out.push(this.#ping(target, nowMs, true));
    // Suspects are pinged every period by everyone who suspects them: each ping tells them of the
    // suspicion, and each ack after their refutation clears it — many chances before the timeout.
    for (const m of this.#members.values()) {
      if (m.state === 'suspect' && m !== target) out.push(this.#ping(m, nowMs, false));
    }
    if (this.#broadcasts.size > 0) {
      const live = [...this.#members.values()].filter((m) => m.state === 'alive' || m.state === 'suspect');
      for (const m of this.#pick(live, this.timing.gossipFanout)) out.push(this.#send(m, { kind: 'gossip' }));
    }
  }

  /** The unreachable peers are at least as many as the reachable ones, self included: cut off. */
  #outnumbered(): boolean {
    let unreachable = 0;
    let reachable = 1; // self
    for (const m of this.#members.values()) {
      if (m.state === 'dead' || m.state === 'pending') unreachable++;
      else if (m.state !== 'left') reachable++;
    }
    return unreachable >= reachable;
  }

  /** This slot's target; undefined when no member is live or a calm member sits this turn out. */
  #nextTarget(): Member | undefined {
    for (;;) {
      if (this.#roundRobin.length === 0) this.#roundRobin = this.#newRound();
      if (this.#roundRobin.length === 0) return undefined;
      const name = this.#roundRobin.pop()!;
      if (name === null) return undefined;
      const member = this.#members.get(name);
      if (member && (member.state === 'alive' || member.state === 'suspect')) return member;
    }
  }

  /**
   * One slot per live member, in random order, so each is probed once per round of (live members)
   * probe intervals whatever the others do; a calm member's slot is empty on the rounds it sits out.
   */
  #newRound(): (string | null)[] {
    const live = [...this.#members.values()].filter((m) => m.state === 'alive' || m.state === 'suspect');
    return this.#pick(live, live.length).map((m) => (this.#probedThisRound(m) ? m.name : null));
  }

  #probedThisRound(member: Member): boolean {
    const calm = member.state === 'alive' && this.#failoverCritical?.has(member.name) === false;
    if (!calm) return true;
    if (member.calmRoundsLeft > 0) {
      member.calmRoundsLeft--;
      return false;
    }
    member.calmRoundsLeft = this.timing.calmProbeRounds - 1;
    return true;
  }

  /**
   * Empty slots ahead need no wake-up unless a slot has other work (pinging suspects, gossiping
   * news): the next probe moves to the first slot that sends one. The fence's beat still wakes the
   * detector every beatInterval (#nextDeadline).
   */
  #skipEmptySlots(): void {
    if (this.#broadcasts.size > 0) return;
    for (const m of this.#members.values()) if (m.state === 'suspect') return;
    // Each calm member is probed within calmProbeRounds rounds, so this stops long before the bound.
    const bound = (this.#members.size + 1) * this.timing.calmProbeRounds;
    for (let skipped = 0; skipped < bound; skipped++) {
      if (this.#roundRobin.length === 0) this.#roundRobin = this.#newRound();
      if (this.#roundRobin.at(-1) !== null) return;
      this.#roundRobin.pop();
      this.#nextProbeAt += this.timing.probeIntervalMs;
    }
  }

  /** News to gossip or a change in who is critical: the slots every probe interval are back. */
  #resumeSlots(nowMs: number): void {
    const nextSlot = Math.max(this.#lastSlotAt + this.timing.probeIntervalMs, nowMs);
    this.#nextProbeAt = Math.min(this.#nextProbeAt, nextSlot);
  }

  #ping(target: Member, nowMs: number, tracked: boolean): Outgoing {
    const seq = ++this.#seq;
    if (tracked)
      this.#probes.set(seq, {
        target: target.name,
        incarnation: target.incarnation,
        sentAt: nowMs,
        indirect: false,
        helpers: new Set(),
      });
    return this.#send(target, { kind: 'ping', seq, target: target.name });
  }

  /**
   * Someone else's verdict that a node is dead, about a node we heard from ourselves within the
   * suspicion timeout (shorter than the probe timeout plus suspicion a death takes to be agreed),
   * is stale: typically from the other side of a partition that just healed, whose kernel queued
   * its datagrams while cut off and delivers them now, verdicts about this side included.
   * Taken as a suspicion instead: the node refutes it within a round trip, and meanwhile still
   * counts as alive, so nobody takes its addresses over for a moment and hands them back. A node
   * that really died has been silent longer than that by the time anyone declares it dead.
   */
  #weighed(update: Update, nowMs: number): Update {
    if (update.state !== 'dead') return update;
    const member = this.#members.get(update.node);
    const fresh = member && nowMs - member.heardAt < this.timing.suspicionTimeoutMs;
    return fresh ? { ...update, state: 'suspect' } : update;
  }

  #apply(update: Update, nowMs: number, out: Outgoing[]): void {
    if (update.node === this.self) {
      if (update.state !== 'alive' && update.incarnation >= this.#incarnation) {
        this.#incarnation = update.incarnation + 1;
        this.counters.refutations++;
        out.push(...this.#tellEveryone([]));
      }
      return;
    }
    const member = this.#members.get(update.node);
    if (!member || !supersedes(update, member)) return;
    const from = member.state;
    member.state = update.state;
    member.incarnation = update.incarnation;
    if (update.state === 'suspect') member.suspectSince = nowMs;
    if (update.state !== 'suspect') member.suspectedByUs = false;
    this.#broadcasts.set(update.node, { update, remaining: this.#retransmits() });
    this.#resumeSlots(nowMs);
    if (from !== update.state)
      this.#onChange({ node: member.name, from, to: update.state, incarnation: update.incarnation });
  }

  #retransmits(): number {
    return this.timing.retransmitMultiplier * Math.ceil(Math.log2(this.#members.size + 2));
  }

  #stateOf(member: Member): Update {
    return {
      node: member.name,
      state: member.state === 'pending' ? 'alive' : member.state,
      incarnation: member.incarnation,
    };
  }

  /** Urgent news to every peer that might be up, dead ones included (they may just be cut off). */
  #tellEveryone(updates: Update[]): Outgoing[] {
    const out: Outgoing[] = [];
    for (const m of this.#members.values()) {
      if (m.state !== 'left') out.push(this.#send(m, { kind: 'gossip' }, updates));
    }
    return out;
  }

  #send(
    to: Member,
    body:
      | { kind: 'ack'; seq: number }
      | { kind: 'ping' | 'ping-req'; seq: number; target: string }
      | { kind: 'gossip' },
    urgent: Update[] = [],
  ): Outgoing {
    const updates = [...urgent];
    const add = (u: Update) => {
      if (updates.length < this.timing.maxPiggyback && !updates.some((x) => x.node === u.node))
        updates.push(u);
    };
    // Whatever we hold against the recipient, so that it can refute right away.
    if (to.state === 'suspect' || to.state === 'dead' || to.state === 'left') add(this.#stateOf(to));
    const queued = [...this.#broadcasts.values()].sort((a, b) => b.remaining - a.remaining);
    for (const entry of queued) {
      if (updates.length >= this.timing.maxPiggyback) break;
      const before = updates.length;
      add(entry.update);
      if (updates.length > before && --entry.remaining <= 0) this.#broadcasts.delete(entry.update.node);
    }
    const message = { ...body, from: this.self, incarnation: this.#incarnation, updates } as Message;
    return { to: to.name, peer: to.peer, message };
  }

  /** Up to k distinct members in random order. */
  #pick(members: Member[], k: number): Member[] {
    const pool = [...members];
    const picked: Member[] = [];
    while (picked.length < k && pool.length > 0) {
      const i = Math.floor(this.#random() * pool.length);
      picked.push(pool[i]!);
      pool[i] = pool[pool.length - 1]!;
      pool.pop();
    }
    return picked;
  }
}
