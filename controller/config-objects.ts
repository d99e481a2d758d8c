// What the controller reads from a loaded pool config: a fingerprint to tell a real config change
// from a no-op update, and which object a problem is about.

import type { PoolConfig } from '../common/pool-config/model.ts';

/** Equal for configs that hand out addresses the same way. */
export function configFingerprint(config: PoolConfig): string {
  return JSON.stringify(config.pools, (_key, value) =>
    typeof value === 'bigint' ? value.toString() : value,
  );
}

export interface ProblemObject {
  readonly kind: 'ConfigMap' | 'IPAddressPool' | 'L2Advertisement';
  readonly namespace: string;
  readonly name: string;
}

/** The object named by a problem's source, e.g. 'IPAddressPool lb-system/prod'. */
export function problemObject(source: string): ProblemObject | undefined {
  const match = /(ConfigMap|IPAddressPool|L2Advertisement) ([^/\s]+)\/(\S+)$/.exec(source);
  if (!match) return undefined;
  return { kind: match[1] as ProblemObject['kind'], namespace: match[2]!, name: match[3]! };
}
