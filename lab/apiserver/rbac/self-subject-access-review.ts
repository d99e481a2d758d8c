// POST /apis/authorization.k8s.io/v1/selfsubjectaccessreviews (kubectl auth can-i): may the
// asking user do this? Answered by the same authorizer that guards real requests.

import { isRecord } from '../object-model.ts';
import { fieldsOf, messageField, stringField, unwrapEnvelope } from '../protobuf-wire.ts';
import { badRequest } from '../status-errors.ts';
import type { RequestAttributes } from './request-attributes.ts';

const text = (value: unknown): string => (typeof value === 'string' ? value : '');

/** The spec of a JSON SelfSubjectAccessReview as request attributes. */
export function reviewAttributes(body: unknown): RequestAttributes {
  const spec = isRecord(body) && isRecord(body.spec) ? body.spec : {};
  const resource = isRecord(spec.resourceAttributes) ? spec.resourceAttributes : undefined;
  const nonResource = isRecord(spec.nonResourceAttributes) ? spec.nonResourceAttributes : undefined;
  if (resource) {
    const optional = (key: string, value: string) => (value === '' ? {} : { [key]: value });
    return {
      resourceRequest: true,
      verb: text(resource.verb),
      apiGroup: text(resource.group),
      apiVersion: text(resource.version),
      resource: text(resource.resource),
      ...optional('subresource', text(resource.subresource)),
      ...optional('namespace', text(resource.namespace)),
      ...optional('name', text(resource.name)),
      path: '',
    };
  }
  if (nonResource)
    return { resourceRequest: false, verb: text(nonResource.verb), path: text(nonResource.path) };
  throw badRequest('spec.resourceAttributes or spec.nonResourceAttributes is required');
}

/** SelfSubjectAccessReview{spec=2{resourceAttributes=1{namespace=1, verb=2, group=3, version=4, resource=5, subresource=6, name=7}, nonResourceAttributes=2{path=1, verb=2}}} as its JSON form. */
export function decodeReviewProtobuf(body: Buffer): { spec: Record<string, unknown> } {
  const spec = fieldsOf(messageField(fieldsOf(unwrapEnvelope(body)), 2));
  const resource = spec.find((f) => f.number === 1)?.bytes;
  if (resource) {
    const f = fieldsOf(resource);
    const names = ['namespace', 'verb', 'group', 'version', 'resource', 'subresource', 'name'];
    return {
      spec: { resourceAttributes: Object.fromEntries(names.map((n, i) => [n, stringField(f, i + 1)])) },
    };
  }
  const nonResource = spec.find((f) => f.number === 2)?.bytes;
  if (nonResource) {
    const f = fieldsOf(nonResource);
    return { spec: { nonResourceAttributes: { path: stringField(f, 1), verb: stringField(f, 2) } } };
  }
  return { spec: {} };
}

export function reviewResponse(body: unknown, allowed: boolean, reason: string): Record<string, unknown> {
  const spec = isRecord(body) && isRecord(body.spec) ? body.spec : {};
  return {
    kind: 'SelfSubjectAccessReview',
    apiVersion: 'authorization.k8s.io/v1',
    metadata: {},
    spec,
    status: { allowed, ...(reason !== '' ? { reason } : {}) },
  };
}
