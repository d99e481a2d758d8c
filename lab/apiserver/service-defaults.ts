// Service defaulting, validation and allocation (cluster IPs, node ports) as the real API server
// does them, because the load balancer controller reads exactly these fields. Pure: the caller
// passes what other Services already hold.

import { formatIP, type IP, parseIP } from '../../common/ip-address.ts';
import { isRecord, type KObject } from './object-model.ts';
import type { StatusCause } from './status-errors.ts';

export interface ServiceAllocations {
  clusterIPs: { has(ip: string): boolean };
  nodePorts: { has(port: number): boolean };
  /** Where a search for a free cluster IP of `family` may start: every lower offset is taken. */
  firstFreeOffset?: (family: Family) => bigint;
}

const serviceRanges = {
  IPv4: { base: parseIP('10.96.0.0')!, size: 1n << 20n },
  IPv6: { base: parseIP('fd00:10:96::')!, size: 1n << 16n },
} as const;
type Family = keyof typeof serviceRanges;
const nodePortMin = 30000;
const nodePortMax = 32767;
const types = ['ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName'];
const policies = ['SingleStack', 'PreferDualStack', 'RequireDualStack'];
const protocols = ['TCP', 'UDP', 'SCTP'];

/** What other Services hold, for allocation and conflict checks. */
export function allocationsOf(services: readonly KObject[]): ServiceAllocations {
  const index = new ServiceAllocationIndex();
  for (const service of services) index.add(service);
  return index.heldByOthers('');
}

const ownerOf = (service: KObject): string => `${service.metadata.namespace ?? ''}/${service.metadata.name}`;

function heldBy(service: KObject): { clusterIPs: string[]; nodePorts: number[] } {
  const spec = isRecord(service.spec) ? service.spec : {};
  const clusterIPs: string[] = [];
  const nodePorts: number[] = [];
  for (const ip of Array.isArray(spec.clusterIPs) ? spec.clusterIPs : [])
    if (typeof ip === 'string') clusterIPs.push(canonical(ip));
  for (const port of Array.isArray(spec.ports) ? spec.ports : [])
    if (isRecord(port) && typeof port.nodePort === 'number') nodePorts.push(port.nodePort);
  if (typeof spec.healthCheckNodePort === 'number') nodePorts.push(spec.healthCheckNodePort);
  return { clusterIPs, nodePorts };
}

/**
 * Cluster IPs and node ports held by stored Services, kept up to date on every write rather than
 * re-read from all Services on each one: at 10k Services the re-scan dominated a create.
 */
export class ServiceAllocationIndex {
  private readonly ips = new Map<string, string>();
  private readonly ports = new Map<number, string>();
  // Lower bounds below which every offset is taken, raised lazily on search.
  private readonly lowest: Record<Family, bigint> = { IPv4: 1n, IPv6: 1n };
  // Offsets below `lowest` given up since the last search. An update removes and re-adds the same
  // IP, so they only lower `lowest` if still free at the next search; lowering at once made every
  // create after a status write scan up from that Service's IP again.
  private readonly released: Record<Family, bigint[]> = { IPv4: [], IPv6: [] };

  add(service: KObject): void {
    const owner = ownerOf(service);
    const held = heldBy(service);
    for (const ip of held.clusterIPs) this.ips.set(ip, owner);
    for (const port of held.nodePorts) this.ports.set(port, owner);
  }

  remove(service: KObject): void {
    const owner = ownerOf(service);
    const held = heldBy(service);
    for (const text of held.clusterIPs) {
      if (this.ips.get(text) !== owner) continue;
      this.ips.delete(text);
      const ip = parseIP(text);
      if (!ip) continue;
      const family = familyOf(ip);
      const offset = ip.value - serviceRanges[family].base.value;
      if (offset >= 1n && offset < this.lowest[family]) this.released[family].push(offset);
    }
    for (const port of held.nodePorts) if (this.ports.get(port) === owner) this.ports.delete(port);
  }

