// Custom resources print NAME plus the CRD's additionalPrinterColumns, evaluated as the
// apiextensions table convertor does: simple JSONPath, typed cells, dates shown as ages. A CRD
// without columns gets the server's default Age column; one with columns gets only those.

import { ageOf } from './human-duration.ts';
import { ageColumn, column, field, nameColumn, type Printer, text } from './printer.ts';

export interface PrinterColumn {
  name: string;
  type: string;
  jsonPath: string;
  description?: string;
  priority?: number;
  format?: string;
}

const defaultColumns: readonly PrinterColumn[] = [
  { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp', description: ageColumn.description },
];

export function customResourcePrinter(printerColumns: readonly PrinterColumn[]): Printer {
  const columns = printerColumns.length > 0 ? printerColumns : defaultColumns;
  const paths = columns.map((c) => parseSimpleJsonPath(c.jsonPath));
  return {
    columns: [
      nameColumn,
      ...columns.map((c) =>
        column(c.name, c.description ?? '', {
          type: c.type,
          format: c.format ?? '',
          priority: c.priority ?? 0,
        }),
      ),
    ],
    cells: (object, now) => [
      text(field(object, 'metadata', 'name')),
      ...columns.map((c, i) => {
        const path = paths[i];
        return path ? cellFor(c.type, evaluate(object, path), now) : null;
      }),
    ],
  };
}

/**
 * `.spec.addresses`, `.status.conditions[0].type`, `.metadata.labels['a.b/c']` → path steps;
 * null for anything fancier (filters, wildcards), whose cells then stay empty.
 */
export function parseSimpleJsonPath(jsonPath: string): (string | number)[] | null {
  const source = jsonPath.trim().replace(/^\{(.*)\}$/, '$1');
  const steps: (string | number)[] = [];
  const pattern = /\.([^.[\]]+)|\[(\d+)\]|\[['"]([^'"]*)['"]\]/y;
  let match: RegExpExecArray | null = pattern.exec(source);
  while (match !== null) {
    steps.push(match[1] ?? (match[2] !== undefined ? Number(match[2]) : (match[3] ?? '')));
    if (pattern.lastIndex === source.length) return steps;
    match = pattern.exec(source);
  }
  return source === '' || source === '.' ? [] : null;
}

function evaluate(object: unknown, steps: (string | number)[]): unknown {
  let value = object;
  for (const step of steps) {
    if (typeof step === 'number') value = Array.isArray(value) ? value[step] : undefined;
    else
      value =
        typeof value === 'object' && value !== null && !Array.isArray(value)
          ? (value as Record<string, unknown>)[step]
          : undefined;
  }
  return value;
}

function cellFor(type: string, value: unknown, now: Date): unknown {
  if (value === undefined || value === null) return null;
  switch (type) {
    case 'integer':
      return typeof value === 'number' ? Math.trunc(value) : null;
    case 'number':
      return typeof value === 'number' ? value : null;
    case 'boolean':
      return typeof value === 'boolean' ? value : null;
    case 'date':
      return typeof value === 'string' ? ageOf(value, now) : null;
    default:
      // String columns print whatever is there; lists and maps as JSON, like the real server.
      return typeof value === 'object' ? JSON.stringify(value) : String(value);
  }
}
