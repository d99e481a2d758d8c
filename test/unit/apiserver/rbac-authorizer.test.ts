// The RBAC authorizer against the real semantics: verbs, groups, subresources, resourceNames,
// binding scope, subjects, missing roles; plus properties over arbitrary rule sets.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import {
  labAdmin,
  serviceAccountUserInfo,
  type UserInfo,
} from '../../../lab/apiserver/auth/authentication.ts';
import { forbiddenMessage } from '../../../lab/apiserver/rbac/forbidden.ts';
import { authorize } from '../../../lab/apiserver/rbac/rbac-authorizer.ts';
import { policyFromObjects, type RbacObjects } from '../../../lab/apiserver/rbac/rbac-policy.ts';
import type { RequestAttributes } from '../../../lab/apiserver/rbac/request-attributes.ts';

const controller = serviceAccountUserInfo('lb', 'controller');
const alice: UserInfo = { name: 'alice', groups: ['devs', 'system:authenticated'] };

const res = (
  verb: string,
  resource: string,
  more: { apiGroup?: string; subresource?: string; namespace?: string; name?: string } = {},
): RequestAttributes => ({
  resourceRequest: true,
  verb,
  apiGroup: more.apiGroup ?? '',
  apiVersion: 'v1',
  resource,
  ...more,
  path: '/x',
});
const nonRes = (verb: string, path: string): RequestAttributes => ({ resourceRequest: false, verb, path });

const clusterRole = (name: string, rules: unknown[]) => ({ metadata: { name }, rules });
const role = (namespace: string, name: string, rules: unknown[]) => ({
  metadata: { name, namespace },
  rules,
});
const binding = (
  name: string,
  roleRef: { kind: string; name: string },
  subjects: unknown[],
  namespace?: string,
) => ({
  metadata: namespace === undefined ? { name } : { name, namespace },
  roleRef: { apiGroup: 'rbac.authorization.k8s.io', ...roleRef },
  subjects,
});
const sa = (name: string, namespace?: string) =>
  namespace === undefined ? { kind: 'ServiceAccount', name } : { kind: 'ServiceAccount', name, namespace };

const objects: RbacObjects = {
  clusterRoles: [
    clusterRole('svc-reader', [
      { apiGroups: [''], verbs: ['get', 'list', 'watch'], resources: ['services'] },
    ]),
    clusterRole('status-writer', [{ apiGroups: [''], verbs: ['update'], resources: ['services/status'] }]),
    clusterRole('any-status', [{ apiGroups: ['*'], verbs: ['get'], resources: ['*/status'] }]),
    clusterRole('lease-one', [
      {
        apiGroups: ['coordination.k8s.io'],
        verbs: ['get', 'update', 'list'],
        resources: ['leases'],
        resourceNames: ['mine'],
      },
    ]),
    clusterRole('cm-editor', [{ apiGroups: [''], verbs: ['*'], resources: ['configmaps'] }]),
    clusterRole('metrics', [{ verbs: ['get'], nonResourceURLs: ['/metrics', '/debug/*'] }]),
  ],
  roles: [role('lb', 'pods', [{ apiGroups: [''], verbs: ['list'], resources: ['pods'] }])],
  clusterRoleBindings: [
    binding('c1', { kind: 'ClusterRole', name: 'svc-reader' }, [sa('controller', 'lb')]),
    binding('c2', { kind: 'ClusterRole', name: 'status-writer' }, [sa('controller', 'lb')]),
    binding('c3', { kind: 'ClusterRole', name: 'metrics' }, [{ kind: 'Group', name: 'devs' }]),
    binding('c4', { kind: 'ClusterRole', name: 'any-status' }, [{ kind: 'User', name: 'alice' }]),
    // A ServiceAccount subject of a ClusterRoleBinding without a namespace matches nobody.
    binding('c5', { kind: 'ClusterRole', name: 'cm-editor' }, [sa('controller')]),
  ],
  roleBindings: [
    binding('r1', { kind: 'Role', name: 'pods' }, [sa('controller')], 'lb'),
    binding('r2', { kind: 'ClusterRole', name: 'lease-one' }, [sa('controller', 'lb')], 'lb'),
    binding('r3', { kind: 'ClusterRole', name: 'cm-editor' }, [{ kind: 'Group', name: 'devs' }], 'team'),
    binding('r4', { kind: 'Role', name: 'gone' }, [{ kind: 'User', name: 'alice' }], 'team'),
  ],
};
const policy = policyFromObjects(objects);

