// MetalLB's legacy ConfigMap format (data.config holds YAML). Only layer2 pools are served; BGP
// parts are reported as unsupported warnings and otherwise ignored, so an existing MetalLB
// ConfigMap can be pointed at us unchanged.

import { parse as parseYAML } from 'yaml';
import { checkKnownFields, isRecord, optionalBoolean } from './field-checks.ts';
import type { Pool } from './model.ts';
import { readPoolAddresses } from './pool-addresses.ts';
import { type ConfigProblem, ProblemCollector } from './problems.ts';

const topLevelFields = ['address-pools', 'peers', 'bgp-communities', 'bfd-profiles'];
const poolFields = ['name', 'protocol', 'addresses', 'auto-assign', 'avoid-buggy-ips', 'bgp-advertisements'];

export interface ConfigMapInput {
  readonly namespace: string;
  readonly name: string;
  /** data.config; undefined when the ConfigMap or the key is absent. */
  readonly config: string | undefined;
  /** Prefix for problem sources, e.g. 'pools.yaml#2'. */
  readonly origin?: string;
}

export interface ConfigMapPools {
  /** Layer2 pools only. */
  readonly pools: Pool[];
  readonly source: string;
}

export function readConfigMap(input: ConfigMapInput, problems: ConfigProblem[]): ConfigMapPools {
  const source = `${input.origin ? `${input.origin} ` : ''}ConfigMap ${input.namespace}/${input.name}`;
  const collector = new ProblemCollector(source, problems);
  const pools: Pool[] = [];
  if (input.config === undefined || input.config.trim() === '') return { pools, source };
  let document: unknown;
  try {
    document = parseYAML(input.config);
  } catch (error) {
    collector.error(
      'data.config',
      '(YAML)',
      `not valid YAML: ${(error as Error).message.split('\n')[0]!.replace(/:$/, '')}`,
    );
    return { pools, source };
  }
  if (document === null || document === undefined) return { pools, source };
  if (!isRecord(document)) {
    collector.error('data.config', document, 'must be a map with an address-pools list');
    return { pools, source };
  }
  checkKnownFields(document, topLevelFields, '', collector);
  for (const section of ['peers', 'bgp-communities', 'bfd-profiles']) {
    if (document[section] !== undefined) {
      collector.warn(section, '(section)', 'BGP is not supported; this section is ignored');
    }
  }
  const list = document['address-pools'];
  if (list === undefined || list === null) return { pools, source };
  if (!Array.isArray(list)) {
    collector.error('address-pools', list, 'must be a list of pools');
    return { pools, source };
  }
  list.forEach((entry, i) => {
    const pool = readLegacyPool(entry, `address-pools[${i}]`, source, problems);
    if (pool) pools.push(pool);
  });
  return { pools, source };
}

function readLegacyPool(
  entry: unknown,
  at: string,
  source: string,
  problems: ConfigProblem[],
): Pool | undefined {
  const collector = new ProblemCollector(source, problems);
  if (!isRecord(entry)) {
    collector.error(at, entry, 'must be a map with name, protocol and addresses');
    return undefined;
  }
  const name = entry.name;
  if (typeof name !== 'string' || name === '') {
    collector.error(`${at}.name`, name, 'every pool needs a non-empty string name');
  } else {
    collector.pool = name;
  }
  checkKnownFields(entry, poolFields, at, collector);
  const ranges = readPoolAddresses(entry.addresses, `${at}.addresses`, collector);
  const autoAssign = optionalBoolean(entry['auto-assign'], true, `${at}.auto-assign`, collector);
  const avoidBuggyIPs = optionalBoolean(entry['avoid-buggy-ips'], false, `${at}.avoid-buggy-ips`, collector);
  const protocol = entry.protocol;
  if (protocol === 'bgp') {
    collector.warn(`${at}.protocol`, protocol, 'BGP is not supported; this pool is left unused');
    return undefined;
  }
  if (protocol !== 'layer2') {
    collector.error(`${at}.protocol`, protocol, 'must be "layer2" (or "bgp", which is not supported)');
    return undefined;
  }
  if (entry['bgp-advertisements'] !== undefined) {
    // MetalLB refuses this too: the pool says layer2, the advertisements say it was meant as BGP.
    collector.error(`${at}.bgp-advertisements`, '(list)', 'only a bgp pool may have bgp-advertisements');
  }
  if (typeof name !== 'string' || name === '') return undefined;
  return {
    name,
    kind: 'ConfigMap',
    source,
    ranges,
    autoAssign,
    avoidBuggyIPs,
    labels: {},
  };
}
