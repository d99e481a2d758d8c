// The answering thread's guard against a split brain. The worker answers ARP/NDP on its own thread
// so that a busy main thread never delays a reply; but the failure detector runs on the main thread,
// so while the main thread stalls (a long GC, a long plan, CPU starvation) the peers hear nothing,
// declare this node dead after about 0.55 s and take its addresses over. A worker that kept answering
// then would be a second MAC for the same address. So the main thread stamps the time of each beat in
// memory both threads share, and the worker, before it answers, stops once the last beat is older
// than the peers could possibly take to declare the node dead (with a margin). It answers again only
// when the main thread says so, after it has had time to learn whether it still leads.
//
// The worker looks only when it is about to send, so it needs no timer of its own (an idle speaker's
// CPU goes mostly to waking up). A stall that ends before any request came is caught by the main
// thread instead: its first beat after it sees the gap and fences before it stamps, so the worker
// never sees a fresh beat without the fence of the stall before it.
//
// How often the main thread beats and how long a silence fences are part of the failure detector's
// timing (membership/timing.ts: beatIntervalMs, fenceAfterMs).

/** Slots of the shared cell. */
const lastBeat = 0;
const fenceFlag = 1;

/** What a look at the fence found: answering, or stopped (this look stopped it, or an earlier one did). */
export type FenceState = 'open' | 'fenced' | 'newly-fenced';

export class MainThreadFence {
  readonly #cell: BigInt64Array;
  readonly #fenceAfterNs: bigint;
  /** A monotonic clock both threads read alike (process.hrtime.bigint: CLOCK_MONOTONIC), in ns. */
  readonly #now: () => bigint;

  /** The memory the two threads share: the last beat's time and whether answering is stopped. */
  static sharedCell(): SharedArrayBuffer {
    return new SharedArrayBuffer(2 * BigInt64Array.BYTES_PER_ELEMENT);
  }

  constructor(cell: SharedArrayBuffer, fenceAfterMs: number, now: () => bigint = process.hrtime.bigint) {
    this.#cell = new BigInt64Array(cell);
    this.#fenceAfterNs = BigInt(fenceAfterMs) * 1_000_000n;
    this.#now = now;
  }

  /** A beat that judges nothing: when a thread starts, the silence before it is no stall. */
  stamp(): void {
    Atomics.store(this.#cell, lastBeat, this.#now());
  }

  /**
   * The main thread's beat. After a silence longer than the limit it fences first (the worker may not
   * have looked during the stall) and reports that it did, so the caller can recover as from a fence
   * the worker reports.
   */
  beat(): FenceState {
    const now = this.#now();
    const state = this.#silentSince(now) ? this.#engage() : this.#current();
    Atomics.store(this.#cell, lastBeat, now);
    return state;
  }

  /** The worker's look before it answers. */
  check(): FenceState {
    if (this.#current() === 'fenced') return 'fenced';
    return this.#silentSince(this.#now()) ? this.#engage() : 'open';
  }

  get fenced(): boolean {
    return this.#current() === 'fenced';
  }

  /** The main thread lets answering resume. Refused (false) while its own beat is overdue. */
  resume(): boolean {
    if (this.#silentSince(this.#now())) return false;
    Atomics.store(this.#cell, fenceFlag, 0n);
    return true;
  }

  #silentSince(now: bigint): boolean {
    return now - Atomics.load(this.#cell, lastBeat) > this.#fenceAfterNs;
  }

  #current(): FenceState {
    return Atomics.load(this.#cell, fenceFlag) === 1n ? 'fenced' : 'open';
  }

  /** Whichever thread sets the flag first reports it: one recovery per fence. */
  #engage(): FenceState {
    return Atomics.compareExchange(this.#cell, fenceFlag, 0n, 1n) === 0n ? 'newly-fenced' : 'fenced';
  }
}
