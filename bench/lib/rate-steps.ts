// Reading a rate search (bench/lib/l2-client.ts): its zero-loss rate, and whether the generator
// rather than the responder set the ceiling.
import type { RateStep } from './l2-client.ts';

/** The highest achieved rate of an increasing series with every request answered. */
export function zeroLossRate(steps: readonly RateStep[]): number {
  let best = 0;
  for (const step of steps)
    if (step.sent > 0 && step.replies === step.sent) best = Math.max(best, step.achievedRate);
  return best;
}

/** True when the generator set the ceiling: no loss even at the fastest it could send. */
export function clientLimited(steps: readonly RateStep[]): boolean {
  const last = steps.at(-1);
  return last !== undefined && last.replies === last.sent && last.achievedRate < 0.95 * last.rate;
}
