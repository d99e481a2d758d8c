// A metrics registry with the process metrics every component exposes: process_resident_memory_bytes,
// nodejs_heap_size_used_bytes, event-loop lag, GC: what an operator looks at first when a component
// grows or stalls.
import { collectDefaultMetrics, Registry } from 'prom-client';

/**
 * How often the event-loop lag is sampled. Each sample is a timer that wakes the loop: at
 * prom-client's default of 10 ms that was 0.6 % of a core in an otherwise idle process, and at 100 ms
 * still a sixth of an idle speaker's wake-ups. Once a second, a stall of a second or more always shows
 * in the lag histogram and a shorter one when it covers a sample; the speaker's failure detector
 * reports its own stalls anyway (the fence and its stall counters).
 */
const eventLoopLagSampleMs = 1000;

export function registryWithProcessMetrics(): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: eventLoopLagSampleMs });
  return registry;
}
