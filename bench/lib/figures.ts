// The one shape every benchmark reports in, so `bench/run.ts` can gather them into
// bench/results.json and draw the plots. A benchmark run alone prints its report; run with
// `--json FILE` it also writes it there. `--quick` asks for a shorter run with the same figure names.

import { writeFileSync } from 'node:fs';
import { kubernetesVersion } from '../../lab/kube/binaries.ts';
import { type KubeBackend, parseKubeBackend } from '../../lab/kube-api.ts';

export interface Figure {
  readonly value: number | boolean;
  /** 'ratio', 's', 'ms', 'µs', 'MB', 'rps', 'count' or 'bool'. */
  readonly unit: string;
  /** What a ratio was divided by, with that reference's own measured value and unit; else what was measured. */
  readonly reference: string;
  /** How many trials or samples the figure summarises. */
  readonly samples?: number;
  /** The target for this figure, as text (e.g. "≤ 4"), and whether this run met it. */
  readonly target?: string;
  readonly met?: boolean;
  readonly note?: string;
}

/** Latency samples of several sources on one axis, drawn as cumulative distributions. */
export interface DistributionSeries {
  readonly kind: 'distribution';
  readonly title: string;
  readonly unit: string;
  readonly lines: Readonly<Record<string, readonly number[]>>;
}

/** What the client saw over time across a fault: which node answered each probe (null = no answer). */
export interface TimelineSeries {
  readonly kind: 'timeline';
  readonly title: string;
  /** Seconds relative to the fault (negative before it). */
  readonly probes: readonly { readonly t: number; readonly answeredBy: string | null }[];
  readonly marks: readonly { readonly t: number; readonly label: string }[];
}

export type Series = DistributionSeries | TimelineSeries;

export interface BenchReport {
  readonly bench: string;
  readonly quick: boolean;
  readonly figures: Readonly<Record<string, Figure>>;
  readonly series?: Readonly<Record<string, Series>>;
  /** Anything else worth keeping (raw figures, parameters); not read by the runner. */
  readonly details?: unknown;
}

export interface BenchArgs {
  readonly quick: boolean;
  readonly jsonFile: string | undefined;
  /** --kube real: the benches that need an API server run on the real control plane. */
  readonly kube: KubeBackend;
  /** Arguments other than --quick and --json FILE, in order. */
  readonly rest: readonly string[];
}

export function benchArgs(argv: readonly string[] = process.argv.slice(2)): BenchArgs {
  const rest: string[] = [];
  let quick = false;
  let jsonFile: string | undefined;
  let kube: KubeBackend = 'embedded';
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--quick') quick = true;
    else if (arg === '--json') {
      jsonFile = argv[++i];
      if (!jsonFile) throw new Error('--json needs a file name');
    } else if (arg === '--kube') kube = parseKubeBackend(argv[++i] ?? '');
    else rest.push(arg);
  }
  return { quick, jsonFile, kube, rest };
}

/**
 * A report measured on the real control plane keeps apart from the embedded one's: the bench is
 * named NAME-real and each figure and series NAME_real, with the API server named in each reference.
 */
export function forBackend(result: BenchReport, kube: KubeBackend): BenchReport {
  if (kube === 'embedded') return result;
  const rename = <T>(record: Readonly<Record<string, T>>, change: (value: T) => T) =>
    Object.fromEntries(Object.entries(record).map(([key, value]) => [`${key}_real`, change(value)]));
  return {
    ...result,
    bench: `${result.bench}-real`,
    figures: rename(result.figures, (f) => ({
      ...f,
      reference: `on kube-apiserver ${kubernetesVersion}: ${f.reference}`,
    })),
    ...(result.series ? { series: rename(result.series, (series) => series) } : {}),
  };
}

/** Prints the figures for a reader and, with --json, writes the whole report for the runner. */
export function report(args: BenchArgs, measured: BenchReport): void {
  const result = forBackend(measured, args.kube);
  console.log(JSON.stringify({ bench: result.bench, quick: result.quick, figures: result.figures }, null, 2));
  if (args.jsonFile) writeFileSync(args.jsonFile, `${JSON.stringify(result)}\n`);
}

/** The value at fraction p (0..1) of the sorted samples, nearest rank. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(sorted.length * p) - 1))]!;
}

export function round(value: number, digits = 3): number {
  return Number(value.toFixed(digits));
}

/** An implementation's name as it ends a figure name: "kube-vip" → "kube_vip". */
export function figureKey(name: string): string {
  return name.replace(/-/g, '_');
}
