// metallb.io/v1beta1 IPAddressPool and L2Advertisement objects, with MetalLB's field names and
// defaults. Other metallb.io kinds (BGP) are reported as unsupported and ignored.

import { metallbApiVersion } from '../kube/api-paths.ts';
import type { Requirement } from '../label-selector.ts';
import {
  checkKnownFields,
  isRecord,
  optionalBoolean,
  optionalStringList,
  optionalStringMap,
  reportRepeats,
} from './field-checks.ts';
import type { Pool, PreferredNodeSelector, ServiceAllocation } from './model.ts';
import { readPoolAddresses } from './pool-addresses.ts';
import { type ConfigProblem, ProblemCollector } from './problems.ts';
import { readSelectorList } from './selectors.ts';

export interface ConfigObject {
  readonly object: unknown;
  /** Prefix for problem sources, e.g. 'pools.yaml#2'. */
  readonly origin?: string;
}

/** An L2Advertisement before its pool references are resolved against the merged pool list. */
export interface L2AdvertisementDraft {
  readonly name: string;
  readonly source: string;
  readonly ipAddressPools: readonly string[];
  readonly ipAddressPoolSelectors: readonly Requirement[][];
  readonly nodeSelectors: readonly Requirement[][];
  readonly interfaces: readonly string[];
  readonly serviceSelectors: readonly Requirement[][];
  readonly preferredNodeSelectors: readonly PreferredNodeSelector[];
}

export const poolSpecFields = ['addresses', 'autoAssign', 'avoidBuggyIPs', 'serviceAllocation'];
export const allocationFields = ['priority', 'namespaces', 'namespaceSelectors', 'serviceSelectors'];
export const advertisementSpecFields = [
  'ipAddressPools',
  'ipAddressPoolSelectors',
  'nodeSelectors',
  'interfaces',
  'serviceSelectors',
  'preferredNodeSelectors',
];
export const preferenceFields = ['weight', 'preference'];
const unsupportedKinds = ['BGPPeer', 'BGPAdvertisement', 'Community', 'BFDProfile'];

interface ObjectHeader {
  readonly kind: string;
  readonly name: string | undefined;
  readonly labels: Record<string, string>;
  readonly spec: Record<string, unknown>;
  readonly collector: ProblemCollector;
}

function readHeader(entry: ConfigObject, problems: ConfigProblem[]): ObjectHeader | undefined {
  const object = entry.object;
  const prefix = entry.origin ? `${entry.origin} ` : '';
  if (!isRecord(object)) {
    new ProblemCollector(prefix.trim() || 'object', problems).error(
      'object',
      object,
      'not a Kubernetes object',
    );
    return undefined;
  }
  const metadata = isRecord(object.metadata) ? object.metadata : {};
  const kind = typeof object.kind === 'string' ? object.kind : '(no kind)';
  const name = typeof metadata.name === 'string' && metadata.name !== '' ? metadata.name : undefined;
  const namespace = typeof metadata.namespace === 'string' ? `${metadata.namespace}/` : '';
  const collector = new ProblemCollector(`${prefix}${kind} ${namespace}${name ?? '(unnamed)'}`, problems);
  if (name === undefined) collector.error('metadata.name', metadata.name, 'every object needs a name');
  const apiGroup = typeof object.apiVersion === 'string' ? object.apiVersion.split('/')[0] : undefined;
  if (apiGroup === 'metallb.io' && unsupportedKinds.includes(kind)) {
    collector.warn('kind', kind, 'BGP is not supported; this object is ignored');
    return undefined;
  }
  if (kind !== 'IPAddressPool' && kind !== 'L2Advertisement') {
    collector.error('kind', object.kind, 'expected IPAddressPool or L2Advertisement');
    return undefined;
  }
  if (object.apiVersion !== metallbApiVersion) {
    collector.error('apiVersion', object.apiVersion, `must be ${metallbApiVersion}`);
    return undefined;
  }
  if (object.spec !== undefined && !isRecord(object.spec)) {
    collector.error('spec', object.spec, 'must be a map');
    return undefined;
  }
  const labels = optionalStringMap(metadata.labels, 'metadata.labels', collector);
  return { kind, name, labels, spec: isRecord(object.spec) ? object.spec : {}, collector };
}

