// Failures on demand for resilience tests: cut every watch, fail the next requests, or hold
// requests until released. The server consults this before handling anything.

import type { ServerResponse } from 'node:http';

export interface FaultControls {
  dropWatches(): void;
  failNext(count: number, code: 500 | 409): void;
  pause(): void;
  resume(): void;
}

export class Faults implements FaultControls {
  private failures: { remaining: number; code: 500 | 409 } = { remaining: 0, code: 500 };
  private held: (() => void)[] | undefined;
  readonly watches = new Set<ServerResponse>();

  dropWatches(): void {
    for (const watch of this.watches) watch.socket?.resetAndDestroy();
    this.watches.clear();
  }

  failNext(count: number, code: 500 | 409): void {
    if (!Number.isInteger(count) || count < 0)
      throw new Error(`failNext count must be a non-negative integer, got ${count}`);
    this.failures = { remaining: count, code };
  }

  /** The code to fail the current request with, if one is pending. */
  takeFailure(): 500 | 409 | undefined {
    if (this.failures.remaining === 0) return undefined;
    this.failures.remaining--;
    return this.failures.code;
  }

  pause(): void {
    this.held ??= [];
  }

  resume(): void {
    const held = this.held ?? [];
    this.held = undefined;
    for (const release of held) release();
  }

  /** Resolves at once unless paused, else on resume. */
  gate(): Promise<void> | undefined {
    const held = this.held;
    if (!held) return undefined;
    return new Promise((resolve) => held.push(resolve));
  }
}
