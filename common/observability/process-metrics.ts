// A metrics registry with the process metrics every component exposes: process_resident_memory_bytes,
// nodejs_heap_size_used_bytes, event-loop lag, GC: what an operator looks at first when a component
// grows or stalls.
import { collectDefaultMetrics, Registry } from 'prom-client';

/**
 * How often the event-loop lag is sampled. prom-client's default, 10 ms, is a timer that wakes the
 * loop 100 times a second: 0.6 % of a core in an otherwise idle process, as much as all of an idle
 * speaker's failure detection. At 100 ms a stall still shows in the lag histogram, ten samples a
 * second.
 */
const eventLoopLagSampleMs = 100;

export function registryWithProcessMetrics(): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: eventLoopLagSampleMs });
  return registry;
}
