// The TokenRequest kubectl sends as protobuf, read as its JSON form's spec.

import { fieldsOf, messageField, unwrapEnvelope } from '../protobuf-wire.ts';

/** TokenRequest{metadata=1, spec=2{audiences=1, expirationSeconds=4}} → `{spec: {audiences?, expirationSeconds?}}`. */
export function decodeTokenRequestProtobuf(body: Buffer): { spec: Record<string, unknown> } {
  const specFields = fieldsOf(messageField(fieldsOf(unwrapEnvelope(body)), 2));
  const spec: Record<string, unknown> = {};
  const audiences: string[] = [];
  for (const field of specFields) {
    if (field.number === 1 && field.bytes) audiences.push(field.bytes.toString('utf8'));
    if (field.number === 4 && field.varint !== undefined)
      spec.expirationSeconds = Number(BigInt.asIntN(64, field.varint));
  }
  if (audiences.length > 0) spec.audiences = audiences;
  return { spec };
}
