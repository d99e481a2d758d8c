// Fans committed changes out to watchers and keeps a bounded history so a watcher can resume from
// a resourceVersion; older than the history means 410 Expired and the client relists.

import type { KObject } from './object-model.ts';

export type ChangeType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface Change {
  readonly rv: number;
  readonly type: ChangeType;
  readonly storeKey: string;
  readonly object: KObject;
  /** The object before a MODIFIED, so a selector watcher can tell "stopped matching" from "changed". */
  readonly previous?: KObject;
}

export type Subscriber = (change: Change) => void;

export class WatchHub {
  private history: Change[] = [];
  /** Every change with rv greater than this is in `history`. */
  private coveredFrom: number;
  private readonly subscribers = new Map<string, Set<Subscriber>>();

  private readonly limit: number;

  constructor(limit: number, startRv: number) {
    this.limit = limit;
    this.coveredFrom = startRv;
  }

  publish(change: Change): void {
    this.history.push(change);
    if (this.history.length > this.limit * 2) {
      const dropped = this.history.length - this.limit;
      this.coveredFrom = this.history[dropped - 1]!.rv;
      this.history = this.history.slice(dropped);
    }
    for (const subscriber of this.subscribers.get(change.storeKey) ?? []) subscriber(change);
  }

  /** Changes after `rv` for one storeKey, or undefined when the history no longer reaches back that far. */
  since(storeKey: string, rv: number): Change[] | undefined {
    if (rv < this.coveredFrom) return undefined;
    return this.history.filter((c) => c.rv > rv && c.storeKey === storeKey);
  }

  subscribe(storeKey: string, subscriber: Subscriber): () => void {
    const set = this.subscribers.get(storeKey) ?? new Set();
    set.add(subscriber);
    this.subscribers.set(storeKey, set);
    return () => set.delete(subscriber);
  }
}
