// RBAC lint: each component gets exactly the permissions its code paths use (the tables below are
// the reviewed list; widening a grant means editing them), with no wildcards and a comment per rule.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { baseDocuments, type KubeObject, ruleComments, systemNamespace } from './manifest-files.ts';

const docs = baseDocuments();
const roleKinds = new Set(['Role', 'ClusterRole']);
const roles = docs.filter((d) => roleKinds.has(d.object.kind));
const bindings = docs.filter(
  (d) => d.object.kind === 'RoleBinding' || d.object.kind === 'ClusterRoleBinding',
);

/** "cluster|namespace group/resource verb" lines, one per verb, for easy set comparison. */
function grants(component: string): string[] {
  const lines: string[] = [];
  for (const binding of bindings.map((d) => d.object)) {
    const subjects: KubeObject[] = binding.subjects ?? [];
    if (!subjects.some((s) => s.kind === 'ServiceAccount' && s.name === component)) continue;
    const role = roles.find(
      (r) =>
        r.object.kind === binding.roleRef.kind &&
        r.object.metadata.name === binding.roleRef.name &&
        (r.object.kind === 'ClusterRole' || r.object.metadata.namespace === binding.metadata.namespace),
    );
    assert.ok(role, `${binding.kind} ${binding.metadata.name} refers to a missing ${binding.roleRef.kind}`);
    const scope = binding.kind === 'ClusterRoleBinding' ? 'cluster' : binding.metadata.namespace;
    for (const rule of role.object.rules as KubeObject[]) {
      const names = rule.resourceNames ? ` [${rule.resourceNames.join(',')}]` : '';
      for (const group of rule.apiGroups)
        for (const resource of rule.resources)
          for (const verb of rule.verbs)
            lines.push(`${scope} ${group || 'core'}/${resource} ${verb}${names}`);
    }
  }
  return lines.sort();
}

const expected: Record<string, string[]> = {
  controller: [
    'cluster core/services list',
    'cluster core/services watch',
    'cluster core/services patch',
    'cluster core/services/status get',
    'cluster core/services/status update',
    'cluster core/namespaces list',
    'cluster core/namespaces watch',
    'cluster core/events create',
    'cluster core/events patch',
    'cluster admissionregistration.k8s.io/validatingwebhookconfigurations get [baremetal-lb-webhook-configuration]',
    'cluster admissionregistration.k8s.io/validatingwebhookconfigurations patch [baremetal-lb-webhook-configuration]',
    `${systemNamespace} core/configmaps list`,
    `${systemNamespace} core/configmaps watch`,
    `${systemNamespace} metallb.io/ipaddresspools list`,
    `${systemNamespace} metallb.io/ipaddresspools watch`,
    `${systemNamespace} metallb.io/l2advertisements list`,
    `${systemNamespace} metallb.io/l2advertisements watch`,
    `${systemNamespace} metallb.io/ipaddresspools/status patch`,
    `${systemNamespace} coordination.k8s.io/leases create`,
    `${systemNamespace} coordination.k8s.io/leases get [baremetal-lb-controller]`,
    `${systemNamespace} coordination.k8s.io/leases update [baremetal-lb-controller]`,
    `${systemNamespace} core/secrets create`,
    `${systemNamespace} core/secrets get [baremetal-lb-webhook-cert]`,
    `${systemNamespace} core/secrets update [baremetal-lb-webhook-cert]`,
  ],
  speaker: [
    'cluster core/services list',
    'cluster core/services watch',
    'cluster discovery.k8s.io/endpointslices list',
    'cluster discovery.k8s.io/endpointslices watch',
    'cluster core/nodes list',
    'cluster core/nodes watch',
    'cluster core/events create',
    'cluster core/events patch',
    `${systemNamespace} core/pods list`,
    `${systemNamespace} core/pods watch`,
    `${systemNamespace} core/configmaps list`,
    `${systemNamespace} core/configmaps watch`,
    `${systemNamespace} metallb.io/ipaddresspools list`,
    `${systemNamespace} metallb.io/ipaddresspools watch`,
    `${systemNamespace} metallb.io/l2advertisements list`,
    `${systemNamespace} metallb.io/l2advertisements watch`,
    `${systemNamespace} coordination.k8s.io/leases get`,
    `${systemNamespace} coordination.k8s.io/leases create`,
    `${systemNamespace} coordination.k8s.io/leases update`,
    `${systemNamespace} metallb.io/servicel2statuses list`,
    `${systemNamespace} metallb.io/servicel2statuses watch`,
    `${systemNamespace} metallb.io/servicel2statuses create`,
    `${systemNamespace} metallb.io/servicel2statuses patch`,
    `${systemNamespace} metallb.io/servicel2statuses delete`,
    `${systemNamespace} metallb.io/servicel2statuses/status patch`,
  ],
};