function readServiceAllocation(value: unknown, collector: ProblemCollector): ServiceAllocation | undefined {
  if (value === undefined || value === null) return undefined;
  const at = 'spec.serviceAllocation';
  if (!isRecord(value)) {
    collector.error(at, value, 'must be a map');
    return undefined;
  }
  checkKnownFields(value, allocationFields, at, collector);
  let priority: number | undefined;
  if (value.priority !== undefined && value.priority !== null) {
    if (typeof value.priority === 'number' && Number.isInteger(value.priority) && value.priority >= 0) {
      priority = value.priority;
    } else {
      collector.error(`${at}.priority`, value.priority, 'must be a whole number, 0 or more');
    }
  }
  const namespaces = optionalStringList(value.namespaces, `${at}.namespaces`, collector);
  reportRepeats(namespaces, `${at}.namespaces`, collector);
  const allocation: ServiceAllocation = {
    namespaces,
    namespaceSelectors: readSelectorList(value.namespaceSelectors, `${at}.namespaceSelectors`, collector),
    serviceSelectors: readSelectorList(value.serviceSelectors, `${at}.serviceSelectors`, collector),
  };
  return priority === undefined ? allocation : { ...allocation, priority };
}

function readPool(header: ObjectHeader): Pool | undefined {
  const { spec, collector } = header;
  collector.pool = header.name;
  checkKnownFields(spec, poolSpecFields, 'spec', collector);
  const ranges = readPoolAddresses(spec.addresses, 'spec.addresses', collector);
  const autoAssign = optionalBoolean(spec.autoAssign, true, 'spec.autoAssign', collector);
  const avoidBuggyIPs = optionalBoolean(spec.avoidBuggyIPs, false, 'spec.avoidBuggyIPs', collector);
  const serviceAllocation = readServiceAllocation(spec.serviceAllocation, collector);
  if (header.name === undefined) return undefined;
  const pool: Pool = {
    name: header.name,
    kind: 'IPAddressPool',
    source: collector.source,
    ranges,
    autoAssign,
    avoidBuggyIPs,
    labels: header.labels,
  };
  return serviceAllocation ? { ...pool, serviceAllocation } : pool;
}

/** A list of strings in which a repeat is an error. */
function uniqueStrings(value: unknown, field: string, collector: ProblemCollector): string[] {
  const strings = optionalStringList(value, field, collector);
  reportRepeats(strings, field, collector);
  return strings;
}

/** preferredNodeSelectors: each a weight of 1 to 100 and a selector (MetalLB's PreferredNodeSelector). */
function readPreferences(value: unknown, collector: ProblemCollector): PreferredNodeSelector[] {
  const field = 'spec.preferredNodeSelectors';
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) {
    collector.error(field, value, 'must be a list of {weight, preference}');
    return [];
  }
  return value.flatMap((entry, i) => {
    const at = `${field}[${i}]`;
    if (!isRecord(entry)) {
      collector.error(at, entry, 'must be an object with a weight and a preference');
      return [];
    }
    checkKnownFields(entry, preferenceFields, at, collector);
    const weight = entry.weight;
    if (typeof weight !== 'number' || !Number.isInteger(weight) || weight < 1 || weight > 100) {
      collector.error(`${at}.weight`, weight, 'must be a whole number from 1 to 100');
      return [];
    }
    const [preference] = readSelectorList([entry.preference ?? {}], `${at}.preference`, collector);
    return preference ? [{ weight, preference }] : [];
  });
}

function readAdvertisement(header: ObjectHeader): L2AdvertisementDraft | undefined {
  const { spec, collector } = header;
  checkKnownFields(spec, advertisementSpecFields, 'spec', collector);
  const draft: L2AdvertisementDraft = {
    name: header.name ?? '',
    source: collector.source,
    ipAddressPools: uniqueStrings(spec.ipAddressPools, 'spec.ipAddressPools', collector),
    ipAddressPoolSelectors: readSelectorList(
      spec.ipAddressPoolSelectors,
      'spec.ipAddressPoolSelectors',
      collector,
    ),
    nodeSelectors: readSelectorList(spec.nodeSelectors, 'spec.nodeSelectors', collector),
    interfaces: optionalStringList(spec.interfaces, 'spec.interfaces', collector),
    serviceSelectors: readSelectorList(spec.serviceSelectors, 'spec.serviceSelectors', collector),
    preferredNodeSelectors: readPreferences(spec.preferredNodeSelectors, collector),
  };
  return header.name === undefined ? undefined : draft;
}

export function readConfigObjects(
  objects: readonly ConfigObject[],
  problems: ConfigProblem[],
): { pools: Pool[]; advertisements: L2AdvertisementDraft[] } {
  const pools: Pool[] = [];
  const advertisements: L2AdvertisementDraft[] = [];
  for (const entry of objects) {
    const header = readHeader(entry, problems);
    if (header?.kind === 'IPAddressPool') {
      const pool = readPool(header);
      if (pool) pools.push(pool);
    } else if (header?.kind === 'L2Advertisement') {
      const advertisement = readAdvertisement(header);
      if (advertisement) advertisements.push(advertisement);
    }
  }
  return { pools, advertisements };
}
