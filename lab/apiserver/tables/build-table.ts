// The meta.k8s.io/v1 Table that `kubectl get` asks for (Accept: application/json;as=Table):
// column definitions and one row per object, each row carrying the object itself, its metadata
// only, or nothing, as includeObject asks.

import { builtinPrinters, defaultPrinter } from './builtin-printers.ts';
import { customResourcePrinter, type PrinterColumn } from './custom-resource-printer.ts';
import type { Printer } from './printer.ts';

export type { PrinterColumn } from './custom-resource-printer.ts';

export interface TableInput {
  kind: string;
  /** Given for custom resources: the CRD version's additionalPrinterColumns. */
  printerColumns?: PrinterColumn[];
  objects: readonly unknown[];
  includeObject: 'None' | 'Metadata' | 'Object';
  resourceVersion: string;
  now: Date;
}

export function buildTable(input: TableInput): unknown {
  const printer = printerFor(input);
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: { resourceVersion: input.resourceVersion },
    columnDefinitions: printer.columns,
    rows: input.objects.map((object) => {
      const record = (typeof object === 'object' && object !== null ? object : {}) as Record<string, unknown>;
      return {
        cells: printer.cells(record, input.now),
        ...(input.includeObject === 'None' ? {} : { object: rowObject(record, input.includeObject) }),
      };
    }),
  };
}

function printerFor(input: TableInput): Printer {
  if (input.printerColumns !== undefined) return customResourcePrinter(input.printerColumns);
  return builtinPrinters[input.kind] ?? defaultPrinter;
}

function rowObject(object: Record<string, unknown>, includeObject: 'Metadata' | 'Object'): unknown {
  if (includeObject === 'Object') return object;
  return { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: object.metadata ?? {} };
}
