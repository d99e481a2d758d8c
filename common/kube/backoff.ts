// Capped exponential backoff with jitter, pure: the caller passes the attempt and the random source.

export interface BackoffPolicy {
  readonly initialMs: number;
  readonly maxMs: number;
  /** Growth per attempt; default 2. */
  readonly factor?: number;
  /** Fraction of the delay that is randomised (0..1); default 0.2, so delays spread ±10 %. */
  readonly jitter?: number;
}

export const defaultBackoff: BackoffPolicy = { initialMs: 200, maxMs: 10_000 };

/** Delay before retry number `attempt` (0 = first retry); `random` returns [0, 1). */
export function backoffDelay(
  attempt: number,
  policy: BackoffPolicy,
  random: () => number = Math.random,
): number {
  const factor = policy.factor ?? 2;
  const jitter = policy.jitter ?? 0.2;
  const base = Math.min(policy.maxMs, policy.initialMs * factor ** Math.max(0, attempt));
  const spread = base * jitter * (random() - 0.5);
  return Math.max(0, Math.min(policy.maxMs, Math.round(base + spread)));
}
