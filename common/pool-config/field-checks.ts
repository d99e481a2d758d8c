// Shape checks shared by the ConfigMap and custom-resource readers: unknown fields (with the
// nearest known name as a hint, since a typo otherwise silently means "use the default") and
// wrong types.

import type { ProblemCollector } from './problems.ts';

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function normalized(name: string): string {
  return name.toLowerCase().replace(/[-_]/g, '');
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min(previous[j]! + 1, current[j - 1]! + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length]!;
}

/** The known name a misspelt one most likely meant, if any is close. */
function nearestName(name: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of known) {
    const distance = editDistance(normalized(name), normalized(candidate));
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return bestDistance <= Math.max(2, Math.floor(name.length / 4)) ? best : undefined;
}

export function checkKnownFields(
  object: Record<string, unknown>,
  known: readonly string[],
  path: string,
  problems: ProblemCollector,
): void {
  for (const [name, value] of Object.entries(object)) {
    if (known.includes(name)) continue;
    const near = nearestName(name, known);
    const hint = near === undefined ? `known fields: ${known.join(', ')}` : `did you mean "${near}"?`;
    problems.error(path === '' ? name : `${path}.${name}`, value, `unknown field "${name}"; ${hint}`);
  }
}

export function optionalBoolean(
  value: unknown,
  fallback: boolean,
  field: string,
  problems: ProblemCollector,
): boolean {
  if (value === undefined || value === null) return fallback;
  if (typeof value === 'boolean') return value;
  problems.error(field, value, 'must be true or false');
  return fallback;
}

/** A list of strings; wrong entries are reported and dropped. */
export function optionalStringList(value: unknown, field: string, problems: ProblemCollector): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) {
    problems.error(field, value, 'must be a list of strings');
    return [];
  }
  const strings: string[] = [];
  value.forEach((entry, i) => {
    if (typeof entry === 'string') strings.push(entry);
    else problems.error(`${field}[${i}]`, entry, 'must be a string');
  });
  return strings;
}

export function optionalStringMap(
  value: unknown,
  field: string,
  problems: ProblemCollector,
): Record<string, string> {
  if (value === undefined || value === null) return {};
  if (!isRecord(value)) {
    problems.error(field, value, 'must be a map of strings');
    return {};
  }
  const map: Record<string, string> = {};
  for (const [key, entry] of Object.entries(value)) {
    if (typeof entry === 'string') map[key] = entry;
    else problems.error(`${field}.${key}`, entry, 'must be a string');
  }
  return map;
}

/**
 * Reports each entry that repeats an earlier one of the list (as MetalLB does for namespaces and
 * pool names): a repeat is a copy-paste mistake, never a second meaning.
 */
export function reportRepeats(
  keys: readonly string[],
  field: string,
  problems: ProblemCollector,
  describe: (key: string) => unknown = (key) => key,
): void {
  const firstAt = new Map<string, number>();
  keys.forEach((key, i) => {
    const first = firstAt.get(key);
    if (first === undefined) firstAt.set(key, i);
    else problems.error(`${field}[${i}]`, describe(key), `repeats ${field}[${first}]`);
  });
}
