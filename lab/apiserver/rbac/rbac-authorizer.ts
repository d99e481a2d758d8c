// RBAC as the real authorizer decides it: system:masters may do anything; otherwise a request is
// allowed when some rule reachable through a binding that names the user allows it.
// ClusterRoleBindings apply everywhere, RoleBindings only inside their own namespace. A binding
// to a role that does not exist grants nothing, and says so in the denial's reason.

import type { UserInfo } from '../auth/authentication.ts';
import { type Binding, type PolicyRule, type RbacPolicy, roleKey, type Subject } from './rbac-policy.ts';
import type { RequestAttributes } from './request-attributes.ts';

export type Decision = { allowed: true } | { allowed: false; reason: string };

const rule = (r: Partial<PolicyRule> & Pick<PolicyRule, 'verbs'>): PolicyRule => ({
  apiGroups: [],
  resources: [],
  resourceNames: [],
  nonResourceURLs: [],
  ...r,
});

/** What the default system:discovery, system:public-info-viewer and system:basic-user bindings give every authenticated user. */
export const authenticatedDefaults: readonly PolicyRule[] = [
  rule({
    verbs: ['get'],
    nonResourceURLs: [
      '/api',
      '/api/*',
      '/apis',
      '/apis/*',
      '/healthz',
      '/livez',
      '/openapi',
      '/openapi/*',
      '/readyz',
      '/version',
      '/version/',
    ],
  }),
  rule({
    verbs: ['create'],
    apiGroups: ['authorization.k8s.io'],
    resources: ['selfsubjectaccessreviews', 'selfsubjectrulesreviews'],
  }),
];

export function ruleAllows(attributes: RequestAttributes, r: PolicyRule): boolean {
  if (!r.verbs.some((v) => v === '*' || v === attributes.verb)) return false;
  if (!attributes.resourceRequest) {
    const path = attributes.path;
    return r.nonResourceURLs.some(
      (u) => u === '*' || u === path || (u.endsWith('*') && path.startsWith(u.slice(0, -1))),
    );
  }
  const { apiGroup, resource, subresource, name } = attributes;
  if (!r.apiGroups.some((g) => g === '*' || g === apiGroup)) return false;
  const combined = subresource === undefined ? resource : `${resource}/${subresource}`;
  const resourceMatches = r.resources.some(
    (res) => res === '*' || res === combined || (subresource !== undefined && res === `*/${subresource}`),
  );
  if (!resourceMatches) return false;
  return r.resourceNames.length === 0 || (name !== undefined && r.resourceNames.includes(name));
}

export function appliesTo(user: UserInfo, subject: Subject, bindingNamespace: string): boolean {
  switch (subject.kind) {
    case 'User':
      return subject.name === user.name;
    case 'Group':
      return user.groups.includes(subject.name);
    case 'ServiceAccount': {
      const namespace = subject.namespace ?? bindingNamespace;
      return namespace !== '' && user.name === `system:serviceaccount:${namespace}:${subject.name}`;
    }
    default:
      return false;
  }
}

function rulesOfBinding(policy: RbacPolicy, binding: Binding): readonly PolicyRule[] | string {
  const { kind, name } = binding.roleRef;
  if (kind === 'ClusterRole')
    return policy.clusterRoles.get(name) ?? `clusterrole.rbac.authorization.k8s.io "${name}" not found`;
  if (kind === 'Role' && binding.kind === 'RoleBinding')
    return (
      policy.roles.get(roleKey(binding.namespace!, name)) ??
      `role.rbac.authorization.k8s.io "${name}" not found`
    );
  return `unsupported roleRef kind ${JSON.stringify(kind)}`;
}

export function authorize(policy: RbacPolicy, user: UserInfo, attributes: RequestAttributes): Decision {
  if (user.groups.includes('system:masters')) return { allowed: true };
  if (
    user.groups.includes('system:authenticated') &&
    authenticatedDefaults.some((r) => ruleAllows(attributes, r))
  )
    return { allowed: true };
  const errors: string[] = [];
  const visit = (bindings: readonly Binding[], namespace: string): boolean => {
    for (const binding of bindings) {
      if (!binding.subjects.some((s) => appliesTo(user, s, namespace))) continue;
      const rules = rulesOfBinding(policy, binding);
      if (typeof rules === 'string') errors.push(rules);
      else if (rules.some((r) => ruleAllows(attributes, r))) return true;
    }
    return false;
  };
  if (visit(policy.clusterRoleBindings, '')) return { allowed: true };
  const namespace = attributes.resourceRequest ? attributes.namespace : undefined;
  if (namespace !== undefined && visit(policy.roleBindings.get(namespace) ?? [], namespace))
    return { allowed: true };
  const reason =
    errors.length === 0 ? '' : `RBAC: ${errors.length === 1 ? errors[0] : `[${errors.join(', ')}]`}`;
  return { allowed: false, reason };
}
