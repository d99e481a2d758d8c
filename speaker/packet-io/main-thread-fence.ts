// The guard against a split brain after a stall. The failure detector and the ARP/NDP answering
// share the main thread. While that thread stalls (a long GC, a long plan, CPU starvation) nothing
// answers, but the peers hear nothing either, declare this node dead after about 0.55 s and take its
// addresses over. When the thread comes back, the requests queued in the packet sockets meanwhile
// must not be answered: the node no longer leads those addresses, it just does not know it yet. So the
// thread stamps the time of each beat (the failure detector's ticks), and before answering it
// checks the last beat: older than the peers could possibly take to declare the node dead (with a
// margin) means a stall happened, and answering stops. It resumes only when the speaker says so,
// after it has had time to learn whether it still leads.
//
// Which comes first after a stall, a beat or a packet, depends on the event loop's phase when it
// stalled; either finds the gap and fences before anything is answered.
//
// How often the thread beats and how long a silence fences are part of the failure detector's
// timing (membership/timing.ts: beatIntervalMs, fenceAfterMs).

/** What a look at the fence found: answering, or stopped (this look stopped it, or an earlier one did). */
export type FenceState = 'open' | 'fenced' | 'newly-fenced';

export class MainThreadFence {
  readonly #fenceAfterNs: bigint;
  /** A monotonic clock (process.hrtime.bigint: CLOCK_MONOTONIC), in ns. */
  readonly #now: () => bigint;
  #lastBeat: bigint;
  #fenced = false;

  constructor(fenceAfterMs: number, now: () => bigint = process.hrtime.bigint) {
    this.#fenceAfterNs = BigInt(fenceAfterMs) * 1_000_000n;
    this.#now = now;
    // Starting is no stall.
    this.#lastBeat = now();
  }

  /**
   * A beat. After a silence longer than the limit it fences first (no packet may have come during
   * the stall) and reports that it did, so the caller can recover as from a fence found by a packet.
   */
  beat(): FenceState {
    const now = this.#now();
    const state = this.#look(now);
    this.#lastBeat = now;
    return state;
  }

  /** The look before answering or sending. */
  check(): FenceState {
    return this.#look(this.#now());
  }

  get fenced(): boolean {
    return this.#fenced;
  }

  /** Lets answering resume. Refused (false) while the beat is overdue. */
  resume(): boolean {
    if (this.#silentSince(this.#now())) return false;
    this.#fenced = false;
    return true;
  }

  #silentSince(now: bigint): boolean {
    return now - this.#lastBeat > this.#fenceAfterNs;
  }

  /** A silence too long engages the fence; otherwise the state stands. */
  #look(now: bigint): FenceState {
    if (this.#silentSince(now)) return this.#engage();
    return this.#fenced ? 'fenced' : 'open';
  }

  /** The look that stops answering reports it: one recovery per fence. */
  #engage(): FenceState {
    if (this.#fenced) return 'fenced';
    this.#fenced = true;
    return 'newly-fenced';
  }
}
