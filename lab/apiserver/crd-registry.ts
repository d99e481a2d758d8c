// CustomResourceDefinitions: checked, given their status at once (there is no controller to wait
// for, so `kubectl wait --for=condition=Established` returns immediately), and turned into the
// resource types the registry serves.

import { isRecord, type KObject } from './object-model.ts';
import type { PrinterColumn, ResourceType } from './resource-registry.ts';
import { unsupportedRules } from './schema/transition-rules.ts';
import type { StatusCause } from './status-errors.ts';

interface CrdNames {
  plural: string;
  singular: string;
  kind: string;
  listKind: string;
  shortNames: string[];
  categories: string[];
}

const dns1123Label = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** Defaults the names and checks the spec; returns failures, empty when usable. */
export function prepareCrd(crd: KObject): StatusCause[] {
  const causes: StatusCause[] = [];
  const fail = (field: string, message: string) =>
    causes.push({ field, message, reason: 'FieldValueInvalid' });
  const spec = isRecord(crd.spec) ? crd.spec : undefined;
  if (!spec) return [{ field: 'spec', message: 'Required value', reason: 'FieldValueRequired' }];
  const group = spec.group;
  if (typeof group !== 'string' || !group.includes('.'))
    fail('spec.group', `Invalid value: ${JSON.stringify(group)}: should be a domain with at least one dot`);
  const names = isRecord(spec.names) ? spec.names : undefined;
  if (!names)
    return [...causes, { field: 'spec.names', message: 'Required value', reason: 'FieldValueRequired' }];
  for (const field of ['plural', 'kind']) {
    if (typeof names[field] !== 'string' || names[field] === '')
      fail(`spec.names.${field}`, 'Required value');
  }
  if (typeof names.plural === 'string' && !dns1123Label.test(names.plural)) {
    fail('spec.names.plural', `Invalid value: ${JSON.stringify(names.plural)}: must be a DNS-1123 label`);
  }
  names.singular ??= typeof names.kind === 'string' ? names.kind.toLowerCase() : undefined;
  names.listKind ??= `${names.kind}List`;
  if (crd.metadata.name !== `${names.plural}.${group}`) {
    fail(
      'metadata.name',
      `Invalid value: ${JSON.stringify(crd.metadata.name)}: must be spec.names.plural+"."+spec.group`,
    );
  }
  if (spec.scope !== 'Namespaced' && spec.scope !== 'Cluster') {
    fail(
      'spec.scope',
      `Unsupported value: ${JSON.stringify(spec.scope)}: supported values: "Cluster", "Namespaced"`,
    );
  }
  const versions = Array.isArray(spec.versions) ? spec.versions.filter(isRecord) : [];
  if (versions.length === 0)
    fail('spec.versions', 'Required value: must have exactly one version marked as storage version');
  else if (versions.filter((v) => v.storage === true).length !== 1)
    fail('spec.versions', 'Invalid value: must have exactly one version marked as storage version');
  for (const [i, version] of versions.entries()) {
    if (typeof version.name !== 'string' || !dns1123Label.test(version.name))
      fail(`spec.versions[${i}].name`, `Invalid value: ${JSON.stringify(version.name)}`);
    if (typeof version.served !== 'boolean') fail(`spec.versions[${i}].served`, 'Required value');
    const schema = isRecord(version.schema) ? version.schema.openAPIV3Schema : undefined;
    for (const rule of unsupportedRules(schema)) {
      fail(
        `spec.versions[${i}].schema.openAPIV3Schema`,
        `Invalid value: ${rule}: the embedded API server checks only the CEL rule "self == oldSelf"`,
      );
    }
  }
  return causes;
}

/** The status a healthy CRD reaches once the (absent) controller has accepted its names. */
export function establishedStatus(crd: KObject, now: string): Record<string, unknown> {
  const spec = crd.spec as Record<string, unknown>;
  const names = spec.names as Record<string, unknown>;
  const versions = (spec.versions as Record<string, unknown>[]).filter(isRecord);
  const condition = (type: string, reason: string, message: string) => ({
    type,
    status: 'True',
    lastTransitionTime: now,
    reason,
    message,
  });
  return {
    acceptedNames: names,
    conditions: [
      condition('NamesAccepted', 'NoConflicts', 'no conflicts found'),
      condition('Established', 'InitialNamesAccepted', 'the initial names have been accepted'),
    ],
    storedVersions: versions.filter((v) => v.storage === true).map((v) => v.name),
  };
}

export function typesFromCrd(crd: KObject): ResourceType[] {
  const spec = crd.spec as Record<string, unknown>;
  const group = spec.group as string;
  const names = spec.names as unknown as CrdNames;
  const versions = (spec.versions as Record<string, unknown>[]).filter(
    (v) => isRecord(v) && v.served === true,
  );
  return versions.map((version) => {
    const subresources = isRecord(version.subresources) ? version.subresources : {};
    const schema = isRecord(version.schema) ? version.schema.openAPIV3Schema : undefined;
    return {
      group,
      version: version.name as string,
      resource: names.plural,
      kind: names.kind,
      singular: names.singular,
      namespaced: spec.scope === 'Namespaced',
      shortNames: names.shortNames ?? [],
      categories: names.categories ?? [],
      statusSubresource: isRecord(subresources.status),
      // kube-apiserver's custom resource strategy refuses a PUT without a resourceVersion.
      unconditionalUpdate: false,
      storeKey: `${group}/${names.plural}`,
      selectableFields: [],
      custom: {
        schema,
        printerColumns: (Array.isArray(version.additionalPrinterColumns)
          ? version.additionalPrinterColumns
          : []) as PrinterColumn[],
      },
    };
  });
}
