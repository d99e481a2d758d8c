// Which Services to plan next, and their plans: changes are marked as they arrive (one Service, or
// the whole world) and the next plan() plans exactly those, so a change to one Service costs the
// planning of one Service however many there are. Pure apart from reading the informers' caches.

import type { V1EndpointSlice, V1Service } from '@kubernetes/client-node';
import { splitKey } from '../common/service-fields.ts';
import type { LedIP } from './announcement-plan.ts';
import { serviceView } from './cluster-view.ts';
import { PlanBook, type PlanUpdate, type PlanWorld } from './plan-book.ts';

export interface ServicePlanningOptions {
  /** Only Services with this loadBalancerClass; unset = only Services without a class. */
  readonly lbClass?: string;
  readonly service: (name: string, namespace: string) => V1Service | undefined;
  /** Keys (namespace/name) of every Service known now. */
  readonly serviceKeys: () => Iterable<string>;
  readonly slicesOf: (key: string) => readonly V1EndpointSlice[];
}

export class ServicePlanning {
  readonly #options: ServicePlanningOptions;
  #book = new PlanBook();
  #dirty = new Set<string>();
  #everything = true;

  constructor(options: ServicePlanningOptions) {
    this.#options = options;
  }

  /** ipKey → what this node answers for, as last planned. */
  get led(): ReadonlyMap<string, LedIP> {
    return this.#book.led;
  }

  /** The nodes leading at least one Service, as last planned. */
  announcingNodes(): ReadonlySet<string> {
    return this.#book.announcingNodes();
  }

  /** These Services changed (or their EndpointSlices did). */
  markServices(keys: readonly string[]): void {
    for (const key of keys) this.#dirty.add(key);
  }

  /** Something every plan depends on changed: nodes, peers, config, interfaces. */
  markAll(): void {
    this.#everything = true;
  }

  /** Plans what was marked since the last call. */
  plan(world: PlanWorld): PlanUpdate {
    const keys = this.#everything
      ? new Set([...this.#options.serviceKeys(), ...this.#book.keys()])
      : this.#dirty;
    this.#everything = false;
    this.#dirty = new Set();
    return this.#book.update(
      world,
      [...keys].map((key) => [key, this.#view(key)] as const),
    );
  }

  /** Forgets every plan (after a failed apply, or new links): the next plan() starts over. */
  reset(): void {
    this.#book = new PlanBook();
    this.#everything = true;
  }

  #view(key: string) {
    const { namespace, name } = splitKey(key);
    const service = this.#options.service(name, namespace);
    return service && serviceView(service, this.#options.lbClass, this.#options.slicesOf);
  }
}
