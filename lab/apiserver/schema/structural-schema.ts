// Custom resources against their CRD's openAPIV3Schema, in the order the real server works:
// drop nulls the schema does not allow, prune fields the schema does not know, apply defaults,
// then validate. Errors name the field path (spec.addresses[0]) and read like the real server's.

import { isIP } from 'node:net';
import { encodeJson } from '../../../common/exact-json.ts';

export interface SchemaError {
  field: string;
  message: string;
  reason:
    | 'FieldValueRequired'
    | 'FieldValueInvalid'
    | 'FieldValueNotSupported'
    | 'FieldValueTooMany'
    | 'FieldValueTypeInvalid';
}

export interface SchemaResult {
  object: unknown;
  errors: SchemaError[];
  /** Paths of fields pruned because the schema does not declare them (fieldValidation=Strict rejects them). */
  unknownFields: string[];
}

type Schema = Record<string, unknown>;

const alwaysKeptAtRoot = new Set(['apiVersion', 'kind', 'metadata']);

export function defaultAndValidate(schema: unknown, object: unknown): SchemaResult {
  const result: SchemaResult = { object: structuredClone(object), errors: [], unknownFields: [] };
  result.object = walk(asSchema(schema), result.object, '', result, true);
  return result;
}

function asSchema(value: unknown): Schema {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Schema) : {};
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function walk(schema: Schema, value: unknown, path: string, result: SchemaResult, root = false): unknown {
  if (value === null) {
    if (schema.nullable !== true)
      fail(
        result,
        path,
        'FieldValueTypeInvalid',
        `Invalid value: "null": ${bodyPath(path)} in body must be of type ${String(schema.type ?? 'object')}: "null"`,
      );
    return value;
  }
  if (!checkType(schema, value, path, result)) return value;
  checkEnum(schema, value, path, result);
  if (isObject(value)) walkObject(schema, value, path, result, root);
  else if (Array.isArray(value)) walkArray(schema, value, path, result);
  else if (typeof value === 'string') checkString(schema, value, path, result);
  else if (typeof value === 'number' || typeof value === 'bigint') checkNumber(schema, value, path, result);
  return value;
}

function checkType(schema: Schema, value: unknown, path: string, result: SchemaResult): boolean {
  if (schema['x-kubernetes-int-or-string'] === true) {
    if (typeof value === 'string' || jsonTypeOf(value) === 'integer') return true;
    fail(
      result,
      path,
      'FieldValueTypeInvalid',
      `Invalid value: ${describe(value)}: ${bodyPath(path)} in body must be of type integer or string: ${jsonTypeOf(value)}`,
    );
    return false;
  }
  const type = schema.type;
  if (typeof type !== 'string') return true;
  const actual = jsonTypeOf(value);
  const matches = type === actual || (type === 'number' && actual === 'integer');
  if (!matches) {
    fail(
      result,
      path,
      'FieldValueTypeInvalid',
      `Invalid value: "${actual}": ${bodyPath(path)} in body must be of type ${type}: "${actual}"`,
    );
  }
  return matches;
}

function walkObject(
  schema: Schema,
  object: Record<string, unknown>,
  path: string,
  result: SchemaResult,
  root: boolean,
): void {
  const properties = asSchema(schema.properties);
  const additional = schema.additionalProperties;
  const preserveUnknown = schema['x-kubernetes-preserve-unknown-fields'] === true;
  for (const [name, child] of Object.entries(properties)) {
    const childSchema = asSchema(child);
    if (root && alwaysKeptAtRoot.has(name)) continue;
    if (object[name] === null && childSchema.nullable !== true) delete object[name];
    if (!Object.hasOwn(object, name) && childSchema.default !== undefined)
      object[name] = structuredClone(childSchema.default);
  }
  for (const [name, value] of Object.entries(object)) {
    const childPath = join(path, name);
    if (root && alwaysKeptAtRoot.has(name)) {
      if (name === 'metadata' && value !== undefined && !isObject(value)) {
        fail(
          result,
          childPath,
          'FieldValueTypeInvalid',
          `Invalid value: ${describe(value)}: metadata must be an object`,
        );
      }
      continue;
    }
    if (Object.hasOwn(properties, name))
      object[name] = walk(asSchema(properties[name]), value, childPath, result);
    else if (isObject(additional)) object[name] = walk(additional, value, childPath, result);
    else if (additional === true || preserveUnknown) continue;
    else {
      delete object[name];
      result.unknownFields.push(childPath);
    }
  }
  const required = Array.isArray(schema.required) ? schema.required : [];
  for (const name of required) {
    if (typeof name === 'string' && !Object.hasOwn(object, name))
      fail(result, join(path, name), 'FieldValueRequired', 'Required value');
  }
  const count = Object.keys(object).length;
  if (typeof schema.minProperties === 'number' && count < schema.minProperties) {
    fail(
      result,
      path,
      'FieldValueInvalid',
      `Invalid value: ${count}: ${bodyPath(path)} in body should have at least ${schema.minProperties} properties`,
    );
  }
  if (typeof schema.maxProperties === 'number' && count > schema.maxProperties) {
    fail(
      result,
      path,
      'FieldValueTooMany',
      `Too many: ${count}: must have at most ${schema.maxProperties} properties`,
    );
  }
}