  /** What every Service but `namespace/name` holds. */
  heldByOthers(owner: string): ServiceAllocations {
    const other = (holder: string | undefined) => holder !== undefined && holder !== owner;
    return {
      clusterIPs: { has: (ip) => other(this.ips.get(ip)) },
      nodePorts: { has: (port) => other(this.ports.get(port)) },
      firstFreeOffset: (family) => {
        const { base, size } = serviceRanges[family];
        const ipAt = (offset: bigint) => formatIP({ family: base.family, value: base.value + offset });
        for (const offset of this.released[family])
          if (offset < this.lowest[family] && !this.ips.has(ipAt(offset))) this.lowest[family] = offset;
        this.released[family] = [];
        let offset = this.lowest[family];
        while (offset < size && this.ips.has(ipAt(offset))) offset++;
        this.lowest[family] = offset;
        return offset;
      },
    };
  }
}

const canonical = (text: string): string => {
  const ip = parseIP(text);
  return ip ? formatIP(ip) : text;
};

const familyOf = (ip: IP): Family => (ip.family === 4 ? 'IPv4' : 'IPv6');

/**
 * Defaults, validates and allocates in place on `service` (a private copy). `old` is the stored
 * Service on update. Returns the validation failures; the object is only usable when there are none.
 */
/** As kube-apiserver (LoadBalancerIPMode, GA in 1.32): an ingress entry with an ip and no ipMode is a VIP. */
function defaultIngressIPMode(service: KObject): void {
  const lb = isRecord(service.status) ? service.status.loadBalancer : undefined;
  const ingress = isRecord(lb) && Array.isArray(lb.ingress) ? lb.ingress : [];
  for (const entry of ingress)
    if (isRecord(entry) && entry.ip && entry.ipMode === undefined) entry.ipMode = 'VIP';
}

