// A printer turns one kind of object into the cells of a Table row under fixed column definitions.

export interface ColumnDefinition {
  name: string;
  type: string;
  format: string;
  description: string;
  priority: number;
}

export interface Printer {
  readonly columns: readonly ColumnDefinition[];
  cells(object: Record<string, unknown>, now: Date): unknown[];
}

export function column(
  name: string,
  description: string,
  options: { type?: string; format?: string; priority?: number } = {},
): ColumnDefinition {
  return {
    name,
    type: options.type ?? 'string',
    format: options.format ?? '',
    description,
    priority: options.priority ?? 0,
  };
}

export const nameColumn = column('Name', 'Name must be unique within a namespace.', { format: 'name' });
export const ageColumn = column(
  'Age',
  'CreationTimestamp is a timestamp representing the server time when this object was created.',
);

/** Reads a nested field without trusting the object's shape. */
export function field(object: unknown, ...path: string[]): unknown {
  let value = object;
  for (const key of path) {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

export function text(value: unknown): string {
  return typeof value === 'string'
    ? value
    : typeof value === 'number' || typeof value === 'boolean'
      ? String(value)
      : '';
}

export function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

export function count(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : 0;
}

export function size(value: unknown): number {
  return typeof value === 'object' && value !== null ? Object.keys(value).length : 0;
}

/** labels.FormatLabels / SelectorFromSet text: sorted k=v pairs, "<none>" when empty. */
export function formatLabels(value: unknown): string {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return '<none>';
  const pairs = Object.entries(value as Record<string, unknown>)
    .map(([k, v]) => `${k}=${text(v)}`)
    .sort();
  return pairs.length === 0 ? '<none>' : pairs.join(',');
}