function walkArray(schema: Schema, array: unknown[], path: string, result: SchemaResult): void {
  const items = asSchema(schema.items);
  array.forEach((item, index) => {
    array[index] = walk(items, item, `${path}[${index}]`, result);
  });
  if (typeof schema.minItems === 'number' && array.length < schema.minItems) {
    fail(
      result,
      path,
      'FieldValueInvalid',
      `Invalid value: ${array.length}: ${bodyPath(path)} in body should have at least ${schema.minItems} items`,
    );
  }
  if (typeof schema.maxItems === 'number' && array.length > schema.maxItems) {
    fail(
      result,
      path,
      'FieldValueTooMany',
      `Too many: ${array.length}: must have at most ${schema.maxItems} items`,
    );
  }
}

function checkString(schema: Schema, value: string, path: string, result: SchemaResult): void {
  const invalid = (detail: string): void =>
    fail(result, path, 'FieldValueInvalid', `Invalid value: ${JSON.stringify(value)}: ${detail}`);
  if (typeof schema.minLength === 'number' && value.length < schema.minLength) {
    invalid(`${bodyPath(path)} in body should be at least ${schema.minLength} chars long`);
  }
  if (typeof schema.maxLength === 'number' && value.length > schema.maxLength) {
    invalid(`${bodyPath(path)} in body should be at most ${schema.maxLength} chars long`);
  }
  if (typeof schema.pattern === 'string' && !patternHolds(schema.pattern, value)) {
    invalid(`${bodyPath(path)} in body should match '${schema.pattern}'`);
  }
  const format = schema.format;
  if (typeof format === 'string' && !formatHolds(format, value))
    invalid(`${bodyPath(path)} in body must be of type ${format}: ${JSON.stringify(value)}`);
}

/** Patterns are RE2 on the real server; one JavaScript cannot compile is not enforced. */
function patternHolds(pattern: string, value: string): boolean {
  let regex: RegExp;
  try {
    regex = new RegExp(pattern, 'u');
  } catch {
    return true;
  }
  return regex.test(value);
}

function formatHolds(format: string, value: string): boolean {
  switch (format) {
    case 'ipv4':
      return isIP(value) === 4;
    case 'ipv6':
      return isIP(value) === 6;
    case 'cidr': {
      const [address = '', bits, ...rest] = value.split('/');
      const family = isIP(address);
      return (
        rest.length === 0 &&
        family !== 0 &&
        bits !== undefined &&
        /^(0|[1-9][0-9]*)$/.test(bits) &&
        Number(bits) <= (family === 4 ? 32 : 128)
      );
    }
    default:
      // Formats the real server does not check (or this one does not know) pass.
      return true;
  }
}

function checkNumber(schema: Schema, value: number | bigint, path: string, result: SchemaResult): void {
  const invalid = (detail: string): void =>
    fail(result, path, 'FieldValueInvalid', `Invalid value: ${value}: ${detail}`);
  if (typeof schema.minimum === 'number') {
    const exclusive = schema.exclusiveMinimum === true;
    if (exclusive ? value <= schema.minimum : value < schema.minimum) {
      invalid(
        `${bodyPath(path)} in body should be greater than ${exclusive ? '' : 'or equal to '}${schema.minimum}`,
      );
    }
  }
  if (typeof schema.maximum === 'number') {
    const exclusive = schema.exclusiveMaximum === true;
    if (exclusive ? value >= schema.maximum : value > schema.maximum) {
      invalid(
        `${bodyPath(path)} in body should be less than ${exclusive ? '' : 'or equal to '}${schema.maximum}`,
      );
    }
  }
}

function checkEnum(schema: Schema, value: unknown, path: string, result: SchemaResult): void {
  if (!Array.isArray(schema.enum)) return;
  if (schema.enum.some((allowed) => encodeJson(allowed) === encodeJson(value))) return;
  const supported = schema.enum.map((allowed) => JSON.stringify(allowed)).join(', ');
  fail(
    result,
    path,
    'FieldValueNotSupported',
    `Unsupported value: ${describe(value)}: supported values: ${supported}`,
  );
}

function jsonTypeOf(value: unknown): string {
  if (Array.isArray(value)) return 'array';
  if (value === null) return 'null';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  if (typeof value === 'bigint') return 'integer'; // json-codec.ts: an int64 past 2^53
  return typeof value;
}

function describe(value: unknown): string {
  return typeof value === 'object' && value !== null ? `"${jsonTypeOf(value)}"` : encodeJson(value);
}

function fail(result: SchemaResult, path: string, reason: SchemaError['reason'], message: string): void {
  result.errors.push({ field: path === '' ? '<root>' : path, message, reason });
}

function join(path: string, name: string): string {
  return path === '' ? name : `${path}.${name}`;
}

function bodyPath(path: string): string {
  return path === '' ? 'body' : path;
}
