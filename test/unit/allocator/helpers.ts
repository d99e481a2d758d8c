// Builders shared by the allocator tests: a config from compact pool specs, and a request with
// defaults (Cluster, SingleStack IPv4, one TCP port) overridden per case.

import { formatIP, type IP, parseIP } from '../../../common/ip-address.ts';
import { loadPoolConfig } from '../../../common/pool-config/load-config.ts';
import type { PoolConfig } from '../../../common/pool-config/model.ts';
import { formatProblem } from '../../../common/pool-config/problems.ts';
import type { AssignResult } from '../../../controller/allocator/allocator.ts';
import type { ServiceRequest } from '../../../controller/allocator/service-request.ts';

export function poolsConfig(pools: Record<string, Record<string, unknown>>): PoolConfig {
  const result = loadPoolConfig({
    objects: Object.entries(pools).map(([name, spec]) => ({
      object: {
        apiVersion: 'metallb.io/v1beta1',
        kind: 'IPAddressPool',
        metadata: { name, namespace: 'lb' },
        spec,
      },
    })),
  });
  if (!result.ok) throw new Error(result.problems.map(formatProblem).join('\n'));
  return result.config;
}

export function ip(text: string): IP {
  const parsed = parseIP(text);
  if (!parsed) throw new Error(`bad test IP ${text}`);
  return parsed;
}

export function svc(name: string, overrides: Partial<ServiceRequest> = {}): ServiceRequest {
  const namespace = overrides.namespace ?? 'default';
  return {
    key: `${namespace}/${name}`,
    namespace,
    name,
    labels: {},
    namespaceLabels: {},
    requestedIPs: [],
    ports: [{ protocol: 'TCP', port: 80 }],
    ipFamilies: [4],
    ipFamilyPolicy: 'SingleStack',
    externalTrafficPolicy: 'Cluster',
    selector: { app: name },
    ...overrides,
  };
}

/** "pool:ip,pool:ip" for a success, "fail: reason" otherwise: one string to compare in tables. */
export function shown(result: AssignResult): string {
  if (!result.ok) return `fail: ${result.reason}`;
  return result.ips.map((a) => `${a.pool}:${formatIP(a.ip)}`).join(',');
}
