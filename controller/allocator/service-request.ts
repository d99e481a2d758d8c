// What the allocator needs to know about a Service, read from the Service object. Pure: the caller
// supplies the namespace's labels and turns `deprecated` into deprecatedAnnotation Events and a
// failure into an AllocationFailed Event.

import { type IP, type IPFamily, parseIP } from '../../common/ip-address.ts';

export type IPFamilyPolicy = 'SingleStack' | 'PreferDualStack' | 'RequireDualStack';

export interface ServicePort {
  readonly protocol: string;
  readonly port: number;
}

export interface ServiceRequest {
  /** namespace/name */
  readonly key: string;
  readonly namespace: string;
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly namespaceLabels: Readonly<Record<string, string>>;
  /** At most one per family, from spec.loadBalancerIP or metallb.io/loadBalancerIPs. */
  readonly requestedIPs: readonly IP[];
  readonly requestedPool?: string;
  readonly sharingKey?: string;
  readonly ports: readonly ServicePort[];
  /** Never empty; the first is the primary family. */
  readonly ipFamilies: readonly IPFamily[];
  readonly ipFamilyPolicy: IPFamilyPolicy;
  readonly externalTrafficPolicy: 'Cluster' | 'Local';
  readonly selector: Readonly<Record<string, string>>;
}

export const annotations = {
  loadBalancerIPs: 'metallb.io/loadBalancerIPs',
  addressPool: 'metallb.io/address-pool',
  allowSharedIP: 'metallb.io/allow-shared-ip',
} as const;

const deprecatedPrefix = 'metallb.universe.tf/';

export interface DeprecatedAnnotation {
  readonly annotation: string;
  readonly replacement: string;
}

export type RequestParse =
  | {
      readonly ok: true;
      readonly request: ServiceRequest;
      readonly deprecated: readonly DeprecatedAnnotation[];
    }
  | { readonly ok: false; readonly reason: string; readonly deprecated: readonly DeprecatedAnnotation[] };

/** The minimal Service shape read here (a subset of V1Service). */
export interface ServiceObject {
  metadata?: {
    name?: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  spec?: {
    loadBalancerIP?: string;
    ipFamilies?: string[];
    ipFamilyPolicy?: string;
    externalTrafficPolicy?: string;
    selector?: Record<string, string>;
    ports?: { protocol?: string; port?: number }[];
  };
}

function parseRequestedIPs(text: string, field: string): { ips: IP[] } | { reason: string } {
  const ips: IP[] = [];
  for (const part of text.split(',').map((p) => p.trim())) {
    const ip = parseIP(part);
    if (ip === undefined) return { reason: `${field}: "${part}" is not an IP address` };
    if (ips.some((other) => other.family === ip.family)) {
      return { reason: `${field}: "${text}" asks for more than one IPv${ip.family} address` };
    }
    ips.push(ip);
  }
  return { ips };
}

function familyOf(name: string): IPFamily | undefined {
  return name === 'IPv4' ? 4 : name === 'IPv6' ? 6 : undefined;
}

/** Backend key (MetalLB): Local Services may only share an IP when they select the same pods. */
export function backendKey(request: ServiceRequest): string {
  if (request.externalTrafficPolicy !== 'Local') return '';
  return Object.keys(request.selector)
    .sort()
    .map((k) => `${k}=${request.selector[k]}`)
    .join(',');
}

export function serviceRequestFrom(
  service: ServiceObject,
  namespaceLabels: Record<string, string> = {},
): RequestParse {
  const metadata = service.metadata ?? {};
  const spec = service.spec ?? {};
  const given = metadata.annotations ?? {};
  const deprecated: DeprecatedAnnotation[] = [];
  const annotation = (current: string): string | undefined => {
    const old = deprecatedPrefix + current.slice(current.indexOf('/') + 1);
    if (given[old] !== undefined) deprecated.push({ annotation: old, replacement: current });
    return given[current] ?? given[old];
  };
  const ipsAnnotation = annotation(annotations.loadBalancerIPs);
  const requestedPool = annotation(annotations.addressPool);
  const sharingKey = annotation(annotations.allowSharedIP);
  const fail = (reason: string): RequestParse => ({ ok: false, reason, deprecated });

  let requestedIPs: IP[] = [];
  const specIP = spec.loadBalancerIP?.trim();
  if (specIP && ipsAnnotation !== undefined) {
    return fail(
      `spec.loadBalancerIP and the ${annotations.loadBalancerIPs} annotation are both set; use only the annotation`,
    );
  }
  if (specIP) {
    const ip = parseIP(specIP);
    if (ip === undefined) return fail(`spec.loadBalancerIP: "${specIP}" is not an IP address`);
    requestedIPs = [ip];
  } else if (ipsAnnotation !== undefined && ipsAnnotation.trim() !== '') {
    const parsed = parseRequestedIPs(ipsAnnotation, annotations.loadBalancerIPs);
    if ('reason' in parsed) return fail(parsed.reason);
    requestedIPs = parsed.ips;
  }

  const ipFamilies: IPFamily[] = [];
  for (const name of spec.ipFamilies ?? []) {
    const family = familyOf(name);
    if (family === undefined) return fail(`spec.ipFamilies: "${name}" is not IPv4 or IPv6`);
    if (!ipFamilies.includes(family)) ipFamilies.push(family);
  }
  if (ipFamilies.length === 0) ipFamilies.push(requestedIPs[0]?.family ?? 4);
  const policy = spec.ipFamilyPolicy ?? 'SingleStack';
  if (policy !== 'SingleStack' && policy !== 'PreferDualStack' && policy !== 'RequireDualStack') {
    return fail(`spec.ipFamilyPolicy: "${policy}" is not SingleStack, PreferDualStack or RequireDualStack`);
  }
  const namespace = metadata.namespace ?? 'default';
  const name = metadata.name ?? '';
  const request: ServiceRequest = {
    key: `${namespace}/${name}`,
    namespace,
    name,
    labels: metadata.labels ?? {},
    namespaceLabels,
    requestedIPs,
    ...(requestedPool ? { requestedPool } : {}),
    ...(sharingKey ? { sharingKey } : {}),
    ports: (spec.ports ?? []).map((p) => ({ protocol: p.protocol ?? 'TCP', port: p.port ?? 0 })),
    ipFamilies,
    ipFamilyPolicy: policy,
    externalTrafficPolicy: spec.externalTrafficPolicy === 'Local' ? 'Local' : 'Cluster',
    selector: spec.selector ?? {},
  };
  return { ok: true, request, deprecated };
}