for (const [component, wanted] of Object.entries(expected)) {
  test(`the ${component} ServiceAccount is granted exactly its reviewed permissions`, () => {
    assert.deepEqual(grants(component), [...wanted].sort());
  });
}

test('the ServiceAccounts exist in the system namespace', () => {
  const accounts = docs.filter((d) => d.object.kind === 'ServiceAccount').map((d) => d.object.metadata);
  assert.deepEqual(accounts.map((m) => `${m.namespace}/${m.name}`).sort(), [
    `${systemNamespace}/controller`,
    `${systemNamespace}/speaker`,
  ]);
});

/**
 * Secrets may be created (the memberlist and webhook Secrets); read or changed only by name (the
 * webhook's own certificates); never listed or watched.
 */
const secretVerbsAllowed = new Set(['create']);
const namedSecretVerbsAllowed = new Set(['get', 'update']);

test('no rule uses a wildcard, none reads a Secret it does not name, none escalates, and only ServiceL2Statuses are deleted', () => {
  assert.ok(roles.length >= 4, `expected a Role and a ClusterRole per component, found ${roles.length}`);
  for (const role of roles) {
    const where = `${role.object.kind} ${role.object.metadata.name}`;
    for (const [i, rule] of (role.object.rules as KubeObject[]).entries()) {
      for (const field of ['apiGroups', 'resources', 'verbs', 'resourceNames', 'nonResourceURLs']) {
        const values: string[] = rule[field] ?? [];
        assert.ok(!values.some((v) => v.includes('*')), `${where} rules[${i}].${field} has a wildcard`);
      }
      if (rule.resources.includes('secrets')) {
        const verbs: string[] = rule.verbs;
        const allowed = rule.resourceNames ? namedSecretVerbsAllowed : secretVerbsAllowed;
        assert.ok(
          verbs.every((v) => allowed.has(v)),
          `${where} rules[${i}] grants ${verbs} on Secrets`,
        );
      }
      for (const verb of ['escalate', 'bind', 'impersonate', 'deletecollection'])
        assert.ok(!rule.verbs.includes(verb), `${where} rules[${i}] grants "${verb}"`);
      // The only objects deleted are the speaker's own ServiceL2Statuses.
      const ownObjects = rule.resources.every((r: string) => r === 'servicel2statuses');
      assert.ok(!rule.verbs.includes('delete') || ownObjects, `${where} rules[${i}] grants "delete"`);
    }
  }
});

test('every rule has a comment above it saying which code path uses it', () => {
  for (const role of roles) {
    const rules = role.object.rules as KubeObject[];
    const comments = ruleComments(role.node);
    assert.equal(comments.length, rules.length);
    comments.forEach((comment, i) => {
      assert.ok(
        comment && /\.ts\b/.test(comment),
        `${role.object.kind} ${role.object.metadata.name} rules[${i}] needs a comment naming its code path`,
      );
    });
  }
});

test('namespaced Roles and their bindings live in the system namespace', () => {
  for (const d of [...roles, ...bindings]) {
    if (d.object.kind === 'Role' || d.object.kind === 'RoleBinding')
      assert.equal(
        d.object.metadata.namespace,
        systemNamespace,
        `${d.object.kind} ${d.object.metadata.name}`,
      );
    for (const subject of d.object.subjects ?? []) assert.equal(subject.namespace, systemNamespace);
  }
});

test('the speaker never writes a Service', () => {
  const role = roles.find((r) => r.object.metadata.name === 'baremetal-lb-speaker')!;
  const rules = role.object.rules as KubeObject[];
  const writes = rules.filter(
    (r) =>
      r.resources.includes('services') && r.verbs.some((v: string) => !['list', 'watch', 'get'].includes(v)),
  );
  assert.deepEqual(writes, []);
});
