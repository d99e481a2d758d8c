// The stored Roles, ClusterRoles and their bindings, read once into lookup tables the authorizer
// can consult per request without scanning the store. Malformed entries are skipped: the real
// server validated them on write, and a rule that cannot be read grants nothing.

import { isRecord } from '../object-model.ts';

export interface PolicyRule {
  readonly verbs: readonly string[];
  readonly apiGroups: readonly string[];
  readonly resources: readonly string[];
  readonly resourceNames: readonly string[];
  readonly nonResourceURLs: readonly string[];
}

export interface Subject {
  readonly kind: string;
  readonly name: string;
  readonly namespace?: string;
}

export interface Binding {
  readonly kind: 'RoleBinding' | 'ClusterRoleBinding';
  readonly name: string;
  /** Set for RoleBindings only. */
  readonly namespace?: string;
  readonly subjects: readonly Subject[];
  readonly roleRef: { readonly kind: string; readonly name: string };
}

export interface RbacPolicy {
  /** "namespace/name" → rules. */
  readonly roles: ReadonlyMap<string, readonly PolicyRule[]>;
  readonly clusterRoles: ReadonlyMap<string, readonly PolicyRule[]>;
  readonly clusterRoleBindings: readonly Binding[];
  /** namespace → its RoleBindings. */
  readonly roleBindings: ReadonlyMap<string, readonly Binding[]>;
}

export interface RbacObjects {
  roles: readonly unknown[];
  clusterRoles: readonly unknown[];
  roleBindings: readonly unknown[];
  clusterRoleBindings: readonly unknown[];
}

export const roleKey = (namespace: string, name: string): string => `${namespace}/${name}`;

const strings = (value: unknown): string[] =>
  Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];

function metaOf(object: unknown): { name: string; namespace?: string } | undefined {
  if (!isRecord(object) || !isRecord(object.metadata) || typeof object.metadata.name !== 'string')
    return undefined;
  const { name, namespace } = object.metadata;
  return typeof namespace === 'string' ? { name, namespace } : { name };
}

export function rulesOf(object: unknown): PolicyRule[] {
  if (!isRecord(object) || !Array.isArray(object.rules)) return [];
  return object.rules.filter(isRecord).map((rule) => ({
    verbs: strings(rule.verbs),
    apiGroups: strings(rule.apiGroups),
    resources: strings(rule.resources),
    resourceNames: strings(rule.resourceNames),
    nonResourceURLs: strings(rule.nonResourceURLs),
  }));
}

function bindingOf(object: unknown, kind: Binding['kind']): Binding | undefined {
  const meta = metaOf(object);
  if (!meta || !isRecord(object) || !isRecord(object.roleRef)) return undefined;
  const { kind: refKind, name: refName } = object.roleRef;
  if (typeof refKind !== 'string' || typeof refName !== 'string') return undefined;
  const subjects: Subject[] = [];
  for (const s of Array.isArray(object.subjects) ? object.subjects : []) {
    if (!isRecord(s) || typeof s.kind !== 'string' || typeof s.name !== 'string') continue;
    subjects.push(
      typeof s.namespace === 'string' && s.namespace !== ''
        ? { kind: s.kind, name: s.name, namespace: s.namespace }
        : { kind: s.kind, name: s.name },
    );
  }
  const roleRef = { kind: refKind, name: refName };
  return kind === 'RoleBinding'
    ? { kind, name: meta.name, namespace: meta.namespace ?? '', subjects, roleRef }
    : { kind, name: meta.name, subjects, roleRef };
}

export function policyFromObjects(objects: RbacObjects): RbacPolicy {
  const roles = new Map<string, PolicyRule[]>();
  for (const role of objects.roles) {
    const meta = metaOf(role);
    if (meta) roles.set(roleKey(meta.namespace ?? '', meta.name), rulesOf(role));
  }
  const clusterRoles = new Map<string, PolicyRule[]>();
  for (const role of objects.clusterRoles) {
    const meta = metaOf(role);
    if (meta) clusterRoles.set(meta.name, rulesOf(role));
  }
  const clusterRoleBindings = objects.clusterRoleBindings
    .map((b) => bindingOf(b, 'ClusterRoleBinding'))
    .filter((b) => b !== undefined);
  const roleBindings = new Map<string, Binding[]>();
  for (const object of objects.roleBindings) {
    const binding = bindingOf(object, 'RoleBinding');
    if (!binding) continue;
    const list = roleBindings.get(binding.namespace!) ?? [];
    list.push(binding);
    roleBindings.set(binding.namespace!, list);
  }
  return { roles, clusterRoles, clusterRoleBindings, roleBindings };
}
