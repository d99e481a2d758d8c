// JSON as kube-apiserver reads and writes it: integers are int64, so a count past 2^53 (an IPv6
// pool's free addresses) comes back exactly as it was written. A JavaScript number cannot hold
// such an integer, so the embedded server keeps it as a BigInt and writes it back digit for digit.
// Integers outside int64 stay floating point, as the real server's decoder leaves them. Writing
// is common/exact-json.ts's encodeJson.

const int64Min = -(2n ** 63n);
const int64Max = 2n ** 63n - 1n;

// The reviver's third argument is in Node 24 but not yet in TypeScript's lib.
type ReviverContext = { readonly source?: string };
type Reviver = (key: string, value: unknown, context?: ReviverContext) => unknown;

function exactInteger(_key: string, value: unknown, context?: ReviverContext): unknown {
  const source = context?.source;
  if (typeof value !== 'number' || Number.isSafeInteger(value) || !source || !/^-?\d+$/.test(source))
    return value;
  const exact = BigInt(source);
  return exact >= int64Min && exact <= int64Max ? exact : value;
}

/** JSON.parse, keeping integers past 2^53 that fit int64 as BigInt. */
export function parseJson(text: string): unknown {
  return JSON.parse(text, exactInteger as Reviver as Parameters<typeof JSON.parse>[1]);
}