export function prepareService(
  service: KObject,
  old: KObject | undefined,
  taken: ServiceAllocations,
): StatusCause[] {
  const causes: StatusCause[] = [];
  const fail = (field: string, message: string, reason = 'FieldValueInvalid') =>
    causes.push({ field, message, reason });
  if (!isRecord(service.spec)) service.spec = {};
  defaultIngressIPMode(service);
  const spec = service.spec as Record<string, unknown>;
  const oldSpec = old && isRecord(old.spec) ? old.spec : undefined;

  spec.type ??= 'ClusterIP';
  if (!types.includes(spec.type as string)) {
    fail(
      'spec.type',
      `Unsupported value: ${JSON.stringify(spec.type)}: supported values: "${types.join('", "')}"`,
      'FieldValueNotSupported',
    );
    return causes;
  }
  const type = spec.type as string;
  const externalName = type === 'ExternalName';
  const needsNodePorts =
    type === 'NodePort' || (type === 'LoadBalancer' && spec.allocateLoadBalancerNodePorts !== false);
  spec.sessionAffinity ??= 'None';
  if (type === 'LoadBalancer') spec.allocateLoadBalancerNodePorts ??= true;
  if (type === 'LoadBalancer' || type === 'NodePort') spec.externalTrafficPolicy ??= 'Cluster';
  else if (oldSpec && spec.externalTrafficPolicy === oldSpec.externalTrafficPolicy)
    delete spec.externalTrafficPolicy;
  if (!externalName) spec.internalTrafficPolicy ??= 'Cluster';
  if (
    spec.externalTrafficPolicy !== undefined &&
    !['Cluster', 'Local'].includes(spec.externalTrafficPolicy as string)
  ) {
    fail(
      'spec.externalTrafficPolicy',
      `Unsupported value: ${JSON.stringify(spec.externalTrafficPolicy)}: supported values: "Cluster", "Local"`,
      'FieldValueNotSupported',
    );
  }
  if (spec.externalTrafficPolicy !== undefined && type !== 'LoadBalancer' && type !== 'NodePort') {
    fail('spec.externalTrafficPolicy', "may only be set when `type` is 'NodePort' or 'LoadBalancer'");
  }

  const ports = spec.ports ?? [];
  if (!Array.isArray(ports)) {
    fail('spec.ports', 'must be a list');
    return causes;
  }
  const headless = spec.clusterIP === 'None';
  if (ports.length === 0 && !externalName && !headless)
    fail('spec.ports', 'Required value', 'FieldValueRequired');
  const names = new Set<string>();
  const oldPorts = (oldSpec && Array.isArray(oldSpec.ports) ? oldSpec.ports : []).filter(isRecord);
  for (const [i, port] of ports.entries()) {
    const at = `spec.ports[${i}]`;
    if (!isRecord(port)) {
      fail(at, 'must be an object');
      continue;
    }
    port.protocol ??= 'TCP';
    if (!protocols.includes(port.protocol as string)) {
      fail(
        `${at}.protocol`,
        `Unsupported value: ${JSON.stringify(port.protocol)}: supported values: "SCTP", "TCP", "UDP"`,
        'FieldValueNotSupported',
      );
    }
    if (!Number.isInteger(port.port) || (port.port as number) < 1 || (port.port as number) > 65535) {
      fail(
        `${at}.port`,
        `Invalid value: ${JSON.stringify(port.port)}: must be between 1 and 65535, inclusive`,
      );
    }
    port.targetPort ??= port.port;
    // A number must be a port too; kube-apiserver reports it separately, also when it was defaulted from port.
    const target = port.targetPort;
    if (typeof target === 'number' && (!Number.isInteger(target) || target < 1 || target > 65535)) {
      fail(
        `${at}.targetPort`,
        `Invalid value: ${JSON.stringify(target)}: must be between 1 and 65535, inclusive`,
      );
    }
    const name = (port.name as string | undefined) ?? '';
    if (ports.length > 1 && name === '') fail(`${at}.name`, 'Required value', 'FieldValueRequired');
    if (name !== '' && names.has(name))
      fail(`${at}.name`, `Duplicate value: ${JSON.stringify(name)}`, 'FieldValueDuplicate');
    names.add(name);
    const oldPort = oldPorts.find((p) => (p.name ?? '') === name);
    if (!needsNodePorts && port.nodePort !== undefined && oldPort && port.nodePort === oldPort.nodePort)
      delete port.nodePort;
    if (port.nodePort === 0) delete port.nodePort;
    if (port.nodePort !== undefined) {
      const nodePort = port.nodePort as number;
      if (!needsNodePorts)
        fail(
          `${at}.nodePort`,
          `Forbidden: may not be used when \`type\` is '${type}'`,
          'FieldValueForbidden',
        );
      else if (!Number.isInteger(nodePort) || nodePort < nodePortMin || nodePort > nodePortMax) {
        fail(
          `${at}.nodePort`,
          `Invalid value: ${JSON.stringify(nodePort)}: provided port is not in the valid range. The range of valid ports is ${nodePortMin}-${nodePortMax}`,
        );
      } else if (taken.nodePorts.has(nodePort))
        fail(`${at}.nodePort`, `Invalid value: ${nodePort}: provided port is already allocated`);
    }
  }
  if (!needsNodePorts && oldSpec && spec.healthCheckNodePort === oldSpec.healthCheckNodePort)
    delete spec.healthCheckNodePort;

  if (externalName) {
    if (typeof spec.externalName !== 'string' || spec.externalName === '')
      fail('spec.externalName', 'Required value', 'FieldValueRequired');
    if (oldSpec && spec.clusterIP === oldSpec.clusterIP) {
      delete spec.clusterIP;
      delete spec.clusterIPs;
      delete spec.ipFamilies;
      delete spec.ipFamilyPolicy;
    }
    if (spec.clusterIP !== undefined && spec.clusterIP !== '')
      fail('spec.clusterIP', 'Forbidden: may not be set for ExternalName services', 'FieldValueForbidden');
  } else {
    prepareClusterIPs(spec, oldSpec, taken, fail);
  }
  if (
    spec.loadBalancerIP !== undefined &&
    spec.loadBalancerIP !== '' &&
    !parseIP(String(spec.loadBalancerIP))
  ) {
    fail(
      'spec.loadBalancerIP',
      `Invalid value: ${JSON.stringify(spec.loadBalancerIP)}: must be a valid IP address`,
    );
  }
  if (causes.length > 0) return causes;

  // Allocation only once the object is known valid, so a rejected request allocates nothing.
  const usedPorts = new Set<number>();
  const portTaken = (port: number) => usedPorts.has(port) || taken.nodePorts.has(port);
  if (needsNodePorts) {
    const mine = new Set(ports.filter(isRecord).map((p) => p.nodePort as number | undefined));
    for (const port of ports.filter(isRecord)) {
      if (port.nodePort !== undefined) continue;
      const previous = oldPorts.find((p) => (p.name ?? '') === (port.name ?? ''))?.nodePort as
        | number
        | undefined;
      port.nodePort =
        previous !== undefined && !mine.has(previous) ? previous : nextFreePort(portTaken, mine);
      mine.add(port.nodePort as number);
    }
    for (const p of mine) if (p !== undefined) usedPorts.add(p);
  }
  if (type === 'LoadBalancer' && spec.externalTrafficPolicy === 'Local') {
    spec.healthCheckNodePort ??=
      (oldSpec?.healthCheckNodePort as number | undefined) ?? nextFreePort(portTaken, new Set());
  } else if (spec.healthCheckNodePort !== undefined) {
    fail(
      'spec.healthCheckNodePort',
      "Forbidden: may only be set when `type` is 'LoadBalancer' and `externalTrafficPolicy` is 'Local'",
      'FieldValueForbidden',
    );
  }
  if (!isRecord(service.status)) service.status = { loadBalancer: {} };
  return causes;
}

