// The speaker's plans kept per Service, so a change to one Service re-plans that Service alone:
// each plan is remembered, and the IPs this node leads are kept as an index from IP to the Services
// that lead it here, updated only for the IPs a changed plan touches. Node, peer and config changes
// re-plan every Service in one call. Pure.

import { formatIP, ipKey } from '../common/ip-address.ts';
import {
  type AnnouncementPlan,
  type LedChange,
  type LedIP,
  type PlanInput,
  planService,
  type ServicePlan,
} from './announcement-plan.ts';
import type { ServiceView } from './cluster-view.ts';

/** Everything a plan depends on besides the Service itself. */
export type PlanWorld = Omit<PlanInput, 'services'>;

export interface PlanUpdate {
  /** Plans that are new or read differently from before. */
  readonly changed: readonly ServicePlan[];
  /** Services no longer planned: deleted, not a LoadBalancer of ours, or without an IP. */
  readonly removed: readonly string[];
  readonly led: LedChange;
  /** Services this node now leads that another node led before: key → that node. */
  readonly tookOver: ReadonlyMap<string, string>;
  /** How many Services were planned. */
  readonly planned: number;
}

export class PlanBook {
  readonly #plans = new Map<string, ServicePlan>();
  readonly #led = new Map<string, LedIP>();
  /** ipKey → keys of the Services this node leads the IP for. */
  readonly #leaders = new Map<string, Set<string>>();
  /** Node → how many planned Services it leads, on every node's behalf. */
  readonly #plansLedBy = new Map<string, number>();

  /** ipKey → what this node answers for. */
  get led(): ReadonlyMap<string, LedIP> {
    return this.#led;
  }

  plans(): IterableIterator<ServicePlan> {
    return this.#plans.values();
  }

  keys(): IterableIterator<string> {
    return this.#plans.keys();
  }

  /** The nodes leading at least one planned Service: whose failure moves addresses. */
  announcingNodes(): ReadonlySet<string> {
    return new Set(this.#plansLedBy.keys());
  }

  /** Re-plans the given Services (undefined: no longer one to plan) in this world. */
  update(world: PlanWorld, views: Iterable<readonly [string, ServiceView | undefined]>): PlanUpdate {
    const selfLabels = world.nodes.find((n) => n.metadata?.name === world.self)?.metadata?.labels;
    const changed: ServicePlan[] = [];
    const removed: string[] = [];
    const tookOver = new Map<string, string>();
    const touched = new Set<string>();
    let planned = 0;
    for (const [key, view] of views) {
      const before = this.#plans.get(key);
      const after = view && planService(view, world, selfLabels);
      planned += after ? 1 : 0;
      if (sameFingerprint(before, after)) continue;
      if (before) {
        this.#unlead(before, world.self, touched);
        this.#countLeader(before.leader, -1);
      }
      this.#countLeader(after?.leader, 1);
      if (after?.leader === world.self && before?.leader !== undefined && before.leader !== world.self)
        tookOver.set(key, before.leader);
      if (after) {
        this.#plans.set(key, after);
        this.#lead(after, world.self, touched);
        changed.push(after);
      } else if (before) {
        this.#plans.delete(key);
        removed.push(key);
      }
    }
    return { changed, removed, led: this.#rebuild(touched), tookOver, planned };
  }

  #countLeader(node: string | undefined, delta: 1 | -1): void {
    if (node === undefined) return;
    const count = (this.#plansLedBy.get(node) ?? 0) + delta;
    if (count > 0) this.#plansLedBy.set(node, count);
    else this.#plansLedBy.delete(node);
  }

  #lead(plan: ServicePlan, self: string, touched: Set<string>): void {
    if (plan.leader !== self) return;
    for (const ip of plan.ips) {
      const key = ipKey(ip);
      this.#leaders.set(key, (this.#leaders.get(key) ?? new Set()).add(plan.key));
      touched.add(key);
    }
  }

  #unlead(plan: ServicePlan, self: string, touched: Set<string>): void {
    if (plan.leader !== self) return;
    for (const ip of plan.ips) {
      const key = ipKey(ip);
      const services = this.#leaders.get(key);
      services?.delete(plan.key);
      if (services?.size === 0) this.#leaders.delete(key);
      touched.add(key);
    }
  }

  /** Recomputes the led entries of the touched IPs; says how they changed. */
  #rebuild(touched: ReadonlySet<string>): LedChange {
    const added: string[] = [];
    const removed: string[] = [];
    const moved: string[] = [];
    for (const key of touched) {
      const before = this.#led.get(key);
      const services = [...(this.#leaders.get(key) ?? [])].sort();
      if (services.length === 0) {
        if (before) removed.push(key);
        this.#led.delete(key);
        continue;
      }
      const plans = services.map((s) => this.#plans.get(s)!);
      const ip = plans[0]!.ips.find((candidate) => ipKey(candidate) === key)!;
      const interfaces = [...new Set(plans.flatMap((p) => p.interfaces))].sort();
      this.#led.set(key, { ip, interfaces, services });
      if (!before) added.push(key);
      else if (before.interfaces.join(',') !== interfaces.join(',')) moved.push(key);
    }
    return { added, removed, moved };
  }
}

/** Two plans read the same when every field a consumer acts on is equal. */
function sameFingerprint(a: ServicePlan | undefined, b: ServicePlan | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return fingerprint(a) === fingerprint(b);
}

function fingerprint(plan: ServicePlan): string {
  return JSON.stringify([
    plan.ips.map(formatIP),
    plan.pool,
    plan.leader,
    plan.reason,
    plan.noAdvertisement,
    plan.reporter,
    plan.interfaces,
    plan.selfExcluded,
  ]);
}

/** Every Service planned at once: what a fresh PlanBook holds after one update. */
export function planAnnouncements(input: PlanInput): AnnouncementPlan {
  const { services, ...world } = input;
  const book = new PlanBook();
  book.update(
    world,
    services.map((s) => [s.key, s] as const),
  );
  return { services: [...book.plans()], led: book.led };
}
