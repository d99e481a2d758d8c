// Pool address entries: a CIDR ("192.0.2.0/28") or an inclusive range ("198.51.100.10-198.51.100.20"),
// as MetalLB accepts them, turned into one inclusive [first, last] pair of the same family.

import { addressBits, formatIP, type IPFamily, parseIP } from '../ip-address.ts';

export interface AddressRange {
  readonly family: IPFamily;
  readonly first: bigint;
  readonly last: bigint;
}

export type RangeParse =
  | { readonly ok: true; readonly range: AddressRange; readonly warning?: string }
  | { readonly ok: false; readonly message: string };

function parseCIDR(text: string): RangeParse {
  const [addressText = '', prefixText = ''] = text.split('/');
  const address = parseIP(addressText.trim());
  if (address === undefined) return { ok: false, message: `"${addressText}" is not an IP address` };
  const bits = addressBits[address.family];
  if (!/^\d{1,3}$/.test(prefixText.trim()) || Number(prefixText) > bits) {
    return { ok: false, message: `prefix length "${prefixText}" is not a number from 0 to ${bits}` };
  }
  const hostBits = BigInt(bits - Number(prefixText));
  const first = (address.value >> hostBits) << hostBits;
  const last = first + (1n << hostBits) - 1n;
  const range: AddressRange = { family: address.family, first, last };
  if (first === address.value) return { ok: true, range };
  // MetalLB (Go's net.ParseCIDR) silently masks host bits; we accept it the same way but say so,
  // since "192.0.2.77/24" usually means the author expected something smaller.
  const network = `${formatIP({ family: address.family, value: first })}/${Number(prefixText)}`;
  return { ok: true, range, warning: `host bits are set; this is the whole network ${network}` };
}

function parseDashRange(text: string): RangeParse {
  const dash = text.indexOf('-');
  const startText = text.slice(0, dash).trim();
  const endText = text.slice(dash + 1).trim();
  const start = parseIP(startText);
  if (start === undefined) return { ok: false, message: `range start "${startText}" is not an IP address` };
  const end = parseIP(endText);
  if (end === undefined) return { ok: false, message: `range end "${endText}" is not an IP address` };
  if (start.family !== end.family) {
    return { ok: false, message: `range mixes IPv${start.family} and IPv${end.family} addresses` };
  }
  if (start.value > end.value)
    return { ok: false, message: `range start ${startText} is after its end ${endText}` };
  return { ok: true, range: { family: start.family, first: start.value, last: end.value } };
}

export function parseAddressRange(text: string): RangeParse {
  const trimmed = text.trim();
  if (trimmed.includes('/')) return parseCIDR(trimmed);
  if (trimmed.includes('-')) return parseDashRange(trimmed);
  const single = parseIP(trimmed);
  const hint =
    single === undefined ? '' : `; for a single address write ${trimmed}/${addressBits[single.family]}`;
  return { ok: false, message: `not a CIDR or an address range${hint}` };
}

export function rangeSize(range: AddressRange): bigint {
  return range.last - range.first + 1n;
}

export function formatRange(range: AddressRange): string {
  const first = formatIP({ family: range.family, value: range.first });
  const last = formatIP({ family: range.family, value: range.last });
  return first === last ? first : `${first}-${last}`;
}

export function compareRanges(a: AddressRange, b: AddressRange): number {
  if (a.family !== b.family) return a.family - b.family;
  if (a.first !== b.first) return a.first < b.first ? -1 : 1;
  return a.last === b.last ? 0 : a.last < b.last ? -1 : 1;
}