function nextFreePort(taken: (port: number) => boolean, mine: ReadonlySet<number | undefined>): number {
  for (let port = nodePortMin; port <= nodePortMax; port++) if (!taken(port) && !mine.has(port)) return port;
  throw new Error(`no node port left in ${nodePortMin}-${nodePortMax}`);
}

function prepareClusterIPs(
  spec: Record<string, unknown>,
  oldSpec: Record<string, unknown> | undefined,
  taken: ServiceAllocations,
  fail: (field: string, message: string, reason?: string) => void,
): void {
  if (
    (spec.clusterIP === undefined || spec.clusterIP === '') &&
    (spec.clusterIPs === undefined || (spec.clusterIPs as unknown[]).length === 0) &&
    oldSpec?.clusterIP
  ) {
    spec.clusterIP = oldSpec.clusterIP;
    spec.clusterIPs = oldSpec.clusterIPs;
    spec.ipFamilies ??= oldSpec.ipFamilies;
    spec.ipFamilyPolicy ??= oldSpec.ipFamilyPolicy;
  }
  let given: string[] = Array.isArray(spec.clusterIPs)
    ? (spec.clusterIPs as string[]).filter((s) => s !== '')
    : [];
  if (given.length === 0 && typeof spec.clusterIP === 'string' && spec.clusterIP !== '')
    given = [spec.clusterIP];
  if (typeof spec.clusterIP === 'string' && spec.clusterIP !== '' && given[0] !== spec.clusterIP) {
    fail(
      'spec.clusterIPs[0]',
      `Invalid value: ${JSON.stringify(given[0])}: must match \`clusterIP\` ${JSON.stringify(spec.clusterIP)}`,
    );
    return;
  }
  if (oldSpec?.clusterIP && oldSpec.clusterIP !== given[0]) {
    fail('spec.clusterIPs[0]', `Invalid value: ${JSON.stringify(given[0] ?? '')}: field is immutable`);
    return;
  }
  const headless = given[0] === 'None';
  const parsed: IP[] = [];
  if (!headless) {
    for (const [i, text] of given.entries()) {
      const ip = parseIP(text);
      if (!ip) {
        fail(
          `spec.clusterIPs[${i}]`,
          `Invalid value: ${JSON.stringify(text)}: must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)`,
        );
        return;
      }
      parsed.push(ip);
    }
  }

  spec.ipFamilyPolicy ??= given.length > 1 ? 'RequireDualStack' : 'SingleStack';
  const policy = spec.ipFamilyPolicy as string;
  if (!policies.includes(policy)) {
    fail(
      'spec.ipFamilyPolicy',
      `Unsupported value: ${JSON.stringify(policy)}: supported values: "${policies.join('", "')}"`,
      'FieldValueNotSupported',
    );
    return;
  }
  let families = Array.isArray(spec.ipFamilies) ? [...(spec.ipFamilies as string[])] : [];
  for (const [i, family] of families.entries()) {
    if (family !== 'IPv4' && family !== 'IPv6') {
      fail(
        `spec.ipFamilies[${i}]`,
        `Unsupported value: ${JSON.stringify(family)}: supported values: "IPv4", "IPv6"`,
        'FieldValueNotSupported',
      );
      return;
    }
    if (families.indexOf(family) !== i) {
      fail(`spec.ipFamilies[${i}]`, `Duplicate value: ${JSON.stringify(family)}`, 'FieldValueDuplicate');
      return;
    }
  }
  if (families.length === 0) families = parsed.map(familyOf);
  if (families.length === 0) families = ['IPv4'];
  if (policy !== 'SingleStack' && families.length === 1)
    families.push(families[0] === 'IPv4' ? 'IPv6' : 'IPv4');
  if (policy === 'SingleStack' && families.length > 1) {
    fail(
      'spec.ipFamilies',
      `Invalid value: ${JSON.stringify(families)}: when \`ipFamilyPolicy\` is SingleStack, at most one family may be given`,
    );
    return;
  }
  spec.ipFamilies = families;
  if (headless) {
    spec.clusterIP = 'None';
    spec.clusterIPs = ['None'];
    return;
  }
  for (const [i, ip] of parsed.entries()) {
    const family = familyOf(ip);
    const range = serviceRanges[family];
    if (family !== families[i]) {
      fail(
        `spec.clusterIPs[${i}]`,
        `Invalid value: ${JSON.stringify(given[i])}: expected an ${families[i]} value as indicated by \`ipFamilies\``,
      );
    } else if (
      !oldSpec?.clusterIP &&
      (ip.value < range.base.value || ip.value >= range.base.value + range.size)
    ) {
      fail(
        `spec.clusterIPs[${i}]`,
        `Invalid value: ${JSON.stringify(given[i])}: provided IP is not in the valid range. The range of valid IPs is ${formatIP(range.base)}/${family === 'IPv4' ? 12 : 112}`,
      );
    } else if (!oldSpec?.clusterIP && taken.clusterIPs.has(formatIP(ip))) {
      fail(
        `spec.clusterIPs[${i}]`,
        `Invalid value: ${JSON.stringify(given[i])}: provided IP is already allocated`,
      );
    }
  }
  const clusterIPs = parsed.map(formatIP);
  for (const family of families.slice(parsed.length)) clusterIPs.push(nextFreeIP(family as Family, taken));
  spec.clusterIPs = clusterIPs;
  spec.clusterIP = clusterIPs[0];
}

function nextFreeIP(family: Family, taken: ServiceAllocations): string {
  const { base, size } = serviceRanges[family];
  for (let offset = taken.firstFreeOffset?.(family) ?? 1n; offset < size; offset++) {
    const text = formatIP({ family: base.family, value: base.value + offset });
    if (!taken.clusterIPs.has(text)) return text;
  }
  throw new Error(`no ${family} service cluster IP left`);
}
