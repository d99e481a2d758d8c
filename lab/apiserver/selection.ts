// Label and field selectors from the query string, checked against what the resource allows
// (the real server refuses unknown field labels), as one predicate for list, watch and
// deletecollection.

import { matchesLabels } from '../../common/label-selector.ts';
import type { KObject } from './object-model.ts';
import type { ResourceType } from './resource-registry.ts';
import { matchesFieldSelector, parseFieldSelector } from './selectors/field-selector.ts';
import { parseLabelSelectorQuery } from './selectors/label-selector-query.ts';
import { badRequest } from './status-errors.ts';

export type Selection = (object: KObject) => boolean;

const alwaysSelectable = new Set(['metadata.name', 'metadata.namespace']);

export function selectionFromQuery(type: ResourceType, query: URLSearchParams): Selection {
  const labelText = query.get('labelSelector') ?? '';
  const fieldText = query.get('fieldSelector') ?? '';
  let labels: ReturnType<typeof parseLabelSelectorQuery>;
  let fields: ReturnType<typeof parseFieldSelector>;
  try {
    labels = parseLabelSelectorQuery(labelText);
  } catch (error) {
    throw badRequest(`unable to parse requirement: ${(error as Error).message}`);
  }
  try {
    fields = parseFieldSelector(fieldText);
  } catch (error) {
    throw badRequest(`invalid field selector ${JSON.stringify(fieldText)}: ${(error as Error).message}`);
  }
  for (const requirement of fields) {
    const allowed =
      alwaysSelectable.has(requirement.path) ||
      type.selectableFields.includes(requirement.path) ||
      type.custom;
    if (!allowed) throw badRequest(`field label not supported: ${requirement.path}`);
  }
  if (labels.length === 0 && fields.length === 0) return () => true;
  return (object) => matchesLabels(labels, object.metadata.labels) && matchesFieldSelector(object, fields);
}
