// The addresses list of one pool, in either source format.

import { compareRanges, parseAddressRange } from './address-range.ts';
import type { PoolRange } from './model.ts';
import type { ProblemCollector } from './problems.ts';

export function readPoolAddresses(value: unknown, field: string, problems: ProblemCollector): PoolRange[] {
  if (value === undefined || value === null || (Array.isArray(value) && value.length === 0)) {
    problems.error(field, value, 'the pool has no addresses');
    return [];
  }
  if (!Array.isArray(value)) {
    problems.error(field, value, 'must be a list of CIDRs or address ranges');
    return [];
  }
  const ranges: PoolRange[] = [];
  value.forEach((entry, i) => {
    const at = `${field}[${i}]`;
    if (typeof entry !== 'string') {
      problems.error(at, entry, 'must be a string: a CIDR or an address range');
      return;
    }
    const parsed = parseAddressRange(entry);
    if (!parsed.ok) {
      problems.error(at, entry, parsed.message);
      return;
    }
    if (parsed.warning) problems.warn(at, entry, parsed.warning);
    ranges.push({ ...parsed.range, text: entry, field: at });
  });
  return ranges.sort(compareRanges);
}
