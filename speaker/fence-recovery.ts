// What the speaker does when answering fenced itself after a stall (packet-io/main-thread-fence.ts):
// wait until the thread has been back long enough for the failure detector to hear the peers and
// for their view (a takeover, or a refuted death) to reach the plan, let any plan in flight finish,
// then answer again, for exactly what this node leads by then.
import type { Logger } from '../common/observability/logger.ts';

export interface FenceRecoveryOptions {
  readonly resume: () => boolean;
  /**
   * Answering resumed: announce again what this node leads. Gratuitous frames due while fenced
   * were not sent, and a client whose TCP keeps confirming the old MAC never asks again.
   */
  readonly reannounce: () => void;
  /** Resolves when no plan is being applied (the led set is this thread's latest decision). */
  readonly planSettled: () => Promise<void>;
  readonly logger: Logger;
  /** Longer than a probe round and a suspicion timeout, so the membership has converged. */
  readonly settleMs?: number;
}

export interface FenceRecovery {
  onFenced(): void;
  stop(): void;
}

export function fenceRecovery(options: FenceRecoveryOptions): FenceRecovery {
  const settleMs = options.settleMs ?? 1000;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;

  async function tryResume(): Promise<void> {
    timer = undefined;
    if (stopped) return;
    await options.planSettled();
    const resumed = options.resume();
    if (resumed) {
      options.logger.info({}, 'answering ARP/NDP again after the stall');
      options.reannounce();
    } else if (!stopped) timer = setTimeout(() => void tryResume(), settleMs);
  }

  return {
    onFenced() {
      options.logger.warn(
        { resumeAfterMs: settleMs },
        'this thread stalled longer than the peers need to declare the node dead: stopped answering ARP/NDP',
      );
      clearTimeout(timer);
      timer = setTimeout(() => void tryResume(), settleMs);
    },
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
