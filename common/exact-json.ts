// JSON that keeps integers past 2^53 exact. A BigInt is written as its digits: JSON.rawJSON (in
// Node 24, not yet in TypeScript's lib) keeps a number's text through JSON.stringify. The
// controller writes int64 pool counts this way, the embedded API server what it stores, and the
// config fingerprint reads pool ranges this way.

const { rawJSON } = JSON as unknown as { rawJSON(text: string): unknown };

/** An integer as a JSON number with exactly these digits, for a body another library stringifies. */
export function exactNumber(value: bigint | number): unknown {
  return rawJSON(String(value));
}

/** JSON.stringify, writing a BigInt as its exact digits. */
export function encodeJson(value: unknown): string {
  return JSON.stringify(value, (_key, member) => (typeof member === 'bigint' ? exactNumber(member) : member));
}
