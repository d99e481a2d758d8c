// The shipped RBAC (manifests/rbac/*.yaml) taken apart into single grants — one verb on one
// resource of one rule — so a test can take any one of them away and check that a component then
// gets a 403 for exactly that. Pure: parsing, rewriting a role, matching a refused request.

import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';

export interface PolicyRule {
  readonly apiGroups: readonly string[];
  readonly resources: readonly string[];
  readonly verbs: readonly string[];
  readonly resourceNames?: readonly string[];
}

export interface ShippedRole {
  readonly kind: 'Role' | 'ClusterRole';
  readonly name: string;
  readonly namespace?: string;
  readonly file: string;
  readonly rules: readonly PolicyRule[];
  /** The whole object as the file has it, to apply again. */
  readonly object: Record<string, unknown>;
  /** The ServiceAccount bound to it (its name: controller, speaker). */
  readonly account: string;
  readonly accountNamespace: string;
}

export interface Grant {
  readonly role: ShippedRole;
  /** 0-based; titles print it 1-based. */
  readonly ruleIndex: number;
  readonly apiGroup: string;
  /** As in the rule: "services" or "services/status". */
  readonly resource: string;
  readonly verb: string;
}

/** The fields of a refused request the matching needs (the lab API server's Denial). */
export interface RefusedRequest {
  readonly user: string;
  readonly verb: string;
  readonly apiGroup: string;
  readonly resource: string;
  readonly subresource?: string;
  readonly namespace?: string;
  readonly name?: string;
}

type Doc = {
  kind?: string;
  metadata?: { name?: string; namespace?: string };
  rules?: PolicyRule[];
  roleRef?: { kind?: string; name?: string };
  subjects?: { kind?: string; name?: string; namespace?: string }[];
};

/** Every Role and ClusterRole in the directory, each with the one ServiceAccount bound to it. */
export function shippedRoles(dir: string): ShippedRole[] {
  const docs = readdirSync(dir)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()
    .flatMap((f) => {
      const file = path.join(dir, f);
      return parseAllDocuments(readFileSync(file, 'utf8'))
        .map((d) => d.toJS() as Doc | null)
        .filter((d): d is Doc => d !== null)
        .map((doc) => ({ file, doc }));
    });
  const bindings = docs
    .map((d) => d.doc)
    .filter((d) => d.kind === 'RoleBinding' || d.kind === 'ClusterRoleBinding');
  return docs.flatMap(({ file, doc }) => {
    if (doc.kind !== 'Role' && doc.kind !== 'ClusterRole') return [];
    const name = doc.metadata?.name ?? '';
    const where = `${path.basename(file)}: ${doc.kind} ${name}`;
    const accounts = bindings
      .filter(
        (b) =>
          b.roleRef?.kind === doc.kind &&
          b.roleRef?.name === name &&
          (doc.kind === 'ClusterRole' || b.metadata?.namespace === doc.metadata?.namespace),
      )
      .flatMap((b) =>
        (b.subjects ?? [])
          .filter((s) => s.kind === 'ServiceAccount')
          .map((s) => ({ name: s.name ?? '', namespace: s.namespace ?? b.metadata?.namespace ?? '' })),
      );
    if (accounts.length !== 1) {
      throw new Error(
        `${where} is bound to ${accounts.length} ServiceAccounts; the test expects exactly one`,
      );
    }
    return [
      {
        kind: doc.kind,
        name,
        ...(doc.metadata?.namespace ? { namespace: doc.metadata.namespace } : {}),
        file,
        rules: doc.rules ?? [],
        object: doc as Record<string, unknown>,
        account: accounts[0]!.name,
        accountNamespace: accounts[0]!.namespace,
      },
    ];
  });
}

/** "services/status get,update" or "coordination.k8s.io leases [baremetal-lb-controller] get,update". */
export function describeRule(rule: PolicyRule): string {
  const groups = rule.apiGroups.filter((g) => g !== '');
  const names = rule.resourceNames?.length ? ` [${rule.resourceNames.join(',')}]` : '';
  return `${groups.length ? `${groups.join(',')} ` : ''}${rule.resources.join(',')}${names} ${rule.verbs.join(',')}`;
}

export function grantsOf(role: ShippedRole): Grant[] {
  return role.rules.flatMap((rule, ruleIndex) =>
    rule.apiGroups.flatMap((apiGroup) =>
      rule.resources.flatMap((resource) =>
        rule.verbs.map((verb) => ({ role, ruleIndex, apiGroup, resource, verb })),
      ),
    ),
  );
}

/**
 * The role with exactly one grant taken out: its rule is split into the rules that still allow every
 * other (group, resource, verb) of it, keeping its resourceNames.
 */
export function roleWithout(grant: Grant): Record<string, unknown> {
  const { role, ruleIndex, apiGroup, resource, verb } = grant;
  const rule = role.rules[ruleIndex]!;
  const keep = (r: PolicyRule) => r.apiGroups.length > 0 && r.resources.length > 0 && r.verbs.length > 0;
  const rest: PolicyRule[] = [
    { ...rule, apiGroups: rule.apiGroups.filter((g) => g !== apiGroup) },
    { ...rule, apiGroups: [apiGroup], resources: rule.resources.filter((r) => r !== resource) },
    { ...rule, apiGroups: [apiGroup], resources: [resource], verbs: rule.verbs.filter((v) => v !== verb) },
  ].filter(keep);
  const rules = [...role.rules.slice(0, ruleIndex), ...rest, ...role.rules.slice(ruleIndex + 1)];
  return { ...role.object, rules };
}

export function accountUser(role: Pick<ShippedRole, 'account' | 'accountNamespace'>): string {
  return `system:serviceaccount:${role.accountNamespace}:${role.account}`;
}

/** Whether the refused request is one the grant would have allowed. */
export function refusedByMissing(request: RefusedRequest, grant: Grant): boolean {
  const rule = grant.role.rules[grant.ruleIndex]!;
  const resource = request.subresource ? `${request.resource}/${request.subresource}` : request.resource;
  return (
    request.user === accountUser(grant.role) &&
    request.verb === grant.verb &&
    request.apiGroup === grant.apiGroup &&
    resource === grant.resource &&
    (grant.role.kind === 'ClusterRole' || request.namespace === grant.role.namespace) &&
    (!rule.resourceNames?.length || (request.name !== undefined && rule.resourceNames.includes(request.name)))
  );
}

/** "controller ClusterRole baremetal-lb-controller rule 2 (services/status get,update)". */
export function ruleTitle(role: ShippedRole, ruleIndex: number): string {
  return `${role.account} ${role.kind} ${role.name} rule ${ruleIndex + 1} (${describeRule(role.rules[ruleIndex]!)})`;
}
