// MicroTime fields (a Lease's acquireTime and renewTime, an Event's eventTime): kube-apiserver decodes
// them with Go's RFC3339Micro layout and refuses the whole object with 400 when one has any other
// form, such as JavaScript's three fractional digits. Imitated here so that a client writing the
// wrong form fails on the embedded server as it would on a cluster.
import { isRecord } from './object-model.ts';
import type { ResourceType } from './resource-registry.ts';
import { type ApiError, badRequest } from './status-errors.ts';

const layout = '2006-01-02T15:04:05.000000Z07:00';
const microTime = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}(Z|[+-]\d{2}:\d{2})$/;

/** Paths of MicroTime fields by store key. */
const microTimeFields: Record<string, readonly (readonly string[])[]> = {
  'coordination.k8s.io/leases': [
    ['spec', 'acquireTime'],
    ['spec', 'renewTime'],
  ],
  events: [['eventTime'], ['series', 'lastObservedTime']],
};

function valueAt(object: unknown, path: readonly string[]): unknown {
  let value = object;
  for (const key of path) value = isRecord(value) ? value[key] : undefined;
  return value;
}

/** The decoding error for the first MicroTime field of `object` that is not in RFC3339Micro form. */
export function microTimeError(type: ResourceType, object: unknown): ApiError | undefined {
  for (const path of microTimeFields[type.storeKey] ?? []) {
    const value = valueAt(object, path);
    if (value === undefined || value === null || (typeof value === 'string' && microTime.test(value)))
      continue;
    return badRequest(
      `${type.kind} in version "${type.version}" cannot be handled as a ${type.kind}: parsing time ${JSON.stringify(value)} as "${layout}": ${path.join('.')} needs six fractional digits`,
    );
  }
  return undefined;
}
