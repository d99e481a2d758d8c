// The objects kubectl's imperative commands send as Kubernetes protobuf (`kubectl create namespace`,
// `create configmap`, `create secret generic`, `create serviceaccount`), decoded to the JSON the rest
// of the server handles. Field numbers are those of k8s.io/api's generated.proto; fields these
// commands never set (status, owner references, managed fields) are not read.
import { type Field, fieldsOf, messageField, stringField, typeMetaOf } from './protobuf-wire.ts';
import { ApiError } from './status-errors.ts';

type Json = Record<string, unknown>;

/** A proto3 map<string, string|bytes>: repeated entries of key = 1, value = 2. */
function mapField(fields: Field[], number: number, value: (bytes: Buffer) => string): Json | undefined {
  const entries = fields.filter((f) => f.number === number && f.bytes);
  if (entries.length === 0) return undefined;
  const map: Json = {};
  for (const entry of entries) {
    const inner = fieldsOf(entry.bytes!);
    map[stringField(inner, 1)] = value(messageField(inner, 2));
  }
  return map;
}

const utf8 = (bytes: Buffer) => bytes.toString('utf8');
const base64 = (bytes: Buffer) => bytes.toString('base64');

function repeatedStrings(fields: Field[], number: number): string[] | undefined {
  const values = fields.filter((f) => f.number === number && f.bytes).map((f) => f.bytes!.toString('utf8'));
  return values.length > 0 ? values : undefined;
}

function optional(entries: [string, unknown][]): Json {
  return Object.fromEntries(entries.filter(([, value]) => value !== undefined && value !== ''));
}

/** ObjectMeta: name 1, generateName 2, namespace 3, resourceVersion 6, labels 11, annotations 12, finalizers 14. */
function objectMeta(bytes: Buffer): Json {
  const fields = fieldsOf(bytes);
  return optional([
    ['name', stringField(fields, 1)],
    ['generateName', stringField(fields, 2)],
    ['namespace', stringField(fields, 3)],
    ['resourceVersion', stringField(fields, 6)],
    ['labels', mapField(fields, 11, utf8)],
    ['annotations', mapField(fields, 12, utf8)],
    ['finalizers', repeatedStrings(fields, 14)],
  ]);
}

function booleanField(fields: Field[], number: number): boolean | undefined {
  const field = fields.find((f) => f.number === number && f.varint !== undefined);
  return field ? field.varint !== 0n : undefined;
}

/** Each kind's fields after metadata (always field 1). */
const kinds: Record<string, (fields: Field[]) => [string, unknown][]> = {
  'v1/Namespace': (fields) => {
    const spec = fieldsOf(messageField(fields, 2));
    const finalizers = repeatedStrings(spec, 1);
    return [['spec', finalizers ? { finalizers } : undefined]];
  },
  'v1/ConfigMap': (fields) => [
    ['data', mapField(fields, 2, utf8)],
    ['binaryData', mapField(fields, 3, base64)],
    ['immutable', booleanField(fields, 4)],
  ],
  'v1/Secret': (fields) => [
    ['data', mapField(fields, 2, base64)],
    ['type', stringField(fields, 3)],
    ['stringData', mapField(fields, 4, utf8)],
    ['immutable', booleanField(fields, 5)],
  ],
  'v1/ServiceAccount': (fields) => [['automountServiceAccountToken', booleanField(fields, 4)]],
};

export function decodeProtobufObject(body: Buffer): Json {
  const { apiVersion, kind, raw } = typeMetaOf(body);
  const decode = kinds[`${apiVersion}/${kind}`];
  if (!decode) {
    throw new ApiError(
      'UnsupportedMediaType',
      `this server reads protobuf bodies only for ${Object.keys(kinds).join(', ')} (and TokenRequest, SelfSubjectAccessReview); send ${apiVersion}/${kind} as application/json`,
    );
  }
  const fields = fieldsOf(raw);
  return optional([
    ['apiVersion', apiVersion],
    ['kind', kind],
    ['metadata', objectMeta(messageField(fields, 1))],
    ...decode(fields),
  ]);
}
