// The answering thread's guard against a split brain. The worker answers ARP/NDP on its own thread
// so that a busy main thread never delays a reply; but the failure detector runs on the main thread,
// so while the main thread stalls (a long GC, a long plan, CPU starvation) the peers hear nothing,
// declare this node dead after about 0.55 s and take its addresses over. A worker that kept answering
// then would be a second MAC for the same address. So the main thread beats a shared counter, and
// the worker stops answering once the beat has been missing longer than the peers could possibly
// take to declare the node dead (with a margin); it answers again only when the main thread says so,
// after it has had time to learn whether it still leads. Pure: the caller supplies times and beats.

// How often the main thread beats and how long a silence fences are part of the failure detector's
// timing (membership/timing.ts: beatIntervalMs, fenceAfterMs): the earliest the peers can declare
// this node dead is a probe timeout plus a suspicion timeout after their first unanswered probe, and
// the fence, checked every half beat, must engage before that with a margin for scheduling.

export class MainThreadFence {
  #lastBeat = -1;
  #lastBeatSeenAt: number;
  #fenced = false;
  readonly #fenceAfterMs: number;

  constructor(nowMs: number, fenceAfterMs: number) {
    this.#lastBeatSeenAt = nowMs;
    this.#fenceAfterMs = fenceAfterMs;
  }

  /** Records the shared counter's value; true when this call fenced (the silence just got too long). */
  observe(beat: number, nowMs: number): boolean {
    if (beat !== this.#lastBeat) {
      this.#lastBeat = beat;
      this.#lastBeatSeenAt = nowMs;
      return false;
    }
    if (this.#fenced || nowMs - this.#lastBeatSeenAt <= this.#fenceAfterMs) return false;
    this.#fenced = true;
    return true;
  }

  /** Whether answering is stopped now. */
  get fenced(): boolean {
    return this.#fenced;
  }

  /**
   * The main thread says answering may resume. Refused (false) while the beat is still missing: a
   * resume sent before the stall and read after it must not undo the fence.
   */
  resume(nowMs: number): boolean {
    if (nowMs - this.#lastBeatSeenAt > this.#fenceAfterMs) return false;
    this.#fenced = false;
    return true;
  }
}
