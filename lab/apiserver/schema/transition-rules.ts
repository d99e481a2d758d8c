// The one CEL rule MetalLB's CRDs use, `self == oldSelf` (a field that may be set but never changed,
// as in ServiceL2Status's status.node), checked the way kube-apiserver checks it: only on an update,
// only where the field has a value before and after. The embedded server has no CEL interpreter, so
// a CRD with any other rule is refused when it is created: accepting a rule and not enforcing it
// would let a test pass here that fails on a real cluster.

import { encodeJson } from '../../../common/exact-json.ts';
import type { SchemaError } from './structural-schema.ts';

type Schema = Record<string, unknown>;

const immutableRule = 'self == oldSelf';

interface Validation {
  readonly rule: string;
  readonly message?: string;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function validationsOf(schema: Schema): Validation[] {
  const list = schema['x-kubernetes-validations'];
  return Array.isArray(list)
    ? list.filter((v): v is Validation => isObject(v) && typeof v.rule === 'string')
    : [];
}

function childSchemas(schema: Schema): [string, Schema][] {
  const children: [string, Schema][] = [];
  if (isObject(schema.properties))
    for (const [name, child] of Object.entries(schema.properties))
      if (isObject(child)) children.push([name, child]);
  if (isObject(schema.items)) children.push(['[]', schema.items]);
  if (isObject(schema.additionalProperties)) children.push(['{}', schema.additionalProperties]);
  return children;
}

/** Schema paths holding a rule other than `self == oldSelf`, for refusing the CRD. */
export function unsupportedRules(schema: unknown, path = ''): string[] {
  if (!isObject(schema)) return [];
  const here = validationsOf(schema)
    .filter((v) => v.rule.trim() !== immutableRule)
    .map((v) => `${path || '<root>'}: ${JSON.stringify(v.rule)}`);
  return [
    ...here,
    ...childSchemas(schema).flatMap(([name, child]) =>
      unsupportedRules(child, path === '' ? name : `${path}.${name}`),
    ),
  ];
}

/** Errors for each field under a `self == oldSelf` rule whose value changed from old to object. */
export function transitionErrors(schema: unknown, object: unknown, old: unknown, path = ''): SchemaError[] {
  if (!isObject(schema) || object === undefined || old === undefined) return [];
  const errors: SchemaError[] = validationsOf(schema)
    .filter((v) => v.rule.trim() === immutableRule && encodeJson(object) !== encodeJson(old))
    .map((v) => ({
      field: path || '<root>',
      // kube-apiserver shows a scalar's new value and the type of anything else, then the rule's message.
      message: `Invalid value: ${shown(object, schema)}: ${v.message ?? `failed rule: ${immutableRule}`}`,
      reason: 'FieldValueInvalid',
    }));
  if (!isObject(object) || !isObject(old) || !isObject(schema.properties)) return errors;
  for (const [name, child] of Object.entries(schema.properties)) {
    errors.push(...transitionErrors(child, object[name], old[name], path === '' ? name : `${path}.${name}`));
  }
  return errors;
}

function shown(value: unknown, schema: Schema): string {
  if (typeof value !== 'object' || value === null) return encodeJson(value);
  return `"${typeof schema.type === 'string' ? schema.type : 'object'}"`;
}
