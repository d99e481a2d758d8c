// MetalLB's allocator metrics (internal/allocator/stats.go), computed from the allocator when
// scraped so they can never drift from it.

import { Counter, Gauge, type Registry } from 'prom-client';
import type { PoolUsage } from './allocator/allocator.ts';

const families = [
  { prefix: '', help: 'IP addresses', family: undefined },
  { prefix: 'ipv4_', help: 'IPv4 addresses', family: 4 },
  { prefix: 'ipv6_', help: 'IPv6 addresses', family: 6 },
] as const;

/** usage() returns the allocator's current pool usage, or undefined while not leading. */
export function registerAllocatorMetrics(
  registry: Registry,
  usage: () => readonly PoolUsage[] | undefined,
): void {
  for (const { prefix, help, family } of families) {
    const pick = (entry: PoolUsage) => family === undefined || entry.family === family;
    const sum = (field: 'total' | 'inUse') =>
      function (this: Gauge<'pool'>) {
        this.reset();
        const totals = new Map<string, number>();
        for (const entry of usage() ?? []) {
          if (!pick(entry)) continue;
          totals.set(entry.pool, (totals.get(entry.pool) ?? 0) + Number(entry[field]));
        }
        for (const [pool, value] of totals) this.set({ pool }, value);
      };
    new Gauge({
      name: `metallb_allocator_${prefix}addresses_total`,
      help: `Number of usable ${help}, per pool`,
      labelNames: ['pool'],
      registers: [registry],
      collect: sum('total'),
    });
    new Gauge({
      name: `metallb_allocator_${prefix}addresses_in_use_total`,
      help: `Number of ${help} in use, per pool`,
      labelNames: ['pool'],
      registers: [registry],
      collect: sum('inUse'),
    });
  }
}

/**
 * Service reconciles run. MetalLB's metallb_k8s_client_updates_total also counts config updates;
 * this one counts only the per-Service work, so its cost per change can be seen (one per real change).
 */
export function registerReconcileCounter(registry: Registry): Counter {
  return new Counter({
    name: 'baremetal_lb_controller_service_reconciles_total',
    help: 'Service reconciles run; the echoes of the controller’s own writes and the speaker’s annotation cause none',
    registers: [registry],
  });
}
