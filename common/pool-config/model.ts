// The one configuration model both the controller (which addresses to hand out) and the speaker
// (which addresses to announce, where) read. Built by loadPoolConfig; frozen once built.

import type { Requirement } from '../label-selector.ts';
import type { AddressRange } from './address-range.ts';
import type { ConfigProblem } from './problems.ts';

export interface PoolRange extends AddressRange {
  /** As written, and where, so later checks (overlaps) can point back at it. */
  readonly text: string;
  readonly field: string;
}

export interface ServiceAllocation {
  /** Lower number = tried first; pools without one (or with 0, as in MetalLB) come after. */
  readonly priority?: number;
  readonly namespaces: readonly string[];
  /** Any one matching selector admits the namespace (as does being listed in namespaces). */
  readonly namespaceSelectors: readonly (readonly Requirement[])[];
  /** Empty = any Service; otherwise any one matching selector admits it. */
  readonly serviceSelectors: readonly (readonly Requirement[])[];
}

export interface Pool {
  readonly name: string;
  readonly kind: 'ConfigMap' | 'IPAddressPool';
  /** e.g. 'IPAddressPool baremetal-lb-system/prod' */
  readonly source: string;
  /** Sorted by family, then first address. */
  readonly ranges: readonly PoolRange[];
  readonly autoAssign: boolean;
  readonly avoidBuggyIPs: boolean;
  readonly serviceAllocation?: ServiceAllocation;
  readonly labels: Readonly<Record<string, string>>;
}

export interface L2Advertisement {
  readonly name: string;
  readonly source: string;
  /** Names of the pools it announces, resolved from ipAddressPools and ipAddressPoolSelectors. */
  readonly pools: readonly string[];
  /** Empty = every node; otherwise a node matching any one selector. */
  readonly nodeSelectors: readonly (readonly Requirement[])[];
  /** Empty = every interface. */
  readonly interfaces: readonly string[];
  /** Empty = every Service of its pools; otherwise a Service matching any one selector (MetalLB ≥ 0.15). */
  readonly serviceSelectors: readonly (readonly Requirement[])[];
  /**
   * Soft preferences among the nodes it selects: a node's score is the sum of the weights whose
   * preference it matches, and a higher score wins the election before the hash does.
   */
  readonly preferredNodeSelectors: readonly PreferredNodeSelector[];
}

export interface PreferredNodeSelector {
  /** 1–100. */
  readonly weight: number;
  readonly preference: readonly Requirement[];
}

export interface PoolConfig {
  /** Sorted by name. */
  readonly pools: readonly Pool[];
  /** Sorted by name; legacy ConfigMap layer2 pools get one implicit advertisement. */
  readonly l2Advertisements: readonly L2Advertisement[];
  readonly warnings: readonly ConfigProblem[];
}

/** Name of the advertisement that announces legacy ConfigMap layer2 pools on every node. */
export const legacyAdvertisementName = 'configmap-layer2';
