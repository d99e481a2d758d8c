// When the controller has an allocator: only while it leads, has a config and its informers are
// synced, rebuilt from the Services' statuses before anything new is assigned, dropped on losing the
// lead. A new config is applied to it; Services the new config evicts are cleared and re-queued.
import type { V1Service } from '@kubernetes/client-node';
import type { Logger } from '../common/observability/logger.ts';
import type { PoolConfig } from '../common/pool-config/model.ts';
import type { WorkQueue } from '../common/work-queue.ts';
import { Allocator } from './allocator/allocator.ts';
import type { Reconciler } from './reconciler.ts';
import { rebuildEntries } from './services.ts';

export interface AllocatorLifecycleOptions {
  readonly logger: Logger;
  readonly lbClass: string | undefined;
  readonly services: () => readonly V1Service[];
  readonly namespaceLabels: (name: string) => Record<string, string>;
  readonly informersSynced: () => boolean;
  readonly reconciler: () => Pick<Reconciler, 'clearing'>;
  readonly queue: () => Pick<WorkQueue, 'start' | 'stop' | 'idle'>;
  /** Queues every managed Service. */
  readonly enqueueAll: () => void;
  readonly poolsChanged: () => void;
}

export class AllocatorLifecycle {
  private allocatorNow: Allocator | undefined;
  private configNow: PoolConfig | undefined;
  private fingerprint = '';
  private leadingNow = false;
  private stopped = false;

  private readonly options: AllocatorLifecycleOptions;

  constructor(options: AllocatorLifecycleOptions) {
    this.options = options;
  }

  get allocator(): Allocator | undefined {
    return this.stopped ? undefined : this.allocatorNow;
  }

  get config(): PoolConfig | undefined {
    return this.configNow;
  }

  get leading(): boolean {
    return this.leadingNow;
  }

  applyConfig(loaded: PoolConfig, fingerprint: string): void {
    this.configNow = loaded;
    if (fingerprint === this.fingerprint) return;
    this.fingerprint = fingerprint;
    // Bounded: a config of 40k pools is one short line, not 40k names.
    this.options.logger.info(
      { pools: loaded.pools.length, first: loaded.pools.slice(0, 10).map((p) => p.name) },
      'config loaded',
    );
    if (this.allocatorNow) {
      for (const key of this.allocatorNow.setConfig(loaded)) {
        this.options.reconciler().clearing(key, 'its address is no longer allowed for it by the config');
      }
      this.options.enqueueAll();
      this.options.poolsChanged();
    }
    this.activateIfReady();
  }

  startedLeading(): void {
    this.leadingNow = true;
    this.activateIfReady();
  }

  stoppedLeading(): void {
    this.leadingNow = false;
    this.deactivate();
  }

  stop(): void {
    this.stopped = true;
    this.deactivate();
  }

  activateIfReady(): void {
    const { options } = this;
    if (
      this.allocatorNow ||
      !this.leadingNow ||
      this.stopped ||
      !this.configNow ||
      !options.informersSynced()
    )
      return;
    const fresh = new Allocator(this.configNow);
    const services = options.services();
    const rejected = fresh.rebuild(rebuildEntries(services, options.lbClass, options.namespaceLabels));
    for (const claim of rejected) {
      const why = claim.conflictsWith ? `${claim.reason} (the older Service keeps it)` : claim.reason;
      options.reconciler().clearing(claim.key, why);
      options.logger.warn({ service: claim.key, reason: why }, 'status claim rejected on rebuild');
    }
    this.allocatorNow = fresh;
    options.logger.info(
      { services: services.length, rejected: rejected.length },
      'allocator rebuilt from service statuses',
    );
    const queue = options.queue();
    queue.start();
    options.enqueueAll();
    options.poolsChanged();
    const since = Date.now();
    void queue.idle().then(() => {
      if (this.allocatorNow === fresh)
        options.logger.info({ services: options.services().length, ms: Date.now() - since }, 'caught up');
    });
  }

  private deactivate(): void {
    this.allocatorNow = undefined;
    this.options.queue().stop();
  }
}
