// Optimistic-concurrency writes: compute the change from the object as last read, write it with
// that resourceVersion, and on 409 Conflict read again and recompute (level-based, never blind).

import { isConflict } from './api-errors.ts';

export interface ConflictRetryOptions<T> {
  readonly read: () => Promise<T>;
  /** The object to write, or undefined when `current` is already as wanted. */
  readonly update: (current: T) => T | undefined;
  readonly write: (next: T) => Promise<T>;
  /** A copy already at hand (e.g. from an informer cache), used for the first attempt. */
  readonly initial?: T;
  /** Default 5. */
  readonly attempts?: number;
}

export interface ConflictRetryResult<T> {
  readonly written: boolean;
  readonly object: T;
  /** 409s met before the write went through. */
  readonly conflicts: number;
}

export async function writeWithConflictRetry<T>(
  options: ConflictRetryOptions<T>,
): Promise<ConflictRetryResult<T>> {
  const attempts = options.attempts ?? 5;
  let current = options.initial ?? (await options.read());
  for (let conflicts = 0; ; conflicts++) {
    const next = options.update(current);
    if (next === undefined) return { written: false, object: current, conflicts };
    try {
      return { written: true, object: await options.write(next), conflicts };
    } catch (error) {
      if (!isConflict(error) || conflicts + 1 >= attempts) throw error;
    }
    current = await options.read();
  }
}