const cases: { name: string; user: UserInfo; attrs: RequestAttributes; allowed: boolean }[] = [
  {
    name: 'cluster-wide list via ClusterRoleBinding',
    user: controller,
    attrs: res('list', 'services'),
    allowed: true,
  },
  {
    name: 'namespaced get via ClusterRoleBinding',
    user: controller,
    attrs: res('get', 'services', { namespace: 'a', name: 'web' }),
    allowed: true,
  },
  {
    name: 'verb not in rule',
    user: controller,
    attrs: res('delete', 'services', { namespace: 'a', name: 'web' }),
    allowed: false,
  },
  {
    name: 'resource rule does not cover its subresource',
    user: controller,
    attrs: res('get', 'services', { subresource: 'status', namespace: 'a', name: 'web' }),
    allowed: false,
  },
  {
    name: 'subresource rule',
    user: controller,
    attrs: res('update', 'services', { subresource: 'status', namespace: 'a', name: 'web' }),
    allowed: true,
  },
  {
    name: 'subresource rule does not cover the resource',
    user: controller,
    attrs: res('update', 'services', { namespace: 'a', name: 'web' }),
    allowed: false,
  },
  {
    name: '*/status covers any status',
    user: alice,
    attrs: res('get', 'deployments', { apiGroup: 'apps', subresource: 'status', namespace: 'x', name: 'd' }),
    allowed: true,
  },
  {
    name: '*/status does not cover the object',
    user: alice,
    attrs: res('get', 'deployments', { apiGroup: 'apps', namespace: 'x', name: 'd' }),
    allowed: false,
  },
  {
    name: 'wrong API group',
    user: controller,
    attrs: res('list', 'services', { apiGroup: 'apps' }),
    allowed: false,
  },
  {
    name: 'RoleBinding to Role: its namespace',
    user: controller,
    attrs: res('list', 'pods', { namespace: 'lb' }),
    allowed: true,
  },
  {
    name: 'RoleBinding to Role: not another namespace',
    user: controller,
    attrs: res('list', 'pods', { namespace: 'other' }),
    allowed: false,
  },
  {
    name: 'RoleBinding to Role: not cluster-wide',
    user: controller,
    attrs: res('list', 'pods'),
    allowed: false,
  },
  {
    name: 'resourceNames: the named object',
    user: controller,
    attrs: res('get', 'leases', { apiGroup: 'coordination.k8s.io', namespace: 'lb', name: 'mine' }),
    allowed: true,
  },
  {
    name: 'resourceNames: another object',
    user: controller,
    attrs: res('get', 'leases', { apiGroup: 'coordination.k8s.io', namespace: 'lb', name: 'theirs' }),
    allowed: false,
  },
  {
    name: 'resourceNames: a list without a name',
    user: controller,
    attrs: res('list', 'leases', { apiGroup: 'coordination.k8s.io', namespace: 'lb' }),
    allowed: false,
  },
  {
    name: 'resourceNames: a list narrowed to the name',
    user: controller,
    attrs: res('list', 'leases', { apiGroup: 'coordination.k8s.io', namespace: 'lb', name: 'mine' }),
    allowed: true,
  },
  {
    name: 'RoleBinding to ClusterRole: only inside its namespace',
    user: controller,
    attrs: res('get', 'leases', { apiGroup: 'coordination.k8s.io', namespace: 'other', name: 'mine' }),
    allowed: false,
  },
  {
    name: 'group subject, verb *',
    user: alice,
    attrs: res('deletecollection', 'configmaps', { namespace: 'team' }),
    allowed: true,
  },
  {
    name: 'group subject, other namespace',
    user: alice,
    attrs: res('get', 'configmaps', { namespace: 'lb', name: 'c' }),
    allowed: false,
  },
  {
    name: 'group subject in another user',
    user: controller,
    attrs: res('get', 'configmaps', { namespace: 'team', name: 'c' }),
    allowed: false,
  },
  {
    name: 'SA subject without namespace in a ClusterRoleBinding',
    user: controller,
    attrs: res('get', 'configmaps', { name: 'c' }),
    allowed: false,
  },
  { name: 'non-resource exact', user: alice, attrs: nonRes('get', '/metrics'), allowed: true },
  { name: 'non-resource prefix', user: alice, attrs: nonRes('get', '/debug/pprof'), allowed: true },
  { name: 'non-resource other path', user: alice, attrs: nonRes('get', '/foo'), allowed: false },
  { name: 'non-resource other verb', user: alice, attrs: nonRes('post', '/metrics'), allowed: false },
  {
    name: 'default: discovery for everyone authenticated',
    user: controller,
    attrs: nonRes('get', '/apis/apps/v1'),
    allowed: true,
  },
  { name: 'default: version', user: controller, attrs: nonRes('get', '/version'), allowed: true },
  {
    name: 'default: selfsubjectaccessreviews',
    user: controller,
    attrs: res('create', 'selfsubjectaccessreviews', { apiGroup: 'authorization.k8s.io' }),
    allowed: true,
  },
  {
    name: 'system:masters may do anything',
    user: labAdmin,
    attrs: res('delete', 'nodes', { name: 'n1' }),
    allowed: true,
  },
];

for (const c of cases) {
  test(`authorize: ${c.name}`, () => {
    assert.equal(authorize(policy, c.user, c.attrs).allowed, c.allowed);
  });
}

test('a binding to a missing role grants nothing and is named in the reason', () => {
  const decision = authorize(policy, alice, res('get', 'secrets', { namespace: 'team', name: 's' }));
  assert.deepEqual(decision, {
    allowed: false,
    reason: 'RBAC: role.rbac.authorization.k8s.io "gone" not found',
  });
});

