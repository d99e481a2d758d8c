// A keyed work queue like client-go's: a key waits at most once, a key being processed is never
// processed twice at the same time (an add meanwhile runs it again afterwards), and a failed key
// comes back after a capped exponential backoff. Handlers re-read current state (level-based), so
// running a key late or twice is harmless.

import { type BackoffPolicy, backoffDelay } from './kube/backoff.ts';

export interface WorkQueueOptions {
  readonly handler: (key: string) => Promise<void>;
  readonly concurrency?: number;
  readonly backoff: BackoffPolicy;
  readonly onError?: (key: string, error: unknown, failures: number) => void;
}

export class WorkQueue {
  private readonly options: WorkQueueOptions;
  private readonly waiting = new Set<string>();
  private readonly processing = new Set<string>();
  /** Keys added while processing: run again once done. */
  private readonly dirty = new Set<string>();
  private readonly failures = new Map<string, number>();
  private readonly retries = new Map<string, NodeJS.Timeout>();
  private idleWaiters: (() => void)[] = [];
  private running = false;

  constructor(options: WorkQueueOptions) {
    this.options = options;
  }

  get length(): number {
    return this.waiting.size + this.processing.size + this.retries.size;
  }

  start(): void {
    this.running = true;
    this.pump();
  }

  /** Stops taking keys and forgets every waiting and retrying one; running handlers finish. */
  stop(): void {
    this.running = false;
    this.waiting.clear();
    this.dirty.clear();
    this.failures.clear();
    for (const timer of this.retries.values()) clearTimeout(timer);
    this.retries.clear();
    this.settle();
  }

  add(key: string): void {
    if (this.processing.has(key)) {
      this.dirty.add(key);
      return;
    }
    const retry = this.retries.get(key);
    if (retry) {
      clearTimeout(retry);
      this.retries.delete(key);
    }
    this.waiting.add(key);
    this.pump();
  }

  /** Resolves when nothing waits, runs or is due for retry, or at once when stopped. */
  idle(): Promise<void> {
    if (this.length === 0 || !this.running) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private pump(): void {
    const limit = this.options.concurrency ?? 1;
    while (this.running && this.processing.size < limit && this.waiting.size > 0) {
      const key = this.waiting.values().next().value!;
      this.waiting.delete(key);
      this.processing.add(key);
      void this.process(key);
    }
  }

  private async process(key: string): Promise<void> {
    try {
      await this.options.handler(key);
      this.failures.delete(key);
    } catch (error) {
      const failures = (this.failures.get(key) ?? 0) + 1;
      this.failures.set(key, failures);
      this.options.onError?.(key, error, failures);
      if (this.running && !this.dirty.has(key)) {
        const timer = setTimeout(
          () => {
            this.retries.delete(key);
            this.add(key);
          },
          backoffDelay(failures - 1, this.options.backoff),
        );
        this.retries.set(key, timer);
      }
    } finally {
      this.processing.delete(key);
      if (this.dirty.delete(key) && this.running) this.add(key);
      this.pump();
      this.settle();
    }
  }

  private settle(): void {
    if (this.length > 0 && this.running) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }
}
