// Allocator scale figures (no assertions): 100k allocations in a /15, allocations per second, and
// a /64 IPv6 pool check. --quick does less churn and a smaller IPv6 run; the 100k figures stay 100k.
// Run: node_modules/.bin/node bench/allocator-scale.ts [--quick] [--json FILE]

import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { formatIP } from '../common/ip-address.ts';
import { loadPoolConfig } from '../common/pool-config/load-config.ts';
import { Allocator } from '../controller/allocator/allocator.ts';
import type { ServiceRequest } from '../controller/allocator/service-request.ts';
import { benchArgs, report, round } from './lib/figures.ts';

const args = benchArgs();

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
const churn = args.quick ? 5_000 : 20_000;
for (let i = 0; i < churn; i++) {
  const r = requests[(i * 7919) % count]!;
  allocator.release(r.key);
  allocator.assign(r);
}
const churnSeconds = (performance.now() - churnStart) / 1000;

const v6 = new Allocator(configWith(['2001:db8::/64']));
const v6count = args.quick ? 2_000 : 10_000;
let v6ok = true;
for (let i = 0; i < v6count; i++) {
  const result = v6.assign(request(i, 6));
  if (!result.ok || result.ips[0]!.ip.value !== 0x20010db8000000000000000000000000n + BigInt(i)) v6ok = false;
}
const v6Usage = v6.usage()[0]!;
const v6Last = v6.assignmentOf(`bench/svc-${v6count - 1}`)?.[0]?.ip;

report(args, {
  bench: 'allocator-scale',
  quick: args.quick,
  figures: {
    alloc_100k_s: {
      value: round(seconds),
      unit: 's',
      reference: `wall time of ${count} single-stack IPv4 assignments into one empty /15 pool, one at a time`,
      samples: count,
      target: '≤ 1 s',
      met: failures === 0 && seconds <= 1,
      ...(failures ? { note: `${failures} assignments failed` } : {}),
    },
    alloc_100k_mb: {
      value: round(heapMB, 1),
      unit: 'MB',
      reference: `V8 heap growth after those ${count} assignments, measured after a forced GC (requests excluded)`,
      samples: count,
    },
    alloc_v6_64_ok: {
      value: v6ok && v6Usage.inUse === v6count,
      unit: 'bool',
      reference: `${v6count} IPv6 assignments from a 2001:db8::/64 pool each got the next address in order and usage counted ${v6count} in use`,
      samples: v6count,
      note: `last ${v6Last ? formatIP(v6Last) : 'none'}, ${String(v6Usage.available)} still available`,
    },
    allocs_per_s: {
      value: Math.round(count / seconds),
      unit: 'allocs/s',
      reference: `${count} assignments into one /15 pool`,
      samples: count,
    },
    churn_release_assign_per_s: {
      value: Math.round(churn / churnSeconds),
      unit: 'pairs/s',
      reference: `release + re-assign of one Service in a pool holding ${count}`,
      samples: churn,
    },
  },
});