test('forbidden messages read as the real server writes them', () => {
  const user = serviceAccountUserInfo('baremetal-lb-system', 'controller');
  const table: [RequestAttributes, string][] = [
    [
      res('list', 'services'),
      'services is forbidden: User "system:serviceaccount:baremetal-lb-system:controller" cannot list resource "services" in API group "" at the cluster scope',
    ],
    [
      res('update', 'services', { subresource: 'status', namespace: 'default', name: 'web' }),
      'services "web" is forbidden: User "system:serviceaccount:baremetal-lb-system:controller" cannot update resource "services/status" in API group "" in the namespace "default"',
    ],
    [
      res('create', 'leases', { apiGroup: 'coordination.k8s.io', namespace: 'x' }),
      'leases.coordination.k8s.io is forbidden: User "system:serviceaccount:baremetal-lb-system:controller" cannot create resource "leases" in API group "coordination.k8s.io" in the namespace "x"',
    ],
    [
      nonRes('get', '/foo'),
      'forbidden: User "system:serviceaccount:baremetal-lb-system:controller" cannot get path "/foo"',
    ],
  ];
  for (const [attrs, message] of table) assert.equal(forbiddenMessage(user, attrs, ''), message);
});

// Properties: rules are a monotone grant — adding rules never takes a permission away, and a
// request only one rule allowed is refused once that rule is gone.
const word = fc.constantFrom('get', 'list', 'watch', 'create', 'update', 'patch', 'delete', '*');
const arbitraryRule = fc.record({
  apiGroups: fc.array(fc.constantFrom('', 'apps', 'metallb.io', '*'), { maxLength: 2 }),
  resources: fc.array(fc.constantFrom('services', 'services/status', 'pods', '*', '*/status'), {
    maxLength: 2,
  }),
  verbs: fc.array(word, { maxLength: 3 }),
  resourceNames: fc.array(fc.constantFrom('a', 'b'), { maxLength: 1 }),
});
const arbitraryRequest = fc.record({
  verb: fc.constantFrom('get', 'list', 'watch', 'create', 'update', 'patch', 'delete'),
  apiGroup: fc.constantFrom('', 'apps', 'metallb.io'),
  resource: fc.constantFrom('services', 'pods'),
  subresource: fc.option(fc.constant('status'), { nil: undefined }),
  namespace: fc.option(fc.constantFrom('lb', 'other'), { nil: undefined }),
  name: fc.option(fc.constantFrom('a', 'b'), { nil: undefined }),
});
const attrsOf = (r: {
  verb: string;
  apiGroup: string;
  resource: string;
  subresource: string | undefined;
  namespace: string | undefined;
  name: string | undefined;
}): RequestAttributes =>
  res(r.verb, r.resource, {
    apiGroup: r.apiGroup,
    ...(r.subresource !== undefined ? { subresource: r.subresource } : {}),
    ...(r.namespace !== undefined ? { namespace: r.namespace } : {}),
    ...(r.name !== undefined ? { name: r.name } : {}),
  });
const policyWith = (rules: unknown[], extra: unknown[] = []) =>
  policyFromObjects({
    clusterRoles: [clusterRole('granted', rules), clusterRole('extra', extra)],
    roles: [],
    clusterRoleBindings: [binding('b', { kind: 'ClusterRole', name: 'granted' }, [sa('controller', 'lb')])],
    roleBindings: [binding('e', { kind: 'ClusterRole', name: 'extra' }, [sa('controller', 'lb')], 'lb')],
  });
const exactRule = (r: {
  verb: string;
  apiGroup: string;
  resource: string;
  subresource: string | undefined;
  name: string | undefined;
}) => ({
  apiGroups: [r.apiGroup],
  resources: [r.subresource === undefined ? r.resource : `${r.resource}/${r.subresource}`],
  verbs: [r.verb],
  ...(r.name !== undefined ? { resourceNames: [r.name] } : {}),
});

test('property: a rule granting a request still grants it whatever rules are added', () => {
  fc.assert(
    fc.property(
      arbitraryRequest,
      fc.array(arbitraryRule, { maxLength: 6 }),
      fc.array(arbitraryRule, { maxLength: 6 }),
      (r, others, extra) => {
        const attrs = attrsOf(r);
        assert.equal(authorize(policyWith([exactRule(r)]), controller, attrs).allowed, true);
        assert.equal(
          authorize(policyWith([...others, exactRule(r), ...others], extra), controller, attrs).allowed,
          true,
        );
      },
    ),
  );
});

test('property: removing the only rule that matches a request denies it', () => {
  fc.assert(
    fc.property(arbitraryRequest, fc.array(arbitraryRule, { maxLength: 8 }), (r, others) => {
      const attrs = attrsOf(r);
      const unrelated = others.filter((rule) => !authorize(policyWith([rule]), controller, attrs).allowed);
      assert.equal(authorize(policyWith([...unrelated, exactRule(r)]), controller, attrs).allowed, true);
      assert.equal(authorize(policyWith(unrelated), controller, attrs).allowed, false);
    }),
  );
});
