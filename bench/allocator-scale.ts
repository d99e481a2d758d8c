// Allocator scale figures (no assertions): 100k allocations in a /15, allocations per second, and
// a /64 IPv6 pool sanity run. Run: node_modules/.bin/node bench/allocator-scale.ts

import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { formatIP } from '../common/ip-address.ts';
import { loadPoolConfig } from '../common/pool-config/load-config.ts';
import { Allocator } from '../controller/allocator/allocator.ts';
import type { ServiceRequest } from '../controller/allocator/service-request.ts';

function configWith(addresses: string[]) {
  const result = loadPoolConfig({
    objects: [
      {
        object: {
          apiVersion: 'metallb.io/v1beta1',
          kind: 'IPAddressPool',
          metadata: { name: 'bench', namespace: 'baremetal-lb-system' },
          spec: { addresses },
        },
      },
    ],
  });
  if (!result.ok) throw new Error('bench config invalid');
  return result.config;
}

function request(i: number, family: 4 | 6): ServiceRequest {
  return {
    key: `bench/svc-${i}`,
    namespace: 'bench',
    name: `svc-${i}`,
    labels: {},
    namespaceLabels: {},
    requestedIPs: [],
    ports: [{ protocol: 'TCP', port: 80 }],
    ipFamilies: [family],
    ipFamilyPolicy: 'SingleStack',
    externalTrafficPolicy: 'Cluster',
    selector: {},
  };
}

// A collection before each heap reading, so the figure is live data rather than garbage.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const count = 100_000;
// Requests exist (as Service objects) whatever the allocator does, so they are not counted.
const requests = Array.from({ length: count }, (_, i) => request(i, 4));
gc();
const heapBefore = process.memoryUsage().heapUsed;
const allocator = new Allocator(configWith(['10.0.0.0/15']));
const start = performance.now();
let failures = 0;
for (const r of requests) if (!allocator.assign(r).ok) failures++;
const seconds = (performance.now() - start) / 1000;
gc();
const heapMB = (process.memoryUsage().heapUsed - heapBefore) / 2 ** 20;

// Churn in a nearly full pool: release one address in the middle and take it back.
const churnStart = performance.now();
const churn = 20_000;
for (let i = 0; i < churn; i++) {
  const r = requests[(i * 7919) % count]!;
  allocator.release(r.key);
  allocator.assign(r);
}
const churnSeconds = (performance.now() - churnStart) / 1000;

const v6 = new Allocator(configWith(['2001:db8::/64']));
let v6ok = true;
for (let i = 0; i < 10_000; i++) {
  const result = v6.assign(request(i, 6));
  if (!result.ok || result.ips[0]!.ip.value !== 0x20010db8000000000000000000000000n + BigInt(i)) v6ok = false;
}
const v6Usage = v6.usage()[0]!;

console.log(
  JSON.stringify(
    {
      alloc_100k_s: Number(seconds.toFixed(3)),
      alloc_100k_mb: Number(heapMB.toFixed(1)),
      alloc_100k_failures: failures,
      allocs_per_s: Math.round(count / seconds),
      churn_release_assign_per_s: Math.round(churn / churnSeconds),
      alloc_v6_64_ok: v6ok && v6Usage.inUse === 10_000,
      v6_64_last: formatIP(v6.assignmentOf('bench/svc-9999')![0]!.ip),
      v6_64_available: String(v6Usage.available),
    },
    null,
    2,
  ),
);
