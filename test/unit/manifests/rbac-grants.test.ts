// The least-privilege test takes one grant at a time out of the shipped roles; these check, with the
// lab API server's own rule matching, that exactly that grant goes and every other one stays, and
// that a refusal is attributed to the grant that would have allowed it.

import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { ruleAllows } from '../../../lab/apiserver/rbac/rbac-authorizer.ts';
import { rulesOf } from '../../../lab/apiserver/rbac/rbac-policy.ts';
import type { ResourceAttributes } from '../../../lab/apiserver/rbac/request-attributes.ts';
import {
  accountUser,
  describeRule,
  type Grant,
  grantsOf,
  refusedByMissing,
  roleWithout,
  shippedRoles,
} from '../../integration/manifests/rbac-grants.ts';
import { manifestsDir } from './manifest-files.ts';

const roles = shippedRoles(path.join(manifestsDir, 'rbac'));
const grants = roles.flatMap(grantsOf);

/** A request the grant allows: in the role's namespace, on one of the rule's resourceNames if it has any. */
function requestFor(grant: Grant): ResourceAttributes {
  const [resource, subresource] = grant.resource.split('/') as [string, string | undefined];
  const name = grant.role.rules[grant.ruleIndex]!.resourceNames?.[0];
  return {
    resourceRequest: true,
    verb: grant.verb,
    apiGroup: grant.apiGroup,
    apiVersion: 'v1',
    resource,
    ...(subresource ? { subresource } : {}),
    namespace: grant.role.namespace ?? 'default',
    ...(name ? { name } : {}),
    path: '/',
  };
}

const allows = (role: unknown, request: ResourceAttributes) =>
  rulesOf(role).some((r) => ruleAllows(request, r));
const label = (g: Grant) => `${g.role.kind} ${g.role.name} rule ${g.ruleIndex + 1} ${g.verb} ${g.resource}`;

test('the shipped roles are bound to the controller and the speaker', () => {
  assert.deepEqual([...new Set(roles.map((r) => r.account))].sort(), ['controller', 'speaker']);
  assert.ok(grants.length > 20, `only ${grants.length} grants found`);
});

test('taking one grant out of a role keeps every other grant of it', () => {
  for (const grant of grants) {
    const without = roleWithout(grant);
    for (const other of grantsOf(grant.role)) {
      const same = label(other) === label(grant);
      assert.equal(allows(without, requestFor(other)), !same, `without ${label(grant)}: ${label(other)}`);
    }
  }
});

test('a refused request is attributed to the grant that would have allowed it, and to no other', () => {
  for (const grant of grants) {
    const request = { ...requestFor(grant), user: accountUser(grant.role) };
    const matching = grants.filter((g) => refusedByMissing(request, g)).map(label);
    assert.deepEqual(matching, [label(grant)]);
    assert.equal(refusedByMissing({ ...request, user: 'system:serviceaccount:other:x' }, grant), false);
  }
});

test('rules print as the manifest reads them', () => {
  assert.equal(
    describeRule({ apiGroups: [''], resources: ['services/status'], verbs: ['get', 'update'] }),
    'services/status get,update',
  );
  assert.equal(
    describeRule({
      apiGroups: ['coordination.k8s.io'],
      resources: ['leases'],
      resourceNames: ['x'],
      verbs: ['get'],
    }),
    'coordination.k8s.io leases [x] get',
  );
});
