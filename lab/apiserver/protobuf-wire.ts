// kubectl's typed clients (create token, auth can-i) send their bodies as Kubernetes protobuf.
// The few kinds that need it are read with this much of the wire format: the "k8s\0" envelope
// (runtime.Unknown), varint and length-delimited fields. Answers still go out as JSON.

import { badRequest } from './status-errors.ts';

export const protobufMediaType = 'application/vnd.kubernetes.protobuf';

const magic = Buffer.from([0x6b, 0x38, 0x73, 0x00]);

export interface Field {
  number: number;
  /** Set for varint fields. */
  varint?: bigint;
  /** Set for length-delimited fields. */
  bytes?: Buffer;
}

export const isProtobuf = (contentType: string | undefined): boolean =>
  contentType?.split(';')[0]?.trim().toLowerCase() === protobufMediaType;

export function fieldsOf(data: Buffer): Field[] {
  const fields: Field[] = [];
  let at = 0;
  const varint = (): bigint => {
    let value = 0n;
    for (let shift = 0n; ; shift += 7n) {
      if (at >= data.length) throw badRequest('the protobuf body is truncated');
      const byte = data[at++]!;
      value |= BigInt(byte & 0x7f) << shift;
      if (byte < 0x80) return value;
    }
  };
  while (at < data.length) {
    const key = varint();
    const number = Number(key >> 3n);
    const wire = Number(key & 7n);
    if (wire === 0) fields.push({ number, varint: varint() });
    else if (wire === 2) {
      const length = Number(varint());
      if (at + length > data.length) throw badRequest('the protobuf body is truncated');
      fields.push({ number, bytes: data.subarray(at, at + length) });
      at += length;
    } else if (wire === 1) at += 8;
    else if (wire === 5) at += 4;
    else throw badRequest(`the protobuf body has an unsupported wire type ${wire}`);
  }
  return fields;
}

function envelopeFields(body: Buffer): Field[] {
  if (!body.subarray(0, magic.length).equals(magic))
    throw badRequest('the protobuf body does not start with the "k8s\\0" envelope');
  return fieldsOf(body.subarray(magic.length));
}

/** The encoded object inside the envelope. */
export function unwrapEnvelope(body: Buffer): Buffer {
  return messageField(envelopeFields(body), 2);
}

/** The envelope's TypeMeta (apiVersion 1, kind 2, in field 1) and the encoded object (field 2). */
export function typeMetaOf(body: Buffer): { apiVersion: string; kind: string; raw: Buffer } {
  const envelope = envelopeFields(body);
  const typeMeta = fieldsOf(messageField(envelope, 1));
  return {
    apiVersion: stringField(typeMeta, 1),
    kind: stringField(typeMeta, 2),
    raw: messageField(envelope, 2),
  };
}

/** A nested message field (empty when absent, as protobuf defaults it). */
export const messageField = (fields: Field[], number: number): Buffer =>
  fields.find((f) => f.number === number)?.bytes ?? Buffer.alloc(0);

export const stringField = (fields: Field[], number: number): string =>
  fields.find((f) => f.number === number)?.bytes?.toString('utf8') ?? '';
