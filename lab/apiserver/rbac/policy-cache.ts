// The RBAC policy, rebuilt only after a Role, ClusterRole or binding changed: authorization runs
// on every request made with a ServiceAccount token and must not scan the store each time.

import { policyFromObjects, type RbacObjects, type RbacPolicy } from './rbac-policy.ts';

export const rbacStoreKeys: ReadonlySet<string> = new Set(
  ['roles', 'clusterroles', 'rolebindings', 'clusterrolebindings'].map(
    (r) => `rbac.authorization.k8s.io/${r}`,
  ),
);

export class RbacPolicyCache {
  private policy: RbacPolicy | undefined;
  private readonly load: () => RbacObjects;

  constructor(load: () => RbacObjects) {
    this.load = load;
  }

  current(): RbacPolicy {
    this.policy ??= policyFromObjects(this.load());
    return this.policy;
  }

  /** Call for every committed change; only RBAC kinds invalidate. */
  changed(storeKey: string): void {
    if (rbacStoreKeys.has(storeKey)) this.policy = undefined;
  }
}
